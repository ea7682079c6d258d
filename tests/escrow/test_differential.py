"""Differential: the instruction logic compiled for the host and the SBF
build in LiteSVM, fed the same generated operations, must agree on every
error code, every byte of the credit and job accounts, and every payout.

The SBF side goes through the real instructions (account checks, CPIs,
clock); the native side calls the same `logic` functions the processors
call, through the crate's C ABI. A miscompile of the offline toolchain
(checked arithmetic, 64-bit division, struct layout) shows up as a
difference here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pyclients.solana import escrow
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.pda import find_pda
from tests.escrow import native
from tests.escrow.harness import Env, make_env, run

pytestmark = pytest.mark.properties

CREDIT = escrow.BASE_UNITS_PER_CREDIT
U64 = 2**64 - 1
JOB_IDS = [0, 1, 2**64 - 1]
#: SPL Token's InsufficientFunds, from the CPI (the logic cannot know balances).
TOKEN_INSUFFICIENT_FUNDS = -2

# Mostly amounts that succeed, so long sequences reach deep states; the rest
# probe the edges (below minimum, not whole credits, overflowing, zero).
_whole = st.integers(100, 2_000).map(lambda c: c * CREDIT)
amounts = st.one_of(
    _whole, _whole, _whole,
    st.integers(0, 3_000).map(lambda c: c * CREDIT),
    st.integers(0, 30_000_000),
    st.sampled_from([U64, U64 - U64 % CREDIT, CREDIT - 1]),
)
_small = st.integers(1, 300)
credits = st.one_of(_small, _small, _small, st.integers(0, 3_000),
                    st.sampled_from([0, U64, U64 // CREDIT, U64 // CREDIT + 1]))

ops = st.lists(st.one_of(
    st.tuples(st.just("deposit"), amounts),
    st.tuples(st.just("lock"), st.sampled_from(JOB_IDS), credits),
    st.tuples(st.just("lock"), st.sampled_from(JOB_IDS), _small),
    st.tuples(st.just("settle"), st.sampled_from(JOB_IDS), credits),
    st.tuples(st.just("settle"), st.sampled_from(JOB_IDS), st.integers(0, 100)),
    st.tuples(st.just("refund"), st.sampled_from(JOB_IDS), st.booleans()),
    st.tuples(st.just("withdraw"), credits),
    st.tuples(st.just("warp"), st.integers(0, 200)),
    st.tuples(st.just("settings"), st.integers(0, 10_000), st.integers(1, 300)),
), min_size=8, max_size=30)


@dataclass
class Native:
    """The host side's copy of the accounts."""

    lib: native.NativeEscrow
    credit: bytearray | None = None
    jobs: dict[int, bytearray] = field(default_factory=dict)


