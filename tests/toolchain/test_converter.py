"""The ELF -> SBPF v0 converter: what it refuses (with the function or symbol
named, and no output) and what it must get right (data and code pointers).

Inputs are small LLVM IR programs compiled with llc-22, some with CPU levels
the pipeline never uses, to produce exactly the instruction under test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from toolchain.errors import BuildError
from toolchain.sbf import bpf, tools
from toolchain.sbf.convert import convert, convert_file
from toolchain.sbf.differential import SbfProgram
from toolchain.sbf.link import _explain_llc

HEADER = 'target triple = "bpfel"\ndeclare void @sol_log_(ptr, i64)\n'


def entry_calling(fn: str, arg: str = "i64 %n") -> str:
    return (f"define i64 @entrypoint(ptr %input) {{\n  %n = load i64, ptr %input\n"
            f"  %r = call i64 @{fn}({arg})\n  ret i64 %r\n}}\n")


def llc(tmp_path: Path, ir: str, *flags: str, mcpu: str = "v2") -> bytes:
    src = tmp_path / "case.ll"
    src.write_text(HEADER + ir)
    out = tmp_path / "case.o"
    subprocess.run([tools.LLC, "-march=bpfel", f"-mcpu={mcpu}", "-filetype=obj", *flags,
                    str(src), "-o", str(out)], check=True, capture_output=True, text=True)
    return out.read_bytes()


def refused(tmp_path: Path, ir: str, *flags: str, mcpu: str = "v2") -> str:
    obj = tmp_path / "case.o"
    obj.write_bytes(llc(tmp_path, ir, *flags, mcpu=mcpu))
    out = tmp_path / "case.so"
    with pytest.raises(BuildError) as info:
        convert_file(obj, out)
    assert not out.exists(), "a refused program must not leave an output file"
    return str(info.value)


def test_jmp32_is_refused(tmp_path):
    message = refused(tmp_path, """
define internal i64 @compare32(i64 %n) noinline {
  %v = trunc i64 %n to i32
  %c = icmp ult i32 %v, 7
  br i1 %c, label %a, label %b
a:
  ret i64 1
b:
  ret i64 2
}
""" + entry_calling("compare32"), mcpu="v3")
    assert "`compare32`" in message and "JMP32" in message


def test_alu32_is_refused(tmp_path):
    message = refused(tmp_path, """
define internal i64 @add32(i64 %n) noinline {
  %v = trunc i64 %n to i32
  %s = add i32 %v, 12345
  %m = mul i32 %s, %v
  %z = zext i32 %m to i64
  ret i64 %z
}
""" + entry_calling("add32"), mcpu="v3")
    assert "`add32`" in message and "ALU32" in message


def test_atomic_is_refused(tmp_path):
    message = refused(tmp_path, """
define internal i64 @bump(i64 %n) noinline {
  %p = inttoptr i64 %n to ptr
  %old = atomicrmw add ptr %p, i64 1 seq_cst
  ret i64 0
}
""" + entry_calling("bump"))
    assert "`bump`" in message and "atomic" in message


@pytest.mark.parametrize("ir, what", [
    ("%q = sdiv i64 %n, %d\n  ret i64 %q", "signed div"),
    ("%t = trunc i64 %n to i32\n  %q = sext i32 %t to i64\n  ret i64 %q", "movsx"),
    ("%q = call i64 @llvm.bswap.i64(i64 %n)\n  ret i64 %q", "bswap"),
])
def test_ebpf_v4_instructions_are_refused(tmp_path, ir, what):
    message = refused(tmp_path, f"""
declare i64 @llvm.bswap.i64(i64)
define internal i64 @v4_only(i64 %n, i64 %d) noinline {{
  {ir}
}}
""" + entry_calling("v4_only", "i64 %n, i64 3"), mcpu="v4")
    assert "`v4_only`" in message and what in message


@pytest.mark.parametrize("decl, symbol", [
    ("@counter = global i64 5", "counter"),
    ("@zeroed = global i64 0", "zeroed"),
])
def test_writable_data_is_refused(tmp_path, decl, symbol):
    message = refused(tmp_path, f"""
{decl}
define i64 @entrypoint(ptr %input) {{
  %v = load i64, ptr @{symbol}
  %w = add i64 %v, 1
  store i64 %w, ptr @{symbol}
  ret i64 %w
}}
""")
    assert f"`{symbol}`" in message and "writable" in message


BIG_FRAME = """
define internal i64 @big_frame(i64 %n) noinline {
  %buf = alloca [5000 x i8], align 8
  %p = getelementptr i8, ptr %buf, i64 %n
  store i8 1, ptr %p
  call void @sol_log_(ptr %buf, i64 5000)
  ret i64 0
}
""" + entry_calling("big_frame")


def test_frame_over_4k_is_refused(tmp_path):
    # llc's own limit raised, so the converter's check is what stops it
    message = refused(tmp_path, BIG_FRAME, "-bpf-stack-size=65536")
    assert "`big_frame`" in message and "4096" in message


def test_llc_frame_limit_is_explained(tmp_path):
    src = tmp_path / "big.ll"
    src.write_text(HEADER + BIG_FRAME)
    proc = subprocess.run([tools.LLC, *tools.LLC_FLAGS, str(src), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    message = _explain_llc(proc.stderr)
    assert "big_frame" in message and "more than 4 KB of stack" in message


def test_unknown_external_function_is_refused(tmp_path):
    message = refused(tmp_path, """
