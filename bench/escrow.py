"""`gridpay bench escrow`: job_escrow's compute units per instruction, against
a baseline measured in the same run and beside the published figures of
solana-program/escrow.

The same-run baseline is ``cpi_floor`` (tests/escrow/cpi_floor): a program
making exactly the CPI the instruction must make (SPL Token
``TransferChecked``, or creating the job account) through the same SDK call,
and nothing else. ``overhead`` = job_escrow's units minus the floor's; the
budgets (tests/escrow/test_budgets.py) bound it.

The reference figures come from solana-program/escrow's docs/CU_BENCHMARKS.md
(a Pinocchio escrow, measured in LiteSVM too). Its instructions do more than
ours (receipts, hooks, event CPIs), so the ratio says where gridpay stands,
not that the programs are equivalent.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from pathlib import Path

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from gridpay import ROOT
from pyclients.solana.common import token
from pyclients.solana.common.logs import program_units
from pyclients.solana.escrow import BASE_UNITS_PER_CREDIT, LocalEscrow, Settlement

FLOOR_CRATE = ROOT / "tests" / "escrow" / "cpi_floor"
ESCROW_CRATE = ROOT / "programs" / "job_escrow"
BATCH = 8

#: solana-program/escrow docs/CU_BENCHMARKS.md: (best, avg, worst) per instruction.
REFERENCE = {
    "CreateEscrow": (4_802, 5_914, 18_302),
    "Deposit": (18_819, 26_670, 32_536),
    "Withdraw": (15_342, 23_462, 30_509),
}


@dataclass(frozen=True)
class Row:
    name: str
    units: int
    floor: int
    budget: int
    #: The closest solana-program/escrow instruction, if any.
    reference: str | None = None

    @property
    def overhead(self) -> int:
        return self.units - self.floor


@dataclass(frozen=True)
class Figures:
    rows: list[Row]
    first_deposit: int
    settle_single: int
    settle_batch_per_job: int


def build() -> tuple[Path, Path]:
    """job_escrow and the floor program, built (incrementally) by toolchain/sbf."""
    from toolchain.sbf import build_program

    escrow_so = build_program(ESCROW_CRATE)
    floor_so = build_program(FLOOR_CRATE, target=ROOT / "target" / "escrow" / "floor", anchor_toml=None)
    return escrow_so, floor_so


class Floor:
    """The baseline program deployed next to job_escrow in the same LiteSVM."""

    def __init__(self, deployment: LocalEscrow, so: Path) -> None:
        self.chain = deployment.chain
        self.payer = deployment.authority
        self.id = Keypair().pubkey()
        self.chain.svm.add_program_from_file(self.id, so)

    async def _run(self, mode: int, accounts: list[AccountMeta], signers: list[Keypair], amount: int = 0,
                   bump: int = 0) -> int:
        data = struct.pack("<BQB", mode, amount, bump)
        result = await self.chain.transport.send([Instruction(self.id, data, accounts)], signers)
        return program_units(result.logs, self.id)

    async def transfer(self, source_owner: Keypair, amount: int) -> int:
        """TransferChecked signed by a wallet (deposit's CPI)."""
        chain = self.chain
        dest = await chain.wallet()
        return await self._run(0, [
            AccountMeta(chain.ata(source_owner), False, True), AccountMeta(chain.mint, False, False),
            AccountMeta(chain.ata(dest), False, True), AccountMeta(source_owner.pubkey(), True, False),
            AccountMeta(token.TOKEN_PROGRAM_ID, False, False),
        ], [source_owner], amount)

    async def signed_transfer(self, amount: int) -> int:
        """TransferChecked signed by a PDA (withdraw's and settle's CPI)."""
        chain, minter = self.chain, self.chain.mint_authority
        pda, bump = Pubkey.find_program_address([b"config"], self.id)
        dest = await chain.wallet()
        await chain.transport.send([
            token.create_ata_idempotent(minter.pubkey(), pda, chain.mint),
            token.mint_to(chain.mint, chain.ata(pda), minter.pubkey(), amount, chain.decimals),
        ], [minter])
        return await self._run(1, [
            AccountMeta(chain.ata(pda), False, True), AccountMeta(chain.mint, False, False),
            AccountMeta(chain.ata(dest), False, True), AccountMeta(pda, False, False),
            AccountMeta(token.TOKEN_PROGRAM_ID, False, False),
        ], [minter], amount, bump)

    async def create_account(self) -> int:
        """CreateRentExempt of a 152-byte PDA (lock_job's CPI)."""
        pda, bump = Pubkey.find_program_address([b"job"], self.id)
        return await self._run(2, [AccountMeta(self.payer.pubkey(), True, True), AccountMeta(pda, False, True),
                                   AccountMeta(Pubkey.default(), False, False)], [self.payer], 0, bump)


async def measure(escrow_so: Path, floor_so: Path, deployment: LocalEscrow | None = None) -> Figures:
    """Every figure from one LiteSVM: job_escrow's units per instruction and
    the floor's for the same CPI."""
    d = deployment or await LocalEscrow.deploy(escrow_so)
    floor = Floor(d, floor_so)
    c, authority, workers = d.client, d.authority, d.workers
    # A fixed wallet: the first deposit derives the credit PDA by hashing, a
    # hash and an on-curve test (~300 CU) per bump tried, which depends on
    # the address.
    wallet = await d.chain.wallet(10**10, keypair=Keypair.from_seed(bytes(32)))
    other = d.wallets[1]

    first = d.units(await c.buy_credits(wallet, 1_000))
    deposit = d.units(await c.buy_credits(wallet, 100))
    floor_deposit = await floor.transfer(other, 100 * BASE_UNITS_PER_CREDIT)

    lock = d.units(await c.lock_job(authority, wallet.pubkey(), job_id=1, max_credits=50,
                                    worker=workers[0].pubkey()))
    floor_lock = await floor.create_account()

    settle = d.units(await c.settle_job(authority, wallet.pubkey(), job_id=1, used_credits=30))
    floor_signed = await floor.signed_transfer(30 * 8_000)

    for job_id in range(10, 10 + BATCH):
        await c.lock_job(authority, wallet.pubkey(), job_id=job_id, max_credits=20,
                         worker=workers[job_id % 2].pubkey())
    batch = d.units(await c.settle_jobs(
        authority, [Settlement(wallet.pubkey(), j, 10 + j % 5) for j in range(10, 10 + BATCH)]))

    await c.lock_job(authority, wallet.pubkey(), job_id=2, max_credits=50, worker=workers[0].pubkey())
    refund = d.units(await c.refund_job(authority, wallet.pubkey(), job_id=2))
    await c.lock_job(authority, wallet.pubkey(), job_id=3, max_credits=50, worker=workers[0].pubkey())
    d.chain.warp(121)
    refund_timeout = d.units(await c.refund_job(other, wallet.pubkey(), job_id=3))

    withdraw = d.units(await c.withdraw(wallet, 100))

    rows = [
        Row("deposit", deposit, floor_deposit, 1_000, "Deposit"),
        Row("withdraw", withdraw, floor_signed, 1_000, "Withdraw"),
        Row("settle_job", settle, floor_signed, 1_000, "Withdraw"),
        Row(f"settle_jobs (per job, batch of {BATCH})", batch // BATCH, floor_signed, 1_000),
        Row("lock_job", lock, floor_lock, 1_500, "CreateEscrow"),
        Row("refund_job (settlement authority)", refund, 0, 1_500),
        Row("refund_job (anyone, after timeout)", refund_timeout, 0, 1_500),
    ]
    return Figures(rows, first, settle, batch // BATCH)


def table(figures: Figures) -> list[str]:
    """Markdown table of the figures (programs/job_escrow/CU.md and the bench)."""
    lines = [
        "| instruction | total CU | CPI floor | overhead | budget | solana-program/escrow (best / avg / worst) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in figures.rows:
        ref = ""
        if r.reference:
            best, avg, worst = REFERENCE[r.reference]
            ref = f"{r.reference}: {best:,} / {avg:,} / {worst:,} (ours ×{r.units / best:.2f} of best)"
        lines.append(f"| {r.name} | {r.units:,} | {r.floor:,} | {r.overhead:,} | {r.budget:,} | {ref} |")
    return lines


def run() -> None:
    """job_escrow compute units vs the CPI floor and solana-program/escrow."""
    import click

    escrow_so, floor_so = build()
    figures = asyncio.run(measure(escrow_so, floor_so))
    click.echo("job_escrow in LiteSVM (SBF build); CPI floor = the same CPI alone, measured in this run")
    for line in table(figures):
        click.echo(line)
    for r in figures.rows:
        if r.floor:
            click.echo(f"  {r.name}: {r.units / r.floor:.3f}× its CPI floor ({r.overhead:,} CU overhead)")
    click.echo(f"first deposit (creates the credit account): {figures.first_deposit:,} CU")
    click.echo(f"batching: {figures.settle_batch_per_job:,} CU per job vs {figures.settle_single:,} for settle_job "
               f"({figures.settle_batch_per_job / figures.settle_single:.3f}×)")
