"""Random instruction data and random account lists against the staking
program in LiteSVM: whatever arrives, the program answers with one of its
own named errors and changes nothing.

Inputs come three ways: bytes with no structure; a real discriminator with
arguments of any length; and a real instruction from the client with a few
mutations (an account swapped, dropped, added or repeated, a signer or
writable flag flipped, the data cut, grown or changed). Accounts come from
a pool of every address the program could meet (its config, vault, penalty
vault, positions, mint, wallets, sysvars, programs, and strangers). The
only inputs not sent are those that are a legitimate call after all (the
right accounts for a signer's own position or the admin's config, with
well-formed arguments): those may change state, as they should.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.sysvar import CLOCK, INSTRUCTIONS, RENT

from pyclients.solana import receipts as R
from pyclients.solana import staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.idl import IdlError
from pyclients.solana.common.token import TOKEN_PROGRAM_ID, associated_token_address
from tests.staking.conftest import COOLDOWN, MIN_STAKE, SGL, World, make_world

pytestmark = [pytest.mark.staking, pytest.mark.properties]

SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")
IDL = staking.IDL
NAMES = list(IDL.instructions)
#: Accounts a caller may choose freely in an otherwise legitimate call: any
#: SGL token account but the vault.
FREE = {"withdraw_unstaked": {"destination"}}


@dataclass(repr=False)
class Arena:
    """One world for every example: refused inputs change nothing, so they
    can share it."""

    def __repr__(self) -> str:
        # The default repr recurses through the strategy, which refers back here.
        return f"Arena({len(self.pool)} addresses)"

    w: World
    loop: asyncio.AbstractEventLoop
    signers: dict[Pubkey, Keypair]
    payer: Keypair
    payer_key: Pubkey
    pool: list[Pubkey]
    sgl_accounts: set[Pubkey]
    outcomes: dict[str, int]
    strategy: st.SearchStrategy[Instruction] | None = None

    def snapshot(self) -> dict[Pubkey, tuple]:
        out = {}
        for key in self.pool:
            if key == self.payer_key:
                continue  # pays the fee, even for a refused transaction
            acc = self.w.svm.get_account(key)
            out[key] = None if acc is None else (acc.lamports, bytes(acc.data), acc.owner)
        return out


@pytest.fixture(scope="module")
def arena(staking_so) -> Arena:  # noqa: ANN001
    loop = asyncio.new_event_loop()
    w = loop.run_until_complete(make_world(staking_so))
    ops = [loop.run_until_complete(w.new_operator()) for _ in range(2)]
    c = w.client
    # One position with stake in two roles and a withdrawable unstake; one plain.
    loop.run_until_complete(c.stake(ops[0], MIN_STAKE))
    loop.run_until_complete(c.stake(ops[0], 5 * SGL, role=1))
    loop.run_until_complete(c.request_unstake(ops[0], 2 * SGL))
    loop.run_until_complete(c.stake(ops[1], 3 * SGL))
    w.warp(COOLDOWN + 1)
    stranger, payer = Keypair(), Keypair()
    for k in (stranger, payer):
        w.svm.airdrop(k.pubkey(), 10**11)
    prog = w.program
    keys = [op.pubkey() for op in ops]
    sgl_accounts = {w.vault, w.penalty_vault, *(associated_token_address(k, w.mint) for k in keys)}
    pool = [
        prog.config_address(), w.mint, *sgl_accounts,
        *(prog.stake_address(k, role) for k in keys + [stranger.pubkey()] for role in (0, 1, 3)),
        prog.proof_address(keys[0], bytes(32)), associated_token_address(stranger.pubkey(), w.mint),
        TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, INSTRUCTIONS, CLOCK, RENT, R.ED25519_PROGRAM_ID, prog.program_id,
        w.admin.pubkey(), *keys, stranger.pubkey(), payer.pubkey(), Pubkey.new_unique(), Pubkey.default(),
    ]
    signers = {k.pubkey(): k for k in (w.admin, *ops, stranger, payer)}
    arena = Arena(w, loop, signers, payer, payer.pubkey(), pool, sgl_accounts, {})
    arena.strategy = inputs(arena)  # built once: strategies are costly to build per example
    yield arena
    loop.close()


# --- inputs -------------------------------------------------------------------


def metas(arena: Arena) -> st.SearchStrategy[list[AccountMeta]]:
    meta = st.builds(AccountMeta, st.sampled_from(arena.pool), st.booleans(), st.booleans())
    return st.lists(meta, max_size=14)


def discriminator_and_args() -> st.SearchStrategy[bytes]:
    """A real discriminator followed by argument bytes of any length."""
    discriminators = [IDL.instructions[name].discriminator for name in NAMES]
    return st.builds(lambda d, a: bytes(d) + a, st.sampled_from(discriminators), st.binary(max_size=80))


def legitimate_instruction(arena: Arena) -> st.SearchStrategy[Instruction]:
    """A real instruction of the client, for one of the actors."""
    w, prog = arena.w, arena.w.program
    actors = list(arena.signers)
    amounts = st.integers(0, 2**64 - 1)
    roles = st.integers(0, staking.ROLE_COUNT - 1)
    params = st.builds(lambda m, c, cap: staking.Params(tuple(m), tuple(c), cap),
                       st.lists(amounts, min_size=4, max_size=4),
                       st.lists(st.integers(-(2**63), 2**63 - 1), min_size=4, max_size=4), st.integers(0, 2**16 - 1))

    def builders(actor: Pubkey) -> list[st.SearchStrategy[Instruction]]:
        return [
            st.builds(lambda p: prog.initialize(admin=actor, sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                                                params=p), params),
            st.builds(lambda p: prog.update_config(admin=actor, params=p), params),
            st.builds(lambda b: prog.set_paused(admin=actor, paused=b), st.booleans()),
            st.builds(lambda a, r: prog.stake(operator=actor, sgl_mint=w.mint, amount=a, role=r), amounts, roles),
            st.builds(lambda a, r: prog.request_unstake(operator=actor, amount=a, role=r), amounts, roles),
            st.builds(lambda r: prog.cancel_unstake(operator=actor, role=r), roles),
            st.builds(lambda r: prog.withdraw_unstaked(operator=actor, sgl_mint=w.mint, role=r), roles),
            st.builds(lambda a, b, j: prog.slash(slasher=actor, operator=actor, job_id=j, sgl_mint=w.mint,
                                                 penalty_vault=w.penalty_vault, receipt_a_ix=a, receipt_b_ix=b),
                      st.integers(0, 255), st.integers(0, 255), st.binary(min_size=32, max_size=32)),
        ]

    by_actor = {k: st.one_of(builders(k)) for k in actors}
    return st.sampled_from(actors).flatmap(by_actor.__getitem__)


@st.composite
def substituted(draw, arena: Arena, legit: st.SearchStrategy[Instruction]) -> Instruction:  # noqa: ANN001
    """A real instruction with one account replaced by another address, flags kept."""
    ix = draw(legit)
    accounts = list(ix.accounts)
    at = draw(st.integers(0, len(accounts) - 1))
    accounts[at] = AccountMeta(draw(st.sampled_from(arena.pool)), accounts[at].is_signer, accounts[at].is_writable)
    return Instruction(ix.program_id, bytes(ix.data), accounts)


@st.composite
def mutated(draw, arena: Arena, legit: st.SearchStrategy[Instruction]) -> Instruction:  # noqa: ANN001
    """A real instruction with one to three mutations of its accounts or data."""
    ix = draw(legit)
    accounts, data = list(ix.accounts), bytearray(ix.data)
    pool = st.sampled_from(arena.pool)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["swap", "drop", "add", "repeat", "signer", "writable", "cut", "grow", "byte"]))
        at = draw(st.integers(0, max(0, len(accounts) - 1)))
        if kind == "swap" and accounts:
            accounts[at] = AccountMeta(draw(pool), accounts[at].is_signer, accounts[at].is_writable)
        elif kind == "drop" and accounts:
            del accounts[at]
        elif kind == "add":
            accounts.insert(at, AccountMeta(draw(pool), draw(st.booleans()), draw(st.booleans())))
        elif kind == "repeat" and accounts:
            accounts[at] = accounts[draw(st.integers(0, len(accounts) - 1))]
        elif kind == "signer" and accounts:
            m = accounts[at]
            accounts[at] = AccountMeta(m.pubkey, not m.is_signer, m.is_writable)
        elif kind == "writable" and accounts:
            m = accounts[at]
            accounts[at] = AccountMeta(m.pubkey, m.is_signer, not m.is_writable)
        elif kind == "cut" and data:
            del data[draw(st.integers(0, len(data) - 1)):]
        elif kind == "grow":
            data += draw(st.binary(min_size=1, max_size=8))
        elif kind == "byte" and data:
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return Instruction(ix.program_id, bytes(data), accounts)


def inputs(arena: Arena) -> st.SearchStrategy[Instruction]:
    pid = arena.w.program.program_id
    raw = st.builds(lambda d, a: Instruction(pid, d, a), st.binary(max_size=64), metas(arena))
    known = st.builds(lambda d, a: Instruction(pid, d, a), discriminator_and_args(), metas(arena))
    legit = legitimate_instruction(arena)
    # Mostly altered real instructions: they get past the first checks.
    return st.one_of(raw, known, mutated(arena, legit), mutated(arena, legit), substituted(arena, legit),
                     substituted(arena, legit), substituted(arena, legit))


# --- legitimacy ---------------------------------------------------------------


def effective_flags(arena: Arena, ix: Instruction) -> dict[Pubkey, tuple[bool, bool]]:
    """(signer, writable) of each account as the runtime sees them: the union
    over the instruction's references, the fee payer a writable signer."""
    flags: dict[Pubkey, tuple[bool, bool]] = {arena.payer_key: (True, True)}
    for m in ix.accounts:
        s, wr = flags.get(m.pubkey, (False, False))
        flags[m.pubkey] = (s or m.is_signer, wr or m.is_writable)
    return flags


