"""Differential tests of the pass plugin: the `arith` crate's arithmetic (all
of it rewritten by sbf-lower) runs natively and in LiteSVM on the same
hypothesis-generated inputs, edge values included; replies must be identical."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.toolchain.conftest import CRATES, copy_crate
from toolchain.sbf import build_program
from toolchain.sbf.differential import Differential, HostLibrary, SbfProgram

U64 = (1 << 64) - 1
U128 = (1 << 128) - 1


def edges(bits: int, signed: bool) -> list[int]:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    around = {0, 1, 2, 3, 7, 10, 10_000, hi, hi - 1, lo, lo + 1}
    for k in (8, 16, 31, 32, 33, 63, 64, 65, 96, 127):
        if k < bits:
            around |= {(1 << k) - 1, 1 << k, (1 << k) + 1}
    if signed:
        around |= {-1, -2, -3, -7, -10_000}
        around |= {-v for v in list(around) if lo <= -v <= hi}
    return sorted(v for v in around if lo <= v <= hi)


def ints(bits: int, signed: bool = False) -> st.SearchStrategy[int]:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return st.one_of(st.sampled_from(edges(bits, signed)), st.integers(lo, hi))


def le(value: int, bits: int) -> bytes:
    return (value & ((1 << bits) - 1)).to_bytes(bits // 8, "little")


# op code -> operand widths (bits, signed) as the crate reads them
OPS = {
    0: ("u128 wrapping mul", [(128, False), (128, False)]),
    1: ("u128 checked div/rem", [(128, False), (128, False)]),
    2: ("u64 checked mul", [(64, False), (64, False)]),
    3: ("u64 checked add", [(64, False), (64, False)]),
    4: ("i64 checked div/rem/div_euclid", [(64, True), (64, True)]),
    5: ("u128 checked mul", [(128, False), (128, False)]),
    6: ("i128 checked/overflowing mul", [(128, True), (128, True)]),
    7: ("i128 checked div/rem", [(128, True), (128, True)]),
    8: ("i64 checked/overflowing mul", [(64, True), (64, True)]),
    9: ("fee = amount * bps / 10000 via u128", [(64, False), (64, False)]),
    11: ("u128 return and u128 arguments across a call", [(128, False), (64, False), (128, False)]),
    12: ("i32 checked div/rem", [(32, True), (32, True)]),
    13: ("u64 overflowing/saturating mul", [(64, False), (64, False)]),
    14: ("u128 shifts by a variable amount", [(128, False), (8, False)]),
    15: ("i8 checked div/rem", [(8, True), (8, True)]),
    16: ("u128 checked add/sub, saturating, bit counts", [(128, False), (128, False)]),
    17: ("core::fmt of u64/u128/i64/i128", [(64, False), (128, False), (64, True), (128, True)]),
    18: ("u32/i32/u16 checked mul, checked_pow, abs_diff, div_ceil, rem_euclid, isqrt",
         [(64, False), (64, False)]),
    19: ("pair/Option returns, three u128 arguments", [(128, False), (128, False), (128, False),
                                                       (8, False)]),
}


@pytest.fixture(scope="module")
def arith(tmp_path_factory, private_target) -> Differential:
    crate = copy_crate(CRATES / "arith", tmp_path_factory.mktemp("arith-src"))
    so = build_program(crate, target=private_target, anchor_toml=None)
    native = HostLibrary.build(crate, target=private_target)
    return Differential(native.buffer_function("arith_dispatch"), SbfProgram(so))


def request(op: int, values: list[int]) -> bytes:
    widths = OPS[op][1]
    return bytes([op]) + b"".join(le(v, bits) for v, (bits, _) in zip(values, widths))


@st.composite
def requests(draw, op: int) -> bytes:
    return request(op, [draw(ints(bits, signed)) for bits, signed in OPS[op][1]])


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("op", sorted(OPS), ids=lambda op: OPS[op][0])
def test_native_and_sbf_agree(arith, op, cu_record):
    arith.compute_units.clear()

    @SETTINGS
    @given(requests(op))
    def check(req: bytes) -> None:
        arith.check(req)

    check()
    # every edge pairing too, not only what hypothesis happens to draw
    widths = OPS[op][1]
    if len(widths) == 2:
        for a in edges(*widths[0]):
            for b in edges(*widths[1])[::3]:
                arith.check(request(op, [a, b]))
    cu_record(f"arith: {OPS[op][0]} (max)", max(arith.compute_units))


@SETTINGS
@given(a=ints(64), b=ints(32), c=ints(8), d=ints(64), e=ints(16), f=ints(64), g=ints(64))
def test_seven_argument_call_agrees(arith, a, b, c, d, e, f, g):
    req = (bytes([10]) + le(a, 64) + struct.pack("<I", b) + bytes([c]) + le(d, 64)
           + struct.pack("<I", e) + le(f, 64) + le(g, 64))
    arith.check(req)


def test_known_values(arith):
    """Anchors for the harness itself: a few replies computed by hand."""
    assert arith.check(request(9, [U64, 10_000])) == b"\x01" + le(U64, 64)
    assert arith.check(request(9, [1_000_000, 30])) == b"\x01" + le(3_000, 64)
    assert arith.check(request(2, [1 << 32, 1 << 32])) == b"\x00"
    q, r = divmod(U128, 10**20)
    assert arith.check(request(1, [U128, 10**20])) == b"\x01" + le(q, 128) + b"\x01" + le(r, 128)
    # i64::MIN / -1 overflows: checked_div is None, checked_rem too
    assert arith.check(request(4, [-(1 << 63), -1])) == b"\x00\x00\x00"
    # a malformed request fails natively and in the program
    assert arith.check(bytes([1, 2, 3])) is None
