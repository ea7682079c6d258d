"""Program-derived addresses and the seed encodings programs use."""

from __future__ import annotations

import struct
from collections.abc import Sequence

from solders.pubkey import Pubkey

_U64 = struct.Struct("<Q")


def u64_seed(value: int) -> bytes:
    """An unsigned 64-bit seed, little-endian (as ``u64::to_le_bytes``)."""
    if not 0 <= value < 2**64:
        raise ValueError(f"{value} does not fit a u64 seed")
    return _U64.pack(value)


def find_pda(seeds: Sequence[bytes | Pubkey], program_id: Pubkey) -> tuple[Pubkey, int]:
    """The canonical PDA of ``seeds`` and its bump."""
    return Pubkey.find_program_address([bytes(s) for s in seeds], program_id)