def is_legitimate(arena: Arena, ix: Instruction) -> bool:
    """Well-formed arguments and, in order, the accounts the client would pass
    for the signer in the first position (flags at least the required ones;
    the caller's own choice where the program leaves one)."""
    try:
        name, args = IDL.decode_args(bytes(ix.data))
    except (IdlError, ValueError):
        return False
    spec = IDL.instructions[name]
    if name in ("initialize", "slash") or len(ix.accounts) < len(spec.accounts):
        return False  # the config exists; no proof instructions in the transaction
    actor = ix.accounts[0].pubkey
    flags = effective_flags(arena, ix)
    if not flags[actor][0]:
        return False
    w, prog = arena.w, arena.w.program
    expected: dict[str, Callable[[], Instruction]] = {
        "update_config": lambda: prog.update_config(admin=actor, params=staking.Params.from_idl(args["params"])),
        "set_paused": lambda: prog.set_paused(admin=actor, paused=args["paused"]),
        "stake": lambda: prog.stake(operator=actor, sgl_mint=w.mint, amount=args["amount"],
                                    role=args["role"] % staking.ROLE_COUNT),
        "request_unstake": lambda: _for_position(
            arena, ix, 2, lambda r: prog.request_unstake(operator=actor, amount=args["amount"], role=r)),
        "cancel_unstake": lambda: _for_position(arena, ix, 1, lambda r: prog.cancel_unstake(operator=actor, role=r)),
        "withdraw_unstaked": lambda: _for_position(
            arena, ix, 2, lambda r: prog.withdraw_unstaked(operator=actor, sgl_mint=w.mint, role=r)),
    }
    want = expected[name]()
    if want is None:
        return False
    for item, got, need in zip(spec.accounts, ix.accounts, want.accounts):
        if item.name in FREE.get(name, ()):
            if got.pubkey not in arena.sgl_accounts - {w.vault}:
                return False
            continue
        signer, writable = flags[got.pubkey]
        if got.pubkey != need.pubkey or (need.is_signer and not signer) or (need.is_writable and not writable):
            return False
    return True


