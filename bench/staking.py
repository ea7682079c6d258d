"""`gridpay bench staking`: the staking program's compute units per
instruction, in LiteSVM on the SBF build.

Per instruction: staking's total units, the part spent in SPL Token CPIs
(the token program's own units plus the runtime's 1,000 CU per CPI), the
create-account floor when the instruction creates an account, and what is
left ("beyond CPIs") - the figure the issue budgets at 1,500 CU for every
instruction but ``slash``. The create-account floor is a CPI floor like the
token CPIs: the units of a minimal program that only creates a rent-exempt
PDA through the same SDK call (job_escrow's baseline crate
tests/escrow/cpi_floor, mode 2), measured in the same run. The baseline of
``× transfer``, measured in the same run too, is a plain SPL Token
``TransferChecked`` sent on its own.

``slash`` reports its introspection apart: the units between a proof
refused before reading any instruction (both indices equal) and one refused
after both Ed25519 instructions were read from the instructions sysvar and
both receipts parsed and compared (they differ only in signing time). The
Ed25519 signature checks themselves run in the precompile, outside the
program's compute budget.

Keys and job ids are fixed so that PDA checks give the same figures on
every run: ``initialize`` takes the config PDA's canonical bump in its data
and checks it with one hash, plus one hash and one on-curve test for each
bump above it (once per deployment); ``slash`` derives its proof record
by hashing (a hash and an on-curve test, ~300 CU, per bump tried). A position is not a PDA but the operator's
create-with-seed address, checked with one hash whatever the key: its first
stake is measured for two operators, and must cost the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import transfer_checked
from spl.token.models import TransferCheckedParams

from gridpay import ROOT
from pyclients.solana import receipts as R
from pyclients.solana import staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.logs import invocations, program_units
from pyclients.solana.common.token import TOKEN_PROGRAM_ID

CRATE = ROOT / "programs" / "staking"
#: A program making one CPI and nothing else (job_escrow's budget baseline).
FLOOR_CRATE = ROOT / "tests" / "escrow" / "cpi_floor"
#: Its mode that creates a rent-exempt PDA ``["job", bump]``.
FLOOR_CREATE_ACCOUNT = 2
FIRST_STAKE = "stake (first: opens the position)"
#: The issue's budget beyond CPIs (all instructions but slash).
BUDGET = 1_500
DECIMALS = 6
SGL = 10**DECIMALS
COOLDOWN = 86_400


@dataclass(frozen=True)
class Row:
    name: str
    units: staking.Units
    #: The create-account floor subtracted (0: the instruction creates nothing).
    create_account: int = 0
    budgeted: bool = True
    note: str = ""

    @property
    def beyond_cpis(self) -> int:
        """What the issue budgets: total - token CPIs - create-account floor."""
        return self.units.beyond_token - self.create_account


@dataclass(frozen=True)
class Figures:
    rows: list[Row]
    transfer: int
    create_account: int
    #: A second operator's first stake (the same units as the first's).
    first_stake_other: int
    introspection: int
    slash_refused_early: int
    slash_refused_after_reading: int


def build() -> Path:
    """target/deploy/staking.so, built (incrementally) by toolchain/sbf."""
    from toolchain.sbf import build_program

    return build_program(CRATE)


def build_floor() -> Path:
    """The CPI floor program, built into target/staking/floor (not job_escrow's
    target, so the two benches never build into one folder at once)."""
    from toolchain.sbf import build_program

    return build_program(FLOOR_CRATE, target=ROOT / "target" / "staking" / "floor", anchor_toml=None)


def _key(label: str) -> Keypair:
    return Keypair.from_seed(hashlib.sha256(f"gridpay-bench-staking:{label}".encode()).digest())


def _receipt(op: Keypair, job: bytes, *, signed_at: int, output: bytes = b"answer") -> R.SignedReceipt:
    r = R.Receipt.for_job(job_id=hashlib.sha256(job).digest(), payer=Pubkey.from_bytes(bytes(32)),
                          operator=op.pubkey(), model_id="bench-model", prompt=b"prompt", output=output,
                          prompt_tokens=10, completion_tokens=20, price=1_000, signed_at=signed_at)
    return R.sign_receipt(r, op)


async def _refused_units(d: staking.LocalStaking, ixs, signer: Keypair) -> tuple[str, int]:  # noqa: ANN001
    """(error name, staking's units) of a slash the program refuses."""
    try:
        await d.client._send(ixs, [signer])
    except TransactionFailed as exc:
        return type(exc).__name__, staking.Units.of(exc.logs, d.program.program_id).total
    raise AssertionError("the bench expected this slash to be refused")


async def _create_account_floor(d: staking.LocalStaking, floor_so: Path) -> int:
    """Units of the floor program creating one PDA, deployed in ``d``'s LiteSVM."""
    program = _key("cpi-floor").pubkey()
    d.chain.svm.add_program_from_file(program, floor_so)
    pda, bump = Pubkey.find_program_address([b"job"], program)
    ix = Instruction(program, struct.pack("<BQB", FLOOR_CREATE_ACCOUNT, 0, bump), [
        AccountMeta(d.admin.pubkey(), True, True), AccountMeta(pda, False, True),
        AccountMeta(Pubkey.default(), False, False)])
    return program_units((await d.chain.transport.send([ix], [d.admin])).logs, program)


async def measure(so: Path, floor_so: Path) -> Figures:
    params = staking.Params((50_000 * SGL, 0, 0, 0), (COOLDOWN,) * staking.ROLE_COUNT, 1_000)
    d = await staking.LocalStaking.deploy(so, params=params, initialize=False, decimals=DECIMALS)
    c, admin, prog = d.client, d.admin, d.program
    create_account = await _create_account_floor(d, floor_so)
    rows: list[Row] = []

    def add(name: str, result, **kw) -> None:  # noqa: ANN001
        rows.append(Row(name, d.units(result), **kw))

    add("initialize", await c.initialize(admin, program_key=d.program_key, sgl_mint=d.mint, penalty_vault=d.penalty_vault, params=params),
        create_account=create_account, note="checks the config PDA's bump by hash, creates it")
    add("update_config", await c.update_config(admin, params))
    add("set_paused", await c.set_paused(admin, True))
    await c.set_paused(admin, False)
    op = await d.operator(200_000 * SGL, keypair=_key("operator-0"))
    add(FIRST_STAKE, await c.stake(op, 60_000 * SGL),
        note="checks the with-seed address by hash, initializes the account the operator created")
    other = await d.operator(200_000 * SGL, keypair=_key("operator-1"))
    first_stake_other = d.units(await c.stake(other, 60_000 * SGL)).total
    add("stake", await c.stake(op, 1_000 * SGL))
    add("request_unstake", await c.request_unstake(op, 1_000 * SGL))
    add("cancel_unstake", await c.cancel_unstake(op))
    await c.request_unstake(op, 1_000 * SGL)
    d.chain.warp(COOLDOWN)
    add("withdraw_unstaked", await c.withdraw_unstaked(op))

    now = d.chain.now()
    slasher = await d.chain.wallet(sol=10, keypair=_key("slasher"))
    honest = _receipt(op, b"job-1", signed_at=now)
    # The introspection, bracketed by two refusals of the same transaction shape.
    same = [R.receipt_instruction(honest), R.receipt_instruction(honest),
            prog.slash(slasher=slasher.pubkey(), operator=op.pubkey(), job_id=honest.receipt.job_id, sgl_mint=d.mint,
                       penalty_vault=d.penalty_vault, receipt_a_ix=0, receipt_b_ix=0)]
    early_error, early = await _refused_units(d, same, slasher)
    resigned = _receipt(op, b"job-1", signed_at=now + 1)
    late_error, late = await _refused_units(
        d, prog.slash_instructions(slasher=slasher.pubkey(), a=honest, b=resigned, sgl_mint=d.mint,
                                   penalty_vault=d.penalty_vault), slasher)
    assert (early_error, late_error) == ("SameReceiptInstruction", "ReceiptsNotConflicting")
    tampered = _receipt(op, b"job-1", signed_at=now, output=b"another answer")
    add("slash", await c.slash(slasher, honest, tampered), create_account=create_account, budgeted=False,
        note="introspection below; derives the proof record's PDA, creates it")

    # Baseline: the same token movement as stake's CPI, sent on its own.
    other = await d.chain.wallet()
    ix = transfer_checked(TransferCheckedParams(
        program_id=TOKEN_PROGRAM_ID, source=d.chain.ata(op), mint=d.mint, dest=d.chain.ata(other),
        owner=op.pubkey(), amount=SGL, decimals=DECIMALS))
    result = await d.chain.transport.send([ix], [op])
    transfer = next(i.compute_units for i in invocations(result.logs)
                    if i.depth == 1 and i.program == str(TOKEN_PROGRAM_ID))
    return Figures(rows, transfer, create_account, first_stake_other, late - early, early, late)


def table(f: Figures) -> list[str]:
    lines = [
        f"| instruction | total CU | token CPIs | create-account floor | beyond CPIs | budget {BUDGET:,} "
        "| × transfer | note |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in f.rows:
        u = r.units
        verdict = ("ok" if r.beyond_cpis <= BUDGET else "OVER") if r.budgeted else "n/a"
        lines.append(f"| {r.name} | {u.total:,} | {u.token:,} ({u.token_cpis}) | {r.create_account:,} "
                     f"| {r.beyond_cpis:,} | {verdict} | {u.total / f.transfer:.2f} | {r.note} |")
    return lines


def run() -> None:
    """staking compute units per instruction, against a plain token transfer measured in the same run."""
    import click

    figures = asyncio.run(measure(build(), build_floor()))
    click.echo("staking in LiteSVM (SBF build); baseline = SPL Token TransferChecked alone, "
               f"{figures.transfer:,} CU in this run; create-account floor = a program that only creates "
               f"a PDA (system CPI), {figures.create_account:,} CU in this run")
    for line in table(figures):
        click.echo(line)
    first = next(r for r in figures.rows if r.name == FIRST_STAKE)
    click.echo(f"a position's first stake costs the same for every operator (no bump): {first.units.total:,} CU, "
               f"another operator's {figures.first_stake_other:,} CU")
    click.echo(f"slash introspection (instructions sysvar: two Ed25519 instructions loaded and parsed, two "
               f"receipts parsed and compared): {figures.introspection:,} CU "
               f"(refused before: {figures.slash_refused_early:,}, after: {figures.slash_refused_after_reading:,})")
