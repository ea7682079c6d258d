"""`gridpay bench staking`: the staking program's compute units per
instruction, in LiteSVM on the SBF build.

Per instruction: staking's total units, the part spent in SPL Token CPIs
(the token program's own units plus the runtime's 1,000 CU per CPI), and
what is left - the figure the issue budgets at 1,500 CU for every
instruction but ``slash``. The baseline, measured in the same run, is a
plain SPL Token ``TransferChecked`` sent on its own: ``× transfer`` is the
instruction's total over it.

``slash`` reports its introspection apart: the units between a proof
refused before reading any instruction (both indices equal) and one refused
after both Ed25519 instructions were read from the instructions sysvar and
both receipts parsed and compared (they differ only in signing time). The
Ed25519 signature checks themselves run in the precompile, outside the
program's compute budget.

Keys and job ids are fixed so that PDA derivations (1,500 CU per bump
tried) give the same figures on every run.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from spl.token.instructions import TransferCheckedParams, transfer_checked

from gridpay import ROOT
from pyclients.solana import receipts as R
from pyclients.solana import staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.logs import invocations
from pyclients.solana.common.token import TOKEN_PROGRAM_ID

CRATE = ROOT / "programs" / "staking"
#: The issue's budget beyond token CPIs (all instructions but slash).
BUDGET = 1_500
DECIMALS = 6
SGL = 10**DECIMALS
COOLDOWN = 86_400


@dataclass(frozen=True)
class Row:
    name: str
    units: staking.Units
    budgeted: bool = True
    note: str = ""


@dataclass(frozen=True)
class Figures:
    rows: list[Row]
    transfer: int
    introspection: int
    slash_refused_early: int
    slash_refused_after_reading: int


def build() -> Path:
    """target/deploy/staking.so, built (incrementally) by toolchain/sbf."""
    from toolchain.sbf import build_program

    return build_program(CRATE)


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


async def measure(so: Path) -> Figures:
    params = staking.Params((50_000 * SGL, 0, 0, 0), (COOLDOWN,) * staking.ROLE_COUNT, 1_000)
    d = await staking.LocalStaking.deploy(so, params=params, initialize=False, decimals=DECIMALS)
    c, admin, prog = d.client, d.admin, d.program
    rows: list[Row] = []

    def add(name: str, result, **kw) -> None:  # noqa: ANN001
        rows.append(Row(name, d.units(result), **kw))

    add("initialize", await c.initialize(admin, sgl_mint=d.mint, penalty_vault=d.penalty_vault, params=params),
        budgeted=False, note="derives the config PDA, creates it (system CPI)")
    add("update_config", await c.update_config(admin, params))
    add("set_paused", await c.set_paused(admin, True))
    await c.set_paused(admin, False)
    op = await d.operator(200_000 * SGL, keypair=_key("operator"))
    add("stake (first: opens the position)", await c.stake(op, 60_000 * SGL), budgeted=False,
        note="derives the position PDA, creates it (system CPI)")
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
    add("slash", await c.slash(slasher, honest, tampered), budgeted=False,
        note="introspection below; derives and creates the proof record (system CPI)")

    # Baseline: the same token movement as stake's CPI, sent on its own.
    other = await d.chain.wallet()
    ix = transfer_checked(TransferCheckedParams(
        program_id=TOKEN_PROGRAM_ID, source=d.chain.ata(op), mint=d.mint, dest=d.chain.ata(other),
        owner=op.pubkey(), amount=SGL, decimals=DECIMALS))
    result = await d.chain.transport.send([ix], [op])
    transfer = next(i.compute_units for i in invocations(result.logs)
                    if i.depth == 1 and i.program == str(TOKEN_PROGRAM_ID))
    return Figures(rows, transfer, late - early, early, late)


def table(f: Figures) -> list[str]:
    lines = [
        f"| instruction | total CU | token CPIs | beyond token CPIs | budget {BUDGET:,} | × transfer | note |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for r in f.rows:
        u = r.units
        verdict = ("ok" if u.beyond_token <= BUDGET else "OVER") if r.budgeted else "n/a"
        lines.append(f"| {r.name} | {u.total:,} | {u.token:,} ({u.token_cpis}) | {u.beyond_token:,} | {verdict} "
                     f"| {u.total / f.transfer:.2f} | {r.note} |")
    return lines


def run() -> None:
    """staking compute units per instruction, against a plain token transfer measured in the same run."""
    import click

    figures = asyncio.run(measure(build()))
    click.echo("staking in LiteSVM (SBF build); baseline = SPL Token TransferChecked alone, "
               f"{figures.transfer:,} CU in this run")
    for line in table(figures):
        click.echo(line)
    click.echo(f"slash introspection (instructions sysvar: two Ed25519 instructions loaded and parsed, two "
               f"receipts parsed and compared): {figures.introspection:,} CU "
               f"(refused before: {figures.slash_refused_early:,}, after: {figures.slash_refused_after_reading:,})")