async def _apply(env: Env, lib: native.NativeEscrow, nat: Native, op: tuple) -> None:
    wallet, worker = env.wallets[0], env.workers[0]
    credit_key = env.program.credit_address(wallet.pubkey())
    kind = op[0]
    cfg = env.config()
    now = env.now()
    if kind == "warp":
        env.warp(op[1])
        return
    if kind == "settings":
        await env.client.update_config(env.admin, worker_bps=op[1], min_purchase_credits=op[2])
        return

    expected: int | None = None  # None: the native side decides
    payout = (0, 0)
    if kind == "deposit":
        amount = op[1]
        buf = bytearray(nat.credit) if nat.credit is not None else bytearray(lib.credit_len)
        bump = find_pda([b"credit", wallet.pubkey()], env.program.program_id)[1]
        out = lib.deposit(buf, bytes(wallet.pubkey()), bump, amount, cfg.min_purchase_credits, now)
        expected = out.code
        if out.code == 0 and amount > env.usdc(env.ata(wallet)):
            expected = TOKEN_INSUFFICIENT_FUNDS  # the logic accepts it; the token program cannot pay it
        elif out.code == 0:
            nat.credit = buf
        ix = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=amount)
        signers = [wallet]
    elif nat.credit is None:
        # No credit account yet: the account checks refuse before any logic.
        expected = escrow.errors.InvalidAccountOwner.code
        ix = {"lock": lambda: env.program.lock_job(settlement_authority=env.authority.pubkey(),
                                                    wallet=wallet.pubkey(), job_id=op[1], max_credits=op[2],
                                                    worker=worker.pubkey()),
              "withdraw": lambda: env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=op[1]),
              }.get(kind, lambda: None)()
        if ix is None:
            return
        signers = [env.authority] if kind == "lock" else [wallet]
    elif kind == "lock":
        job_id, max_credits = op[1], op[2]
        job_key, bump = env.program.job_pda(credit_key, job_id)
        env.jobs_seen.add(job_key)
        buf = bytearray(nat.jobs.get(job_id, bytes(lib.job_len)))
        credit = bytearray(nat.credit)
        out = lib.lock(credit, buf, credit_key=bytes(credit_key), worker=bytes(worker.pubkey()),
                       rent_payer=bytes(env.authority.pubkey()), job_id=job_id, max_credits=max_credits, now=now,
                       job_timeout=cfg.job_timeout, bump=bump)
        expected = out.code
        if out.code == 0:
            nat.credit, nat.jobs[job_id] = credit, buf
        ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(),
                                  job_id=job_id, max_credits=max_credits, worker=worker.pubkey())
        signers = [env.authority]
    elif kind in ("settle", "refund"):
        job_id = op[1]
        if kind == "settle":
            ix = env.program.settle_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(),
                                        job_id=job_id, used_credits=op[2], worker_token=env.ata(worker),
                                        rent_receiver=env.authority.pubkey(), usdc_mint=env.mint)
            signers = [env.authority]
        else:
            caller = env.authority if op[2] else env.wallets[1]
            ix = env.program.refund_job(caller=caller.pubkey(), wallet=wallet.pubkey(), job_id=job_id,
                                        rent_receiver=env.authority.pubkey())
            signers = [caller]
        if job_id not in nat.jobs:
            expected = escrow.errors.JobNotOpen.code
        else:
            credit, job = bytearray(nat.credit), bytearray(nat.jobs[job_id])
            if kind == "settle":
                out = lib.settle(credit, job, op[2], cfg.worker_bps)
                payout = out.values or (0, 0)
            else:
                out = lib.refund(credit, job, op[2], now)
            expected = out.code
            if out.code == 0:
                nat.credit = credit
                del nat.jobs[job_id]
    else:  # withdraw
        credit = bytearray(nat.credit)
        out = lib.withdraw(credit, op[1])
        expected = out.code
        if out.code == 0:
            nat.credit = credit
        ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=op[1])
        signers = [wallet]

    worker_before, fees_before = env.usdc(env.ata(worker)), cfg.fees_owed
    try:
        await env.send([ix], signers)
        got = 0
    except escrow.EscrowError as exc:
        got = exc.code
    except TransactionFailed as exc:
        got = TOKEN_INSUFFICIENT_FUNDS if exc.custom_code == 1 and "Tokenkeg" in " ".join(exc.logs) else -1
    assert got == expected, f"{op}: SBF returned {got}, native {expected}"
    event(f"{kind}: {'ok' if got == 0 else 'refused'}")
    if got == 0 and kind == "settle":
        assert (env.usdc(env.ata(worker)) - worker_before, env.config().fees_owed - fees_before) == payout
    _compare_accounts(env, nat)


def _compare_accounts(env: Env, nat: Native) -> None:
    wallet = env.wallets[0].pubkey()
    sbf_credit = env.svm.get_account(env.program.credit_address(wallet))
    assert (bytes(sbf_credit.data) if sbf_credit else None) == (bytes(nat.credit) if nat.credit else None)
    for job_id in JOB_IDS:
        acc = env.svm.get_account(env.program.job_address(wallet, job_id))
        sbf = bytes(acc.data) if acc is not None and acc.data else None
        ours = bytes(nat.jobs[job_id]) if job_id in nat.jobs else None
        assert sbf == ours, f"job {job_id} differs"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_funded=st.booleans(), program=ops)
def test_native_and_sbf_agree(escrow_so: Path, start_funded: bool, program: list[tuple]) -> None:
    async def scenario() -> None:
        env = await make_env(escrow_so, wallets=2, workers=1)
        nat = Native(native.load())
        for op in [("deposit", 500 * CREDIT)] * start_funded + program:
            await _apply(env, nat.lib, nat, op)

    run(scenario())
