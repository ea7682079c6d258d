"""The sbf-lower pass on hand-written IR: signature rewrites upstream BPF needs
(more than five argument registers, aggregate returns), run in LiteSVM, and the
plugin's refusal of what it cannot lower."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from toolchain.errors import BuildError
from toolchain.sbf import tools
from toolchain.sbf.convert import convert
from toolchain.sbf.differential import SbfProgram

MASK = (1 << 64) - 1

# pairsum(a..f: i64, g: i128) -> {i64, i64}: eight argument registers and an
# aggregate return; called from entrypoint with the instruction data's words.
PROGRAM = """
target triple = "bpfel"
declare void @sol_set_return_data(ptr, i64)

define internal { i64, i64 } @pairsum(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f,
                                      i128 %g) noinline {
  %b2 = mul i64 %b, 2
  %c3 = mul i64 %c, 3
  %d4 = mul i64 %d, 4
  %e5 = mul i64 %e, 5
  %f6 = mul i64 %f, 6
  %glo = trunc i128 %g to i64
  %gsh = lshr i128 %g, 64
  %ghi = trunc i128 %gsh to i64
  %g7 = mul i64 %glo, 7
  %s1 = add i64 %a, %b2
  %s2 = add i64 %s1, %c3
  %s3 = add i64 %s2, %d4
  %s4 = add i64 %s3, %e5
  %s5 = add i64 %s4, %f6
  %x = add i64 %s5, %g7
  %y0 = xor i64 %a, %f
  %y = xor i64 %y0, %ghi
  %r0 = insertvalue { i64, i64 } poison, i64 %x, 0
  %r = insertvalue { i64, i64 } %r0, i64 %y, 1
  ret { i64, i64 } %r
}

define i64 @entrypoint(ptr %input) {
  %data = getelementptr i8, ptr %input, i64 16
  %p1 = getelementptr i64, ptr %data, i64 1
  %p2 = getelementptr i64, ptr %data, i64 2
  %p3 = getelementptr i64, ptr %data, i64 3
  %p4 = getelementptr i64, ptr %data, i64 4
  %p5 = getelementptr i64, ptr %data, i64 5
  %p6 = getelementptr i64, ptr %data, i64 6
  %a = load i64, ptr %data, align 1
  %b = load i64, ptr %p1, align 1
  %c = load i64, ptr %p2, align 1
  %d = load i64, ptr %p3, align 1
  %e = load i64, ptr %p4, align 1
  %f = load i64, ptr %p5, align 1
  %g = load i128, ptr %p6, align 1
  %r = call { i64, i64 } @pairsum(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f, i128 %g)
  %x = extractvalue { i64, i64 } %r, 0
  %y = extractvalue { i64, i64 } %r, 1
  %buf = alloca [2 x i64], align 8
  store i64 %x, ptr %buf
  %bp = getelementptr i64, ptr %buf, i64 1
  store i64 %y, ptr %bp
  call void @sol_set_return_data(ptr %buf, i64 16)
  ret i64 0
}
"""


def lower(tmp_path: Path, ir: str) -> Path:
    src = tmp_path / "in.ll"
    src.write_text(ir)
    out = tmp_path / "lowered.bc"
    tools.run([tools.OPT, f"--load-pass-plugin={tools.build_plugin()}",
               f"-passes={tools.PLUGIN_PASS}", str(src), "-o", str(out)], "opt")
    return out


def llc(tmp_path: Path, bitcode: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tools.LLC, *tools.LLC_FLAGS, str(bitcode), "-o",
                           str(tmp_path / "out.o")], capture_output=True, text=True)


def test_upstream_bpf_refuses_the_program_without_the_plugin(tmp_path):
    src = tmp_path / "in.ll"
    src.write_text(PROGRAM)
    proc = llc(tmp_path, src)
    assert proc.returncode != 0
    assert "stack arguments are not supported" in proc.stderr or \
        "only small returns supported" in proc.stderr or \
        "only integer returns supported" in proc.stderr


def test_many_arguments_and_aggregate_return_run_correctly(tmp_path):
    proc = llc(tmp_path, lower(tmp_path, PROGRAM))
    assert proc.returncode == 0, proc.stderr
    so = tmp_path / "pairsum.so"
    so.write_bytes(convert((tmp_path / "out.o").read_bytes(), "pairsum.o").data)
    program = SbfProgram(so)
    for words in ([1, 2, 3, 4, 5, 6, 7, 8], [MASK, MASK - 1, 0, 1, 1 << 63, 12345, MASK, 99],
                  [0] * 8):
        a, b, c, d, e, f, glo, ghi = words
        outcome = program.invoke(struct.pack("<8Q", *words))
        assert outcome.ok, outcome.logs
        x = (a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * glo) & MASK
        assert outcome.return_data == struct.pack("<QQ", x, a ^ f ^ ghi)


def test_division_wider_than_128_bits_is_refused_naming_the_function(tmp_path):
    with pytest.raises(BuildError, match=r"sbf-lower: in function 'huge'.*udiv.*i256"):
        lower(tmp_path, """
target triple = "bpfel"
define i64 @huge(i256 %a, i256 %b) {
  %q = udiv i256 %a, %b
  %t = trunc i256 %q to i64
  ret i64 %t
}
""")


RECURSIVE = """
target triple = "bpfel"
declare void @sol_set_return_data(ptr, i64)

; sum(n, a..f) = n == 0 ? a+b+c+d+e+f : sum(n-1, b, c, d, e, f, a*2) + n
define internal i64 @sum(i64 %n, i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f) noinline {
  %z = icmp eq i64 %n, 0
  br i1 %z, label %base, label %rec
base:
  %s1 = add i64 %a, %b
  %s2 = add i64 %s1, %c
  %s3 = add i64 %s2, %d
  %s4 = add i64 %s3, %e
  %s5 = add i64 %s4, %f
  ret i64 %s5
rec:
  %m = sub i64 %n, 1
  %a2 = mul i64 %a, 2
  %r = tail call i64 @sum(i64 %m, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f, i64 %a2)
  %t = add i64 %r, %n
  ret i64 %t
}

define i64 @entrypoint(ptr %input) {
  %data = getelementptr i8, ptr %input, i64 16
  %n = load i64, ptr %data, align 1
  %r = call i64 @sum(i64 %n, i64 1, i64 2, i64 3, i64 4, i64 5, i64 6)
  %buf = alloca i64, align 8
  store i64 %r, ptr %buf
  call void @sol_set_return_data(ptr %buf, i64 8)
  ret i64 0
}
"""


def test_recursive_many_argument_function(tmp_path):
    def expected(n: int, args: list[int]) -> int:
        if n == 0:
            return sum(args)
        a, *rest = args
        return expected(n - 1, [*rest, a * 2]) + n

    proc = llc(tmp_path, lower(tmp_path, RECURSIVE))
    assert proc.returncode == 0, proc.stderr
    so = tmp_path / "sum.so"
    so.write_bytes(convert((tmp_path / "out.o").read_bytes(), "sum.o").data)
    program = SbfProgram(so)
    for n in (0, 1, 5, 20):
        outcome = program.invoke(struct.pack("<Q", n))
        assert outcome.ok, outcome.logs
        assert outcome.return_data == struct.pack("<Q", expected(n, [1, 2, 3, 4, 5, 6]))
