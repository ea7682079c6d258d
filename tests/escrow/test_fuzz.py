"""Random instruction data and random account lists against a live
deployment: every refusal is one of the program's named errors (or, when a
fuzzed instruction happens to be well formed, SPL Token's own refusal inside
the CPI), and a refused transaction changes no account."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from pyclients.solana import escrow
from pyclients.solana.common import token
from pyclients.solana.common.errors import TransactionFailed
from tests.escrow.harness import Env, make_env, run

pytestmark = pytest.mark.properties

DISCRIMINATORS = [ix.discriminator for ix in escrow.IDL.instructions.values()]
_ENV: dict[str, Env] = {}


def _deployment(so: Path) -> Env:
    """One deployment for all examples (refusals change nothing), with a
    funded wallet and an open job so real accounts are in the pool."""
    if "env" not in _ENV:
        async def setup() -> Env:
            env = await make_env(so)
            await env.client.buy_credits(env.wallets[0], 1_000)
            env.track_job(env.wallets[0], 1)
            await env.client.lock_job(env.authority, env.wallets[0].pubkey(), job_id=1, max_credits=100,
                                      worker=env.workers[0].pubkey())
            return env
        _ENV["env"] = run(setup())
    return _ENV["env"]


def _pool(env: Env) -> tuple[list[Pubkey], dict[Pubkey, Keypair]]:
    signers = {k.pubkey(): k for k in [env.admin, env.authority, *env.wallets]}
    keys = [
        env.program.config_address(), env.vault, env.treasury, env.mint,
        token.TOKEN_PROGRAM_ID, Pubkey.default(),
        *signers,
        *(env.ata(k) for k in env.wallets + env.workers),
        *(env.program.credit_address(k.pubkey()) for k in env.wallets),
        env.program.job_address(env.wallets[0].pubkey(), 1), env.program.job_address(env.wallets[0].pubkey(), 2),
        Pubkey.new_unique(),
    ]
    return keys, signers


def _base(env: Env, name: str, draw) -> Instruction:
    """A well-formed instruction of ``name`` with drawn parameters."""
    p = env.program
    wallet = draw(st.sampled_from(env.wallets))
    job_id = draw(st.sampled_from([1, 2]))
    amount = draw(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 2_000).map(lambda c: c * 10_000)))
    small = draw(st.integers(0, 2_000))
    worker_token = env.ata(draw(st.sampled_from(env.workers)))
    build = {
        "initialize": lambda: p.initialize(admin=env.admin.pubkey(), usdc_mint=env.mint, treasury=env.treasury,
                                           settlement_authority=env.authority.pubkey()),
        "update_config": lambda: p.update_config(admin=env.admin.pubkey(), treasury=env.treasury,
                                                 new_admin=env.admin.pubkey(),
                                                 settlement_authority=env.authority.pubkey(),
                                                 worker_bps=draw(st.integers(0, 2**16 - 1)),
                                                 job_timeout=draw(st.integers(-(2**63), 2**63 - 1)),
                                                 min_purchase_credits=amount, paused=False),
        "deposit": lambda: p.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=amount),
        "lock_job": lambda: p.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(),
                                       job_id=job_id, max_credits=small, worker=env.workers[0].pubkey()),
        "settle_job": lambda: p.settle_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(),
                                           job_id=job_id, used_credits=small, worker_token=worker_token,
                                           rent_receiver=env.authority.pubkey(), usdc_mint=env.mint),
        "settle_jobs": lambda: p.settle_jobs(settlement_authority=env.authority.pubkey(), usdc_mint=env.mint, jobs=[
            (escrow.Settlement(wallet.pubkey(), job_id, small), worker_token, env.authority.pubkey())]),
        "refund_job": lambda: p.refund_job(caller=draw(st.sampled_from([env.authority, wallet])).pubkey(),
                                           wallet=wallet.pubkey(), job_id=job_id,
                                           rent_receiver=env.authority.pubkey()),
        "withdraw": lambda: p.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=small),
        "close_credit_account": lambda: p.close_credit_account(wallet=wallet.pubkey()),
        "claim_fees": lambda: p.claim_fees(usdc_mint=env.mint, treasury=env.treasury),
    }
    return build[name]()


def _mutate(env: Env, ix: Instruction, draw) -> Instruction:
    """The instruction with a few drawn changes: accounts swapped for others
    of the pool, flags flipped, accounts dropped or added, data bytes
    changed, cut or extended."""
    keys, signers = _pool(env)
    metas = list(ix.accounts)
    data = bytearray(ix.data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["swap", "flags", "drop", "add", "flip", "cut", "extend"]))
        if kind == "swap" and metas:
            i = draw(st.integers(0, len(metas) - 1))
            metas[i] = AccountMeta(draw(st.sampled_from(keys)), metas[i].is_signer, metas[i].is_writable)
        elif kind == "flags" and metas:
            i = draw(st.integers(0, len(metas) - 1))
            metas[i] = AccountMeta(metas[i].pubkey, draw(st.booleans()), draw(st.booleans()))
        elif kind == "drop" and metas:
            del metas[draw(st.integers(0, len(metas) - 1))]
        elif kind == "add":
            metas.append(AccountMeta(draw(st.sampled_from(keys)), draw(st.booleans()), draw(st.booleans())))
        elif kind == "flip" and data:
            # Mostly the arguments: a changed discriminator is one error.
            i = draw(st.integers(0, len(data) - 1) if draw(st.integers(0, 4)) == 0 else
                     st.integers(min(8, len(data) - 1), len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        elif kind == "cut" and data:
            del data[draw(st.integers(min(8, len(data)), len(data))):]
        elif kind == "extend":
            data += draw(st.binary(min_size=1, max_size=9))
    return Instruction(ix.program_id, bytes(data), metas)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(list(escrow.IDL.instructions)), data=st.data(),
       wild=st.tuples(st.binary(max_size=104),
                      st.lists(st.tuples(st.integers(0, 63), st.booleans(), st.booleans()), max_size=14)))
def test_random_instructions_fail_named_and_change_nothing(escrow_so: Path, name: str, data, wild) -> None:
    env = _deployment(escrow_so)
    keys, signers = _pool(env)
    if data.draw(st.integers(0, 4)) == 0:
        # Anything at all: random bytes, random accounts.
        raw, picks = wild
        ix = Instruction(escrow.PROGRAM_ID, raw, [AccountMeta(keys[i % len(keys)], s, w) for i, s, w in picks])
    else:
        ix = _mutate(env, _base(env, name, data.draw), data.draw)
    # Sign for every signer the metas ask for that we hold; never mark a
    # program writable (the runtime refuses such a transaction before the
    # program runs).
    programs = {token.TOKEN_PROGRAM_ID, Pubkey.default()}
    metas = [AccountMeta(m.pubkey, m.is_signer and m.pubkey in signers, m.is_writable and m.pubkey not in programs)
             for m in ix.accounts]
    ix = Instruction(ix.program_id, ix.data, metas)
    sign_with = {env.authority.pubkey(): env.authority} | {m.pubkey: signers[m.pubkey] for m in metas if m.is_signer}
    before = env.snapshot()
    try:
        run(env.send([ix], list(sign_with.values())))
    except escrow.EscrowError as exc:
        event(exc.error_name)
    except TransactionFailed as exc:
        assert any("Tokenkeg" in line and "failed" in line for line in exc.logs), (
            f"unnamed failure {exc.error} for {ix}\n" + "\n".join(exc.logs))
        event("refused by SPL Token")
    else:
        event(f"succeeded: {name}")
        return  # a well-formed instruction may succeed; nothing to check
    assert env.snapshot() == before