def _is_position(arena: Arena, key: Pubkey) -> bool:
    acc = arena.w.svm.get_account(key)
    return acc is not None and acc.owner == arena.w.program.program_id and len(acc.data) == \
        staking.StakePosition.size()


def _for_position(arena: Arena, ix: Instruction, at: int, build: Callable[[int], Instruction]) -> Instruction | None:
    key = ix.accounts[at].pubkey
    if not _is_position(arena, key):
        return None
    return build(staking.StakePosition.decode(bytes(arena.w.svm.get_account(key).data)).role)


# --- the property -------------------------------------------------------------


SETTINGS = settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))


def check_refused(arena: Arena, ix: Instruction) -> None:
    """Sends ``ix`` unless it is a legitimate call; it must fail with a named
    staking error and leave every account as it was."""
    if is_legitimate(arena, ix):
        arena.outcomes["legitimate (not sent)"] = arena.outcomes.get("legitimate (not sent)", 0) + 1
        return
    flags = effective_flags(arena, ix)
    signers = [arena.payer] + [k for key, k in arena.signers.items() if flags.get(key, (False,))[0]
                               and key != arena.payer_key]
    # Keys we cannot sign for lose their signer flag (the runtime would refuse the transaction).
    ix = Instruction(ix.program_id, bytes(ix.data),
                     [AccountMeta(m.pubkey, m.is_signer and m.pubkey in arena.signers, m.is_writable)
                      for m in ix.accounts])
    before = arena.snapshot()
    try:
        arena.loop.run_until_complete(arena.w.client.transport.send([ix], signers, payer=arena.payer))
    except TransactionFailed as exc:
        named = staking.errors.by_code.get(exc.custom_code) if exc.instruction_index == 0 else None
        assert named is not None, f"not a named staking error: {exc}\n{ix}\n" + "\n".join(exc.logs[-6:])
        arena.outcomes[named.__name__] = arena.outcomes.get(named.__name__, 0) + 1
    else:
        raise AssertionError(f"landed, but it is no legitimate call:\n{ix}")
    assert arena.snapshot() == before, f"state changed by a refused instruction:\n{ix}"


def test_garbage_gets_a_named_error_and_changes_nothing(arena: Arena) -> None:
    # The fixture stays outside the @given function: hypothesis then reports
    # a failing input as such (with it as an argument, a failure surfaced as
    # FlakyStrategyDefinition instead).
    @SETTINGS
    @given(arena.strategy)
    def check(ix: Instruction) -> None:
        check_refused(arena, ix)

    check()


def test_report_outcomes(arena: Arena, capsys: pytest.CaptureFixture[str]) -> None:
    """Prints which errors the random inputs reached (runs after the property)."""
    assert sum(arena.outcomes.values()) > 0
    with capsys.disabled():
        print("\nfuzz outcomes:", dict(sorted(arena.outcomes.items(), key=lambda kv: -kv[1])))
