"""`gridpay bench toolchain`: Rust -> SBF build times and the compute units of
the arithmetic the pass plugin lowers.

Builds (a copy of programs/, private target directory, so the project's
target/ is untouched), each beside a baseline measured in the same run:
- clean SBF build of every program vs a clean host ``cargo build --release``
  of the same crates (the ratio is the cost of the SBF back end);
- no-change rebuild and one-file-changed rebuild vs the clean build.

Compute units (tests/toolchain/crates/arith in LiteSVM): each lowered
operation vs ``u64::checked_add`` through the same entrypoint (the ratio
prices the lowering; the absolute figures include ~170 CU of entrypoint,
request parsing and ``sol_set_return_data``).
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
ARITH = ROOT / "tests" / "toolchain" / "crates" / "arith"

U64 = (1 << 64) - 1
U128 = (1 << 128) - 1


def _copy_programs(into: Path) -> Path:
    dest = into / "programs"
    shutil.copytree(ROOT / "programs", dest,
                    ignore=shutil.ignore_patterns("target", "__pycache__"))
    return dest


def _build_all(crates, target: Path) -> float:
    from toolchain.sbf.build import _build

    started = time.perf_counter()
    for crate in crates:
        _build(crate, target, None)
    return time.perf_counter() - started


def build_times(work: Path) -> list[tuple[str, float, float]]:
    """(what, seconds, baseline seconds) rows."""
    from toolchain.sbf import tools
    from toolchain.sbf.build import program_crates

    tools.build_plugin()
    tools.runtime_bitcode()
    programs = _copy_programs(work)
    crates = program_crates(programs)
    target = work / "target"

    clean = _build_all(crates, target)
    started = time.perf_counter()
    for crate in crates:
        host_build(crate.dir, work / "host")
    host = time.perf_counter() - started
    unchanged = _build_all(crates, target)
    edited = crates[0].dir / "src" / "lib.rs"
    edited.write_text(edited.read_text() + "\n// bench: touched\n")
    started = time.perf_counter()
    _build_all(crates[:1], target)
    one = time.perf_counter() - started
    names = ", ".join(c.lib_name for c in crates)
    return [
        (f"clean SBF build, {len(crates)} programs ({names}) vs host cargo build", clean, host),
        ("rebuild, nothing changed vs clean", unchanged, clean),
        (f"rebuild, {crates[0].lib_name}/src/lib.rs changed vs clean", one, clean),
    ]


def host_build(crate_dir: Path, target: Path) -> None:
    """Host release build of a crate's library: the baseline compile."""
    from toolchain.sbf import tools

    env = dict(os.environ, RUSTC=tools.RUSTC, CARGO_TARGET_DIR=str(target),
               CARGO_NET_OFFLINE="true")
    env.pop("RUSTFLAGS", None)
    tools.run([tools.CARGO, "build", "--release", "--lib", "--manifest-path",
               str(crate_dir / "Cargo.toml")], "host build", env=env)


def _le(value: int, bits: int) -> bytes:
    return (value & ((1 << bits) - 1)).to_bytes(bits // 8, "little")


# (label, request) with operands that take the slow paths
CU_CASES = [
    ("u64 checked_add (baseline)", bytes([3]) + _le(123, 64) + _le(456, 64)),
    ("u64 checked_mul", bytes([2]) + _le(U64 // 3, 64) + _le(3, 64)),
    ("i64 checked div/rem/div_euclid", bytes([4]) + _le(-(10**18) - 7, 64) + _le(-13, 64)),
    ("fee: amount * bps / 10_000 (u128)", bytes([9]) + _le(U64, 64) + _le(9_999, 64)),
    ("u128 wrapping_mul", bytes([0]) + _le(U128 // 7, 128) + _le(U128 // 11, 128)),
    ("u128 checked_mul", bytes([5]) + _le(U64, 128) + _le(U64, 128)),
    ("u128 checked div/rem, 128-bit divisor",
     bytes([1]) + _le(U128 - 12345, 128) + _le((1 << 100) + 17, 128)),
    ("u128 checked div/rem, 32-bit divisor", bytes([1]) + _le(U128 - 1, 128) + _le(10_000, 128)),
    ("i128 checked div/rem", bytes([7]) + _le(-(1 << 120) - 5, 128) + _le((1 << 70) + 3, 128)),
    ("i128 checked/overflowing mul", bytes([6]) + _le(-(1 << 60), 128) + _le(1 << 66, 128)),
    ("7-argument call", bytes([10]) + _le(1, 64) + struct.pack("<I", 2) + bytes([3]) + _le(4, 64)
     + struct.pack("<I", 5) + _le(6, 64) + _le(7, 64)),
    ("core::fmt of u64/u128/i64/i128", bytes([17]) + _le(U64, 64) + _le(U128, 128)
     + _le(-(1 << 63), 64) + _le(-(1 << 127), 128)),
]


def compute_units(work: Path) -> list[tuple[str, int]]:
    from toolchain.sbf import build_program
    from toolchain.sbf.differential import SbfProgram

    crate = work / "arith"
    shutil.copytree(ARITH, crate, ignore=shutil.ignore_patterns("target"))
    program = SbfProgram(build_program(crate, target=work / "target", anchor_toml=None))
    rows = []
    for label, request in CU_CASES:
        outcome = program.invoke(request)
        if not outcome.ok:
            raise click.ClickException(f"{label}: {outcome.error}")
        rows.append((label, outcome.compute_units))
    return rows


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="gridpay-bench-sbf-") as tmp:
        work = Path(tmp)
        builds = build_times(work)
        cus = compute_units(work)
    click.echo(f"{'build':<72} {'seconds':>8} {'baseline':>9} {'ratio':>7}")
    for what, seconds, baseline in builds:
        click.echo(f"{what:<72} {seconds:>8.2f} {baseline:>9.2f} {seconds / baseline:>6.2f}x")
    click.echo("")
    base = cus[0][1]
    click.echo(f"{'compute units in LiteSVM (arith program)':<72} {'CU':>8} {'vs base':>9}")
    for label, cu in cus:
        click.echo(f"{label:<72} {cu:>8,} {cu / base:>8.2f}x")


@click.command("toolchain")
def toolchain() -> None:
    """Rust -> SBF build times and CU of the lowered arithmetic."""
    run()
