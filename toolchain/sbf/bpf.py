"""eBPF instruction encoding and the subset SBPF v0 executes.

The Solana loader (anza-xyz/sbpf, ``src/verifier.rs`` and ``src/interpreter.rs``)
runs a dialect of eBPF: 64-bit ALU and jumps, 32-bit *sign-extending* ALU
(unlike eBPF's zero-extension, so LLVM's alu32 code would silently miscompute),
no 32-bit jumps, no atomics, none of the eBPF v4 additions. The converter
checks every instruction against :func:`classify` and refuses the rest.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

INSN_SIZE = 8
#: Where SBPF v0 maps the program's read-only image (.text and .rodata).
MM_PROGRAM_START = 0x1_0000_0000
#: Each SBPF v0 call frame has this many bytes of stack below r10.
FRAME_SIZE = 4096
FRAME_REG = 10

# instruction classes (low three bits of the opcode)
CLS_LD, CLS_LDX, CLS_ST, CLS_STX, CLS_ALU, CLS_JMP, CLS_JMP32, CLS_ALU64 = range(8)

LDDW = 0x18
CALL = 0x85
CALLX = 0x8D
EXIT = 0x95
MOV64_REG = 0xBF
ADD64_IMM = 0x07
SUB64_IMM = 0x17
LE = 0xD4
BE = 0xDC

# memory access modes (bits 5..7) for LDX/ST/STX
MODE_MEM = 0x60
MODE_MEMSX = 0x80  # v4 sign-extending loads
MODE_ATOMIC = 0xC0

# ALU operations (bits 4..7) valid for SBPF v0 in the ALU64 class.
_ALU_OPS = {
    0x00: "add", 0x10: "sub", 0x20: "mul", 0x30: "div", 0x40: "or", 0x50: "and",
    0x60: "lsh", 0x70: "rsh", 0x80: "neg", 0x90: "mod", 0xA0: "xor", 0xB0: "mov",
    0xC0: "arsh",
}
# jump operations (bits 4..7) valid in the JMP class (besides call/exit).
_JMP_OPS = {
    0x00: "ja", 0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset", 0x50: "jne",
    0x60: "jsgt", 0x70: "jsge", 0xA0: "jlt", 0xB0: "jle", 0xC0: "jslt", 0xD0: "jsle",
}
_SIZES = {0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8}


@dataclass(frozen=True)
class Insn:
    opc: int
    dst: int
    src: int
    off: int
    imm: int

    @classmethod
    def decode(cls, raw: bytes, at: int = 0) -> Insn:
        opc, regs, off, imm = struct.unpack_from("<BBhi", raw, at)
        return cls(opc, regs & 0x0F, regs >> 4, off, imm)

    def encode(self) -> bytes:
        return struct.pack("<BBhi", self.opc, (self.src << 4) | self.dst, self.off, self.imm)

    @property
    def cls(self) -> int:
        return self.opc & 0x07


def classify(insn: Insn, next_insn: Insn | None) -> str | None:
    """Why SBPF v0 cannot run ``insn``, or None when it can.

    ``next_insn`` is the following slot (the second half of an lddw)."""
    opc, cls = insn.opc, insn.cls
    if cls == CLS_JMP32:
        if opc == 0x06:
            return "gotol (eBPF v4 long jump)"
        return "JMP32 (32-bit conditional jump)"
    if cls == CLS_ALU:
        if opc in (LE, BE) and insn.off == 0:
            return None if insn.imm in (16, 32, 64) else f"byte swap of width {insn.imm}"
        if opc == 0xD7:
            return "bswap (eBPF v4)"
        return "ALU32 (32-bit arithmetic: SBPF v0 sign-extends where eBPF zero-extends)"
    if cls == CLS_ALU64:
        if opc == 0xD7:
            return "bswap (eBPF v4)"
        op = opc & 0xF0
        if op not in _ALU_OPS:
            return f"unknown ALU64 opcode {opc:#04x}"
        if insn.off != 0:
            return "signed div/mod or movsx (eBPF v4)"
        if op == 0x80 and opc & 0x08:
            return f"unknown ALU64 opcode {opc:#04x}"
        if op in (0x30, 0x90) and not opc & 0x08 and insn.imm == 0:
            return "division by a zero immediate"
        if op in (0x60, 0x70, 0xC0) and not opc & 0x08 and not 0 <= insn.imm < 64:
            return f"shift by {insn.imm}"
        return None
    if cls == CLS_LD:
        if opc == LDDW:
            if next_insn is None or next_insn.opc != 0:
                return "incomplete lddw"
            return None
        return f"legacy packet load opcode {opc:#04x}"
    if cls in (CLS_LDX, CLS_ST, CLS_STX):
        mode = opc & 0xE0
        if mode == MODE_ATOMIC:
            return "atomic memory operation"
        if mode == MODE_MEMSX:
            return "sign-extending load (eBPF v4)"
        if mode != MODE_MEM or (opc & 0x18) not in _SIZES:
            return f"unknown memory opcode {opc:#04x}"
        return None
    # CLS_JMP
    if opc in (CALL, EXIT, CALLX):
        return None
    op = opc & 0xF0
    if op not in _JMP_OPS or (op == 0x00 and opc != 0x05):
        return f"unknown jump opcode {opc:#04x}"
    return None


def mem_base_and_offset(insn: Insn) -> tuple[int, int] | None:
    """(base register, offset) of a load or store, else None."""
    cls = insn.cls
    if cls == CLS_LDX:
        return insn.src, insn.off
    if cls in (CLS_ST, CLS_STX):
        return insn.dst, insn.off
    return None
