"""Differential tests: the staking logic natively vs in the SBF build.

The native side is the crate's host C ABI (feature ``ffi``, built and
loaded with the toolchain's ``HostLibrary``): each request applies an
instruction's effect to a stake position's bytes. The SBF side is the real
program in LiteSVM: the same position bytes are written to the chain, the
config, clock and token balances set as the request says, the real
instruction sent, and its reply assembled from the position account after,
the custom error code, and the instruction's event. The toolchain's
``Differential`` compares the two replies byte for byte on
hypothesis-generated requests, edge values included.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from pyclients.solana import receipts as R
from pyclients.solana import staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.token import associated_token_address
from tests.staking.conftest import CRATE, T0, World, make_world
from toolchain.sbf.differential import Differential, HostLibrary, Outcome

pytestmark = [pytest.mark.staking, pytest.mark.properties]

U64_MAX = 2**64 - 1
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
#: Operation codes of ``programs/staking/src/ffi.rs``.
STAKE, REQUEST_UNSTAKE, CANCEL_UNSTAKE, WITHDRAW, SLASH = range(5)
OPS = {STAKE: "stake", REQUEST_UNSTAKE: "request_unstake", CANCEL_UNSTAKE: "cancel_unstake",
       WITHDRAW: "withdraw_unstaked", SLASH: "slash"}
SPACE = staking.StakePosition.size()
#: A failure that is not a custom error of the program (never expected).
NOT_CUSTOM = 0xFFFF_FFFF


@dataclass(frozen=True)
class Request:
    """One differential request, as ffi.rs reads it."""

    op: int
    account: bytes
    args: bytes = b""

    def encode(self) -> bytes:
        return bytes([self.op]) + self.account + self.args

    @classmethod
    def decode(cls, data: bytes) -> Request:
        return cls(data[0], data[1:1 + SPACE], data[1 + SPACE:])


@dataclass
class ProgramSide:
    """Runs a request as the real instruction in LiteSVM, replying in ffi.rs's
    layout (an ``invoke`` like :class:`toolchain.sbf.differential.SbfProgram`'s)."""

    w: World
    operator: Keypair
    loop: asyncio.AbstractEventLoop
    jobs: int = 0
    compute_units: dict[int, list[int]] = field(default_factory=dict)

    def invoke(self, data: bytes) -> Outcome:
        req = Request.decode(data)
        w, op = self.w, self.operator
        position = staking.StakePosition.decode(req.account)
        stake_address = w.program.stake_address(op.pubkey(), position.role)
        w.write_program_account(stake_address, req.account)
        wallet = associated_token_address(op.pubkey(), w.mint)
        signers, first_ix = [op], 0
        if req.op == STAKE:
            (amount,) = struct.unpack("<Q", req.args)
            w.set_balance(wallet, amount)
            w.set_balance(w.vault, 0)
            ixs = [w.program.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=amount, role=position.role)]
        elif req.op == REQUEST_UNSTAKE:
            amount, now, cooldown = struct.unpack("<Qqq", req.args)
            self._config(cooldown=(position.role, cooldown))
            w.set_now(now)
            ixs = [w.program.request_unstake(operator=op.pubkey(), amount=amount, role=position.role)]
        elif req.op == CANCEL_UNSTAKE:
            ixs = [w.program.cancel_unstake(operator=op.pubkey(), role=position.role)]
        elif req.op == WITHDRAW:
            (now,) = struct.unpack("<q", req.args)
            w.set_now(now)
            w.set_balance(w.vault, U64_MAX)
            w.set_balance(wallet, 0)
            ixs = [w.program.withdraw_unstaked(operator=op.pubkey(), sgl_mint=w.mint, role=position.role)]
        else:
            earliest, cap = struct.unpack("<qH", req.args)
            self._config(cap=cap)
            w.set_balance(w.vault, U64_MAX)
            w.set_balance(w.penalty_vault, 0)
            # Two conflicting receipts: the earlier signed at `earliest`.
            self.jobs += 1
            job = b"differential-%d" % self.jobs
            later = min(I64_MAX, earliest + self.jobs % 3)
            a = w.receipt(op, job=job, signed_at=earliest)
            b = w.receipt(op, job=job, output=b"tampered", signed_at=later)
            ixs = w.program.slash_instructions(slasher=w.admin.pubkey(), a=b, b=a, sgl_mint=w.mint,
                                               penalty_vault=w.penalty_vault, role=position.role)
            signers, first_ix = [w.admin], 2
        before = {k: w.balance(k) for k in (wallet, w.vault, w.penalty_vault)}
        try:
            result = self.loop.run_until_complete(w.client.transport.send(ixs, signers))
        except TransactionFailed as exc:
            ours = exc.instruction_index == first_ix and exc.custom_code is not None
            code = exc.custom_code if ours else NOT_CUSTOM
            reply = struct.pack("<I", code) + bytes(w.svm.get_account(stake_address).data)
            return Outcome(True, reply, 0, exc.logs, None if ours else str(exc))
        self.compute_units.setdefault(req.op, []).append(result.compute_units)
        after = bytes(w.svm.get_account(stake_address).data)
        values = self._values(req.op, result.logs, before, {k: w.balance(k) for k in before}, wallet)
        reply = struct.pack("<I", 0) + after + b"".join(v.to_bytes(8, "little", signed=v < 0) for v in values)
        return Outcome(True, reply, result.compute_units, result.logs)

    def _config(self, *, cooldown: tuple[int, int] | None = None, cap: int | None = None) -> None:
        w = self.w
        address = w.program.config_address()
        fields = staking.IDL.decode_account("Config", bytes(w.svm.get_account(address).data))
        if cooldown is not None:
            fields["cooldown_seconds"][cooldown[0]] = cooldown[1]
        if cap is not None:
            fields["slash_cap_bps"] = cap
        w.write_program_account(address, staking.IDL.encode_account("Config", fields))

    def _values(self, op: int, logs: list[str], before: dict, after: dict, wallet) -> list[int]:  # noqa: ANN001
        """The event's values, checked against the tokens that moved."""
        w = self.w
        (name, ev), = self.w.program.events(logs)
        assert name == {STAKE: "Staked", REQUEST_UNSTAKE: "UnstakeRequested", CANCEL_UNSTAKE: "UnstakeCancelled",
                        WITHDRAW: "Withdrawn", SLASH: "Slashed"}[op]
        moved = {k: after[k] - before[k] for k in before}
        if op == STAKE:
            assert moved[w.vault] == -moved[wallet] == ev["amount"]
            return [ev["staked"]]
        if op == REQUEST_UNSTAKE:
            return [ev["available_at"] & U64_MAX]
        if op == CANCEL_UNSTAKE:
            return [ev["amount"]]
        if op == WITHDRAW:
            assert moved[wallet] == -moved[w.vault] == ev["amount"]
            return [ev["amount"]]
        assert moved[w.penalty_vault] == -moved[w.vault] == ev["amount"]
        return [ev["amount"], ev["from_staked"], ev["from_unstaking"]]