declare i64 @not_a_syscall(i64)
define i64 @entrypoint(ptr %input) {
  %r = call i64 @not_a_syscall(i64 1)
  ret i64 %r
}
""")
    assert "`not_a_syscall`" in message and "neither defined" in message
    assert "`entrypoint`" in message


def test_missing_entrypoint_is_refused(tmp_path):
    message = refused(tmp_path, "define i64 @main(ptr %input) {\n  ret i64 0\n}\n")
    assert "no `entrypoint`" in message


def test_not_a_bpf_object_is_refused():
    with pytest.raises(BuildError, match="not an ELF"):
        convert(b"\x7fELF garbage", "junk.o")


POINTERS = """
@msg = private unnamed_addr constant [14 x i8] c"through tables"
@other = private unnamed_addr constant [5 x i8] c"wrong"
@strings = internal constant [2 x ptr] [ptr @other, ptr @msg]
@handlers = internal constant [2 x ptr] [ptr @wrong_handler, ptr @log_it]

define internal void @log_it(ptr %m) noinline {
  call void @sol_log_(ptr %m, i64 14)
  ret void
}
define internal void @wrong_handler(ptr %m) noinline {
  call void @sol_log_(ptr %m, i64 5)
  ret void
}
define i64 @entrypoint(ptr %input) {
  %count = load i64, ptr %input
  %i = add i64 %count, 1
  %sp = getelementptr [2 x ptr], ptr @strings, i64 0, i64 %i
  %s = load volatile ptr, ptr %sp
  %fp = getelementptr [2 x ptr], ptr @handlers, i64 0, i64 %i
  %f = load volatile ptr, ptr %fp
  call void %f(ptr %s)
  ret i64 0
}
"""


def test_data_and_function_pointers_work_in_the_vm(tmp_path):
    """Pointers stored in .rodata (absolute addresses) and an indirect call
    (callx, register in the immediate) behave as compiled."""
    result = convert(llc(tmp_path, POINTERS, *tools.LLC_FLAGS[:4]), "pointers.o")
    so = tmp_path / "pointers.so"
    so.write_bytes(result.data)
    outcome = SbfProgram(so).invoke(b"")
    assert outcome.ok, outcome.logs
    assert "Program log: through tables" in outcome.logs
    assert result.syscalls == ["sol_log_"]


def test_output_layout_is_what_the_loader_expects(tmp_path):
    from elftools.elf.elffile import ELFFile
    import io

    result = convert(llc(tmp_path, POINTERS, *tools.LLC_FLAGS[:4]), "pointers.o")
    elf = ELFFile(io.BytesIO(result.data))
    assert elf.header["e_type"] == "ET_DYN" and elf.header["e_flags"] == 0
    names = [s.name for s in elf.iter_sections()]
    assert names == ["", ".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn",
                     ".shstrtab"]
    for sec in elf.iter_sections():
        if sec["sh_flags"] & 2:  # allocated: address == file offset (reject_broken_elfs)
            assert sec["sh_addr"] == sec["sh_offset"]
    text = elf.get_section_by_name(".text")
    assert text["sh_addr"] <= elf.header["e_entry"] < text["sh_addr"] + text["sh_size"]
    rels = list(elf.get_section_by_name(".rel.dyn").iter_relocations())
    syms = elf.get_section_by_name(".dynsym")
    calls = [syms.get_symbol(r["r_info_sym"]).name for r in rels if r["r_info_type"] == 10]
    assert calls == ["sol_log_", "sol_log_"]
    code = text.data()
    for rel in rels:  # syscall sites are `call -1`, lddw sites hold absolute addresses
        insn = bpf.Insn.decode(code, rel["r_offset"] - text["sh_offset"])
        if rel["r_info_type"] == 10:
            assert (insn.opc, insn.imm) == (bpf.CALL, -1)
        else:
            assert rel["r_info_type"] == 8 and insn.opc == bpf.LDDW
            high = bpf.Insn.decode(code, rel["r_offset"] - text["sh_offset"] + 8).imm
            assert high == 1  # 0x1_0000_0000 + offset


def test_llvm_trap_aborts_the_program(tmp_path):
    """llvm.trap becomes a call to __bpf_trap, which the converter maps to the
    `abort` syscall: the instruction fails instead of running on."""
    result = convert(llc(tmp_path, """
declare void @llvm.trap()
define i64 @entrypoint(ptr %input) {
  %n = load i64, ptr %input
  %c = icmp eq i64 %n, 0
  br i1 %c, label %t, label %ok
t:
  call void @llvm.trap()
  unreachable
ok:
  ret i64 0
}
"""), "trap.o")
    assert result.syscalls == ["abort"]
    so = tmp_path / "trap.so"
    so.write_bytes(result.data)
    outcome = SbfProgram(so).invoke(b"")  # no accounts: the count read is 0 -> trap
    assert not outcome.ok
    assert outcome.logs[-1].endswith("failed: SBF program panicked"), outcome.logs  # SyscallAbort
