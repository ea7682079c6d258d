"""Relocatable BPF ELF (llc output) -> SBPF v0 shared object.

``ld.lld`` cannot link BPF into a shared object, so this module is the
project's linker back end. It lays out one ``.text`` and one ``.rodata``,
resolves what the loader cannot, and leaves the loader exactly the dynamic
relocations it knows (anza-xyz/sbpf ``Executable::relocate``):

- calls inside the program become pc-relative immediates (no relocation);
- ``lddw`` of a code or data address gets the absolute address
  ``0x1_0000_0000 + offset`` plus an ``R_BPF_64_RELATIVE`` entry;
- data pointers inside .rodata are written as absolute addresses;
- a call to an undefined symbol is a syscall: ``call -1`` plus an
  ``R_BPF_64_32`` against a dynamic symbol of that name (the loader puts the
  murmur3 hash of the name in the immediate); ``__bpf_trap`` becomes ``abort``.

Anything SBPF v0 cannot run is refused with a :class:`BuildError` naming the
function or symbol; no output file is written in that case.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from toolchain.errors import BuildError
from toolchain.sbf import bpf

EM_BPF = 247
R_BPF_64_64 = 1
R_BPF_64_ABS64 = 2
R_BPF_64_ABS32 = 3
R_BPF_64_NODYLD32 = 4
R_BPF_64_RELATIVE = 8
R_BPF_64_32 = 10

ENTRYPOINT = "entrypoint"
TRAP_ALIASES = {"__bpf_trap": "abort"}

#: Syscalls the Solana runtime registers for SBPF v0 programs. An undefined
#: symbol outside this list is a link mistake, better reported now than by the
#: loader at deploy time.
SYSCALLS = frozenset({
    "abort", "sol_panic_", "sol_log_", "sol_log_64_", "sol_log_compute_units_",
    "sol_log_pubkey", "sol_log_data", "sol_create_program_address",
    "sol_try_find_program_address", "sol_sha256", "sol_keccak256", "sol_blake3",
    "sol_secp256k1_recover", "sol_poseidon", "sol_curve_validate_point",
    "sol_curve_group_op", "sol_curve_multiscalar_mul", "sol_curve_pairing_map",
    "sol_curve_decompress", "sol_alt_bn128_group_op", "sol_alt_bn128_compression",
    "sol_big_mod_exp", "sol_get_clock_sysvar", "sol_get_epoch_schedule_sysvar",
    "sol_get_fees_sysvar", "sol_get_rent_sysvar", "sol_get_last_restart_slot",
    "sol_get_epoch_rewards_sysvar", "sol_get_sysvar", "sol_get_epoch_stake",
    "sol_memcpy_", "sol_memmove_", "sol_memcmp_", "sol_memset_",
    "sol_invoke_signed_c", "sol_invoke_signed_rust", "sol_alloc_free_",
    "sol_set_return_data", "sol_get_return_data", "sol_get_processed_sibling_instruction",
    "sol_get_stack_height", "sol_remaining_compute_units",
})

# ELF constants for the output
_ET_DYN = 3
_PT_LOAD, _PT_DYNAMIC = 1, 2
_PF_X, _PF_W, _PF_R = 1, 2, 4
_SHT_PROGBITS, _SHT_STRTAB, _SHT_DYNAMIC, _SHT_REL, _SHT_DYNSYM = 1, 3, 6, 9, 11
_SHF_WRITE, _SHF_ALLOC, _SHF_EXECINSTR = 1, 2, 4
_DT_NULL, _DT_STRTAB, _DT_SYMTAB, _DT_STRSZ, _DT_SYMENT = 0, 5, 6, 10, 11
_DT_REL, _DT_RELSZ, _DT_RELENT, _DT_TEXTREL, _DT_FLAGS = 17, 18, 19, 22, 30
_DT_RELCOUNT = 0x6FFFFFFA
_DF_TEXTREL = 4
_EHDR, _PHDR, _SHDR, _SYM, _REL, _DYN = 64, 56, 64, 24, 16, 16


def demangle(names: list[str]) -> list[str]:
    """Rust/C++ symbol names made readable (llvm-cxxfilt), without the
    ``.N`` suffixes LLVM adds when it splits or clones a symbol."""
    try:
        out = subprocess.run(["llvm-cxxfilt-22"], input="\n".join(names), capture_output=True,
                             text=True, check=True).stdout.splitlines()
        if len(out) != len(names):
            out = names
    except (OSError, subprocess.CalledProcessError):
        out = names
    return [re.sub(r"(\.\d+)+$", "", name) for name in out]


def _name(symbol: str) -> str:
    return demangle([symbol])[0]


def _align(value: int, alignment: int) -> int:
    alignment = max(alignment, 1)
    return (value + alignment - 1) // alignment * alignment


@dataclass
class _Placed:
    """An input section mapped into an output section at ``base`` (file offset = address)."""
    index: int
    name: str
    data: bytearray
    out: str  # ".text" or ".rodata"
    base: int = 0


@dataclass
class _Symbol:
    name: str
    shndx: int | str
    value: int
    kind: str  # STT_FUNC, STT_OBJECT, STT_SECTION, ...
    size: int


@dataclass
class Converted:
    """The output image and what it contains (for tests and build summaries)."""
    data: bytes
    text_size: int
    rodata_size: int
    syscalls: list[str] = field(default_factory=list)
    relocations: int = 0


class _Converter:
    def __init__(self, obj: bytes, source: str):
        self.source = source
        try:
            self.elf = ELFFile(io.BytesIO(obj))
        except Exception as exc:  # pyelftools raises several types
            raise BuildError(f"{source}: not an ELF object ({exc})") from exc
        hdr = self.elf.header
        if self.elf.elfclass != 64 or not self.elf.little_endian:
            raise BuildError(f"{source}: expected a 64-bit little-endian BPF object")
        if hdr["e_machine"] not in ("EM_BPF", EM_BPF):
            raise BuildError(f"{source}: not a BPF object (machine {hdr['e_machine']})")
        if hdr["e_type"] != "ET_REL":
            raise BuildError(f"{source}: expected a relocatable object, got {hdr['e_type']}")
        self.symbols: list[_Symbol] = []
        symtab = self.elf.get_section_by_name(".symtab")
        if symtab is not None:
            for sym in symtab.iter_symbols():
                self.symbols.append(_Symbol(sym.name, sym["st_shndx"], sym["st_value"],
                                            sym["st_info"]["type"], sym["st_size"]))

    # ---- section layout -------------------------------------------------
    def _symbols_in(self, index: int) -> list[str]:
        return [s.name for s in self.symbols
                if s.shndx == index and s.kind not in ("STT_SECTION", "STT_FILE") and s.name]

    def _place_sections(self) -> tuple[list[_Placed], dict[int, _Placed]]:
        placed: list[_Placed] = []
        for index, sec in enumerate(self.elf.iter_sections()):
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            if sec["sh_size"] == 0:
                continue
            writable = flags & SH_FLAGS.SHF_WRITE
            if writable and not sec.name.startswith(".data.rel.ro"):
                names = self._symbols_in(index) or [sec.name]
                shown = ", ".join(f"`{n}`" for n in demangle(names))
                raise BuildError(
                    f"{self.source}: writable data in section {sec.name} ({shown}): SBPF v0 "
                    "programs have no writable globals (no `static mut`, no interior "
                    "mutability in statics); keep state in accounts")
            if sec["sh_type"] == "SHT_NOBITS":
                data = bytearray(sec["sh_size"])
            else:
                data = bytearray(sec.data())
            out = ".text" if flags & SH_FLAGS.SHF_EXECINSTR else ".rodata"
            placed.append(_Placed(index, sec.name, data, out))
        return placed, {p.index: p for p in placed}

    # ---- main -------------------------------------------------------------
    def convert(self) -> Converted:
        placed, by_index = self._place_sections()
        text_parts = [p for p in placed if p.out == ".text"]
        ro_parts = [p for p in placed if p.out == ".rodata"]
        if not text_parts:
            raise BuildError(f"{self.source}: no code (.text is empty)")
        sections = list(self.elf.iter_sections())

        nphdr = 4 if ro_parts else 3
        cursor = _EHDR + nphdr * _PHDR
        text_start = cursor = _align(cursor, 8)
        for part in text_parts:
            part.base = cursor = _align(cursor, 8)
            cursor += _align(len(part.data), 8)
        text = bytearray(cursor - text_start)
        text_end = cursor
        ro_start = cursor
        for part in ro_parts:
            part.base = cursor = _align(cursor, max(sections[part.index]["sh_addralign"], 1))
            cursor += len(part.data)
        ro_end = cursor

        def address(sym: _Symbol, what: str) -> int:
            if isinstance(sym.shndx, int) and sym.shndx in by_index:
                return by_index[sym.shndx].base + sym.value
            if sym.shndx == "SHN_ABS":
                return sym.value
            raise BuildError(f"{self.source}: {what} refers to `{_name(sym.name)}`, "
                             "which is not defined in the program")

        functions = self._functions(by_index)
        entry = next((s for s in self.symbols if s.name == ENTRYPOINT
                      and isinstance(s.shndx, int) and s.shndx in by_index), None)
        if entry is None:
            raise BuildError(f"{self.source}: no `{ENTRYPOINT}` function: the program must "
                             "export `#[no_mangle] pub extern \"C\" fn entrypoint`")

        syscalls: dict[str, int] = {}
        dyn_rels: list[tuple[int, int, str | None]] = []  # (offset, type, syscall name)

        for sec in sections:
            if sec["sh_type"] == "SHT_RELA" and sec["sh_info"] in by_index:
                raise BuildError(f"{self.source}: RELA relocations in {sec.name} are not BPF")
            if sec["sh_type"] != "SHT_REL" or sec["sh_info"] not in by_index:
                continue
            target = by_index[sec["sh_info"]]
            for rel in sec.iter_relocations():
                rtype = rel["r_info_type"]
                off = rel["r_offset"]
                sym = self.symbols[rel["r_info_sym"]]
                if target.out == ".text":
                    self._relocate_text(target, off, rtype, sym, address, functions,
                                        syscalls, dyn_rels)
                else:
                    self._relocate_data(target, off, rtype, sym, address)

        # copy text parts into the output text, then check every instruction
        for part in text_parts:
            start = part.base - text_start
            text[start:start + len(part.data)] = part.data
        self._check_code(text, text_start, functions)

        image = self._write(text, text_start, text_end, ro_parts, ro_start, ro_end,
                            address(entry, ENTRYPOINT), syscalls, dyn_rels, nphdr)
        return Converted(image, len(text), ro_end - ro_start, sorted(syscalls),
                         len(dyn_rels))

    def _functions(self, by_index: dict[int, _Placed]) -> list[tuple[int, int, str]]:
        """(start, end, name) of every function in output addresses, sorted."""
        out = []
        for s in self.symbols:
            if s.kind == "STT_FUNC" and isinstance(s.shndx, int) and s.shndx in by_index:
                start = by_index[s.shndx].base + s.value
                out.append((start, start + max(s.size, bpf.INSN_SIZE), s.name))
        return sorted(out)

    def _function_at(self, functions: list[tuple[int, int, str]], addr: int) -> str:
        best = None
        for start, end, name in functions:
            if start <= addr < end:
                return _name(name)
            if start <= addr:
                best = name
        return _name(best) if best else f"code at offset {addr:#x}"

    def _relocate_text(self, part, off, rtype, sym, address, functions, syscalls, dyn_rels):
        raw = part.data
        insn = bpf.Insn.decode(raw, off)
        where = part.base + off
        if rtype == R_BPF_64_64:
            if insn.opc != bpf.LDDW:
                raise BuildError(f"{self.source}: R_BPF_64_64 on a non-lddw instruction in "
                                 f"`{self._function_at(functions, where)}`")
            hi = struct.unpack_from("<I", raw, off + 12)[0]
            addend = (insn.imm & 0xFFFFFFFF) | (hi << 32)
            value = bpf.MM_PROGRAM_START + address(sym, "an address load") + addend
            struct.pack_into("<I", raw, off + 4, value & 0xFFFFFFFF)
            struct.pack_into("<I", raw, off + 12, value >> 32)
            dyn_rels.append((where, R_BPF_64_RELATIVE, None))
        elif rtype == R_BPF_64_32:
            if insn.opc != bpf.CALL:
                raise BuildError(f"{self.source}: R_BPF_64_32 on a non-call instruction in "
                                 f"`{self._function_at(functions, where)}`")
            if sym.shndx != "SHN_UNDEF":
                # implicit addend: imm = A/8 - 1 (LLVM's BPF call relocation)
                target = address(sym, "a call") + (insn.imm + 1) * bpf.INSN_SIZE
                rel = (target - where) // bpf.INSN_SIZE - 1
                if rel == -1:
                    raise BuildError(f"{self.source}: `{self._function_at(functions, where)}` "
                                     "starts with a call to itself, which SBPF v0 reads as "
                                     "an unresolved call")
                struct.pack_into("<BBhi", raw, off, bpf.CALL, 0x10, 0, rel)
            else:
                name = TRAP_ALIASES.get(sym.name, sym.name)
                if name not in SYSCALLS:
                    raise BuildError(
                        f"{self.source}: `{self._function_at(functions, where)}` calls "
                        f"`{_name(sym.name)}`, which is neither defined in the program nor a "
                        "Solana syscall")
                syscalls.setdefault(name, 0)
                struct.pack_into("<BBhi", raw, off, bpf.CALL, 0, 0, -1)
                dyn_rels.append((where, R_BPF_64_32, name))
        else:
            raise BuildError(f"{self.source}: unsupported relocation type {rtype} in "
                             f"`{self._function_at(functions, where)}`")

    def _relocate_data(self, part, off, rtype, sym, address):
        if rtype == R_BPF_64_ABS64:
            addend = struct.unpack_from("<Q", part.data, off)[0]
            value = bpf.MM_PROGRAM_START + address(sym, f"data in {part.name}") + addend
            struct.pack_into("<Q", part.data, off, value)
        elif rtype == R_BPF_64_NODYLD32:
            return
        else:
            holder = self._data_owner(part, off)
            raise BuildError(f"{self.source}: relocation type {rtype} in {part.name} "
                             f"({holder}) against `{_name(sym.name)}` cannot be expressed "
                             "in an SBPF v0 image (only 64-bit data pointers can)")

    def _data_owner(self, part: _Placed, off: int) -> str:
        for s in self.symbols:
            if s.shndx == part.index and s.value <= off < s.value + max(s.size, 1):
                return f"`{_name(s.name)}`"
        return f"offset {off:#x}"

    def _check_code(self, text: bytearray, text_start: int,
                    functions: list[tuple[int, int, str]]) -> None:
        count = len(text) // bpf.INSN_SIZE
        frame_derived: set[int] = set()
        i = 0
        while i < count:
            insn = bpf.Insn.decode(text, i * 8)
            nxt = bpf.Insn.decode(text, (i + 1) * 8) if i + 1 < count else None
            addr = text_start + i * 8
            problem = bpf.classify(insn, nxt)
            if problem is None:
                problem = self._frame_problem(insn, frame_derived)
            if problem is not None:
                raise BuildError(f"{self.source}: `{self._function_at(functions, addr)}` "
                                 f"uses {problem}, which SBPF v0 cannot run "
                                 f"(instruction {i}, opcode {insn.opc:#04x})")
            if insn.opc == bpf.CALLX:
                self._fix_callx(text, i, insn)
            if insn.opc == bpf.CALL and insn.src == 1:
                target = i + 1 + insn.imm
                if not 0 <= target < count:
                    raise BuildError(f"{self.source}: `{self._function_at(functions, addr)}` "
                                     "calls outside the program")
            if insn.opc in (bpf.CALL, bpf.CALLX, bpf.EXIT):
                frame_derived.clear()
            i += 2 if insn.opc == bpf.LDDW else 1

    @staticmethod
    def _frame_problem(insn: bpf.Insn, frame_derived: set[int]) -> str | None:
        """Frames are 4 KB in SBPF v0: refuse stack accesses below r10 - 4096.

        Tracks registers copied from r10 (``rX = r10; rX += -N``), the way LLVM
        forms addresses of stack objects."""
        limit = -bpf.FRAME_SIZE
        mem = bpf.mem_base_and_offset(insn)
        if mem is not None and mem[0] == bpf.FRAME_REG and mem[1] < limit:
            return f"a stack frame over {bpf.FRAME_SIZE} bytes (r10{mem[1]:+d})"
        if insn.cls == bpf.CLS_ALU64 or insn.cls == bpf.CLS_LDX:
            dst = insn.dst
            if insn.opc == bpf.MOV64_REG and insn.src == bpf.FRAME_REG:
                frame_derived.add(dst)
                return None
            if dst in frame_derived and insn.opc == bpf.ADD64_IMM and insn.imm < limit:
                return f"a stack frame over {bpf.FRAME_SIZE} bytes (r10{insn.imm:+d})"
            if dst in frame_derived and insn.opc == bpf.SUB64_IMM and insn.imm > -limit:
                return f"a stack frame over {bpf.FRAME_SIZE} bytes (r10-{insn.imm})"
            frame_derived.discard(dst)
        return None

    @staticmethod
    def _fix_callx(text: bytearray, i: int, insn: bpf.Insn) -> None:
        """SBPF v0 reads callx's register from the immediate; LLVM puts it in dst."""
        reg = insn.imm if insn.imm else insn.dst
        struct.pack_into("<BBhi", text, i * 8, bpf.CALLX, 0, 0, reg)

    # ---- output -------------------------------------------------------------
    def _write(self, text, text_start, text_end, ro_parts, ro_start, ro_end, entry,
               syscalls, dyn_rels, nphdr) -> bytes:
        names = sorted(syscalls)
        dynstr = bytearray(b"\0")
        str_at: dict[str, int] = {}
        for name in [ENTRYPOINT, *names]:
            str_at[name] = len(dynstr)
            dynstr += name.encode() + b"\0"
        sym_index = {name: 2 + k for k, name in enumerate(names)}

        out = bytearray(ro_end if ro_parts else text_end)
        out[text_start:text_end] = text
        for part in ro_parts:
            out[part.base:part.base + len(part.data)] = part.data

        dynamic_at = _align(len(out), 8)
        dyn_entries: list[tuple[int, int]] = []
        rel_count = sum(1 for _, t, _ in dyn_rels if t == R_BPF_64_RELATIVE)
        n_dyn = 6 + (5 if dyn_rels else 0)
        dynsym_at = dynamic_at + n_dyn * _DYN
        dynstr_at = dynsym_at + (2 + len(names)) * _SYM
        rel_at = _align(dynstr_at + len(dynstr), 8)
        rel_size = len(dyn_rels) * _REL
        if dyn_rels:
            dyn_entries += [(_DT_FLAGS, _DF_TEXTREL), (_DT_REL, rel_at), (_DT_RELSZ, rel_size),
                            (_DT_RELENT, _REL), (_DT_RELCOUNT, rel_count)]
        dyn_entries += [(_DT_SYMTAB, dynsym_at), (_DT_SYMENT, _SYM), (_DT_STRTAB, dynstr_at),
                        (_DT_STRSZ, len(dynstr))]
        if dyn_rels:
            dyn_entries.append((_DT_TEXTREL, 0))
        while len(dyn_entries) < n_dyn:
            dyn_entries.append((_DT_NULL, 0))

        out += bytes(dynamic_at - len(out))
        for tag, val in dyn_entries:
            out += struct.pack("<qQ", tag, val)
        # .dynsym: null, entrypoint, then the syscalls (undefined, value 0)
        out += bytes(_SYM)
        out += struct.pack("<IBBHQQ", str_at[ENTRYPOINT], 0x12, 0, 1, entry, 0)  # GLOBAL FUNC
        for name in names:
            out += struct.pack("<IBBHQQ", str_at[name], 0x10, 0, 0, 0, 0)  # GLOBAL NOTYPE UND
        out += dynstr
        out += bytes(rel_at - len(out))
        for offset, rtype, name in sorted(dyn_rels, key=lambda r: r[0]):
            symbol = sym_index[name] if name else 0
            out += struct.pack("<QQ", offset, (symbol << 32) | rtype)
        dyn_end = len(out)

        shnames = [".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]
        shstrtab = bytearray(b"\0")
        sh_name = {}
        for n in shnames:
            sh_name[n] = len(shstrtab)
            shstrtab += n.encode() + b"\0"
        shstr_at = len(out)
        out += shstrtab
        shoff = _align(len(out), 8)
        out += bytes(shoff - len(out))

        # section headers: (name, type, flags, addr, offset, size, link, info, align, entsize)
        shdrs = [(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
        idx = {}

        def add(name, stype, flags, off, size, link=0, info=0, align=1, entsize=0, alloc=True):
            idx[name] = len(shdrs)
            shdrs.append((sh_name[name], stype, flags, off if alloc else 0, off, size, link,
                          info, align, entsize))

        add(".text", _SHT_PROGBITS, _SHF_ALLOC | _SHF_EXECINSTR, text_start,
            text_end - text_start, align=8)
        if ro_parts:
            ro_align = max(max(self.elf.get_section(p.index)["sh_addralign"], 1) for p in ro_parts)
            add(".rodata", _SHT_PROGBITS, _SHF_ALLOC, ro_start, ro_end - ro_start, align=ro_align)
        dynsym_index = len(shdrs) + 1
        dynstr_index = len(shdrs) + 2
        add(".dynamic", _SHT_DYNAMIC, _SHF_ALLOC | _SHF_WRITE, dynamic_at, n_dyn * _DYN,
            link=dynstr_index, align=8, entsize=_DYN)
        add(".dynsym", _SHT_DYNSYM, _SHF_ALLOC, dynsym_at, (2 + len(names)) * _SYM,
            link=dynstr_index, info=1, align=8, entsize=_SYM)
        add(".dynstr", _SHT_STRTAB, _SHF_ALLOC, dynstr_at, len(dynstr))
        if dyn_rels:
            add(".rel.dyn", _SHT_REL, _SHF_ALLOC, rel_at, rel_size, link=dynsym_index,
                align=8, entsize=_REL)
        add(".shstrtab", _SHT_STRTAB, 0, shstr_at, len(shstrtab), alloc=False)
        for sh in shdrs:
            out += struct.pack("<IIQQQQIIQQ", *sh)

        # program headers: (type, flags, offset, vaddr, filesz, align)
        phdrs = [(_PT_LOAD, _PF_R | _PF_X, text_start, text_end - text_start, 8)]
        if ro_parts:
            phdrs.append((_PT_LOAD, _PF_R, ro_start, ro_end - ro_start, 8))
        phdrs.append((_PT_LOAD, _PF_R | _PF_W, dynamic_at, dyn_end - dynamic_at, 8))
        phdrs.append((_PT_DYNAMIC, _PF_R | _PF_W, dynamic_at, n_dyn * _DYN, 8))
        assert len(phdrs) == nphdr
        ph = bytearray()
        for ptype, pflags, off, size, align in phdrs:
            ph += struct.pack("<IIQQQQQQ", ptype, pflags, off, off, off, size, size, align)

        ehdr = struct.pack(
            "<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, bytes(7), _ET_DYN, EM_BPF,
            1, entry, _EHDR, shoff, 0, _EHDR, _PHDR, len(phdrs), _SHDR, len(shdrs),
            idx[".shstrtab"])
        out[0:_EHDR] = ehdr
        out[_EHDR:_EHDR + len(ph)] = ph
        return bytes(out)


def convert(obj: bytes, source: str = "program") -> Converted:
    """Convert llc's relocatable output to an SBPF v0 image, or raise BuildError."""
    return _Converter(obj, source).convert()


def convert_file(obj_path: Path, out_path: Path) -> Converted:
    """Convert ``obj_path`` and write the image to ``out_path`` only on success."""
    result = convert(obj_path.read_bytes(), obj_path.name)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(result.data)
    tmp.replace(out_path)
    return result