# --- requests ----------------------------------------------------------------

U64S = st.one_of(st.sampled_from([0, 1, 2, 9, 10, 9_999, 10_000, 10_001, U64_MAX // 10_000, U64_MAX - 1, U64_MAX]),
                 st.integers(0, 10**15), st.integers(0, U64_MAX))
TIMES = st.one_of(st.sampled_from([I64_MIN, I64_MIN + 1, -1, 0, 1, I64_MAX - 1, I64_MAX]),
                  st.integers(T0 - 10**8, T0 + 10**8), st.integers(I64_MIN, I64_MAX))


def near(t: int) -> st.SearchStrategy[int]:
    """A time around ``t`` (the comparisons' edges), or any time."""
    return st.one_of(st.integers(-2, 2).map(lambda d: max(I64_MIN, min(I64_MAX, t + d))), TIMES)


@st.composite
def positions(draw, operator: Pubkey, role: int | None = None) -> tuple[bytes, dict]:  # noqa: ANN001
    """A stake position's account bytes: any amounts; an unstake pending or not."""
    pending = draw(st.booleans())
    requested = draw(TIMES) if pending else 0
    fields = {
        "operator": operator, "role": draw(st.integers(0, staking.ROLE_COUNT - 1)) if role is None else role,
        "reserved": [0] * 7,
        "staked": draw(U64S), "unstaking": draw(U64S) if pending else draw(st.sampled_from([0, 0, 1])),
        "unstake_requested_at": requested,
        "unstake_available_at": draw(near(requested)) if pending else 0,
        "total_slashed": draw(st.one_of(st.just(0), U64S)),
    }
    return staking.IDL.encode_account("StakePosition", fields), fields


def _i64(v: int) -> bytes:
    return struct.pack("<q", v)


@st.composite
def requests(draw, op: int, operator: Pubkey) -> bytes:  # noqa: ANN001
    account, p = draw(positions(operator))
    if op == STAKE:
        args = struct.pack("<Q", draw(st.one_of(U64S, st.just(U64_MAX - p["staked"]))))
    elif op == REQUEST_UNSTAKE:
        amount = draw(st.one_of(U64S, st.sampled_from([p["staked"], p["staked"] + 1 & U64_MAX])))
        args = struct.pack("<Qqq", amount, draw(TIMES), draw(st.one_of(
            st.sampled_from([0, 1, staking.MAX_COOLDOWN_SECONDS]), TIMES)))
    elif op == CANCEL_UNSTAKE:
        args = b""
    elif op == WITHDRAW:
        args = _i64(draw(near(p["unstake_available_at"])))
    else:
        cap = draw(st.one_of(st.sampled_from([0, 1, 1_000, 9_999, 10_000, 10_001, 65_535]), st.integers(0, 10_000)))
        args = struct.pack("<qH", draw(near(p["unstake_requested_at"])), cap)
    return Request(op, account, args).encode()


# --- fixtures and tests -------------------------------------------------------


@pytest.fixture(scope="module")
def native():
    """``staking_logic`` of the host build (cargo is incremental: a no-op when fresh)."""
    return HostLibrary.build(CRATE, features=["ffi"]).buffer_function("staking_logic")


@pytest.fixture(scope="module")
def program_side(staking_so):  # noqa: ANN001, ANN201
    loop = asyncio.new_event_loop()
    w = loop.run_until_complete(make_world(staking_so))
    operator = loop.run_until_complete(w.new_operator(0))
    yield ProgramSide(w, operator, loop)
    loop.close()


@pytest.fixture(scope="module")
def differential(native, program_side) -> Differential:  # noqa: ANN001
    return Differential(native, program_side)


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("op", sorted(OPS), ids=OPS.get)
def test_native_and_sbf_agree(op: int, differential: Differential, program_side: ProgramSide,
                              capsys: pytest.CaptureFixture[str]) -> None:
    operator = program_side.operator.pubkey()
    codes: set[int] = set()

    @SETTINGS
    @given(requests(op, operator))
    def check(request: bytes) -> None:
        reply = differential.check(request)
        codes.add(struct.unpack_from("<I", reply)[0])

    check()
    # Both sides took the same paths, and the run reached success and failure.
    assert 0 in codes and len(codes) >= 2, codes
    assert NOT_CUSTOM not in codes
    with capsys.disabled():
        names = sorted("ok" if c == 0 else staking.errors.by_code[c].__name__ for c in codes)
        units = program_side.compute_units.get(op, [])
        print(f"\n{OPS[op]}: outcomes {names}; tx CU {min(units)}..{max(units)}")


def test_known_replies(native) -> None:  # noqa: ANN001
    """Anchors for the native side itself, computed by hand."""
    operator = Keypair().pubkey()
    fields = {"operator": operator, "role": 0, "reserved": [0] * 7, "staked": 1_000_000,
              "unstaking": 600_000, "unstake_requested_at": 100, "unstake_available_at": 150, "total_slashed": 7}
    account = staking.IDL.encode_account("StakePosition", fields)

    def reply(op: int, args: bytes) -> tuple[int, dict, list[int]]:
        out = native(Request(op, account, args).encode())
        code = struct.unpack_from("<I", out)[0]
        after = staking.IDL.decode_account("StakePosition", out[4:4 + SPACE])
        values = [int.from_bytes(out[i:i + 8], "little") for i in range(4 + SPACE, len(out), 8)]
        return code, after, values

    # A receipt signed at the request: cooldown reachable; 75 % of 1,600,000, active first.
    code, after, values = reply(SLASH, struct.pack("<qH", 100, 7_500))
    assert code == 0 and values == [1_200_000, 1_000_000, 200_000]
    assert (after["staked"], after["unstaking"], after["total_slashed"]) == (0, 400_000, 1_200_007)
    # Signed after the request: only the active stake.
    code, after, values = reply(SLASH, struct.pack("<qH", 101, 10_000))
    assert code == 0 and values == [1_000_000, 1_000_000, 0]
    code, _, values = reply(WITHDRAW, _i64(149))
    assert (code, values) == (staking.errors.CooldownNotElapsed.code, [])
    code, after, values = reply(WITHDRAW, _i64(150))
    assert code == 0 and values == [600_000] and after["unstaking"] == 0
    code, _, _ = reply(REQUEST_UNSTAKE, struct.pack("<Qqq", 1, 0, 0))
    assert code == staking.errors.UnstakePending.code
    assert native(b"\x09" + account) is None  # unknown operation
    assert native(bytes([STAKE]) + account) is None  # missing argument
