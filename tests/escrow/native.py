"""The job_escrow instruction logic compiled for the host (the crate's `ffi`
feature), called through ctypes: the native side of the differential tests.

The library runs exactly the logic steps each processor runs, on byte
buffers the caller owns; results are the same account bytes the program
writes, and the same custom error codes."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gridpay import ROOT
from toolchain.sbf.differential import HostLibrary

CRATE = ROOT / "programs" / "job_escrow"


def build() -> Path:
    """Builds the host library with the toolchain's :class:`HostLibrary`
    (cargo is incremental: a no-op when fresh)."""
    return HostLibrary.build(CRATE, features=["ffi"]).path


_u8p = ctypes.POINTER(ctypes.c_uint8)
_u64p = ctypes.POINTER(ctypes.c_uint64)


@dataclass
class Outcome:
    """Error code (0 = success) and values the call returned."""

    code: int
    values: tuple[int, ...] = ()


class NativeEscrow:
    """Typed wrappers over the C ABI; buffers are ``bytearray``s updated in place."""

    def __init__(self, path: Path) -> None:
        lib = ctypes.CDLL(str(path))
        self._lib = lib
        u8, u16, u32, u64, i64, size = (ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32,
                                        ctypes.c_uint64, ctypes.c_int64, ctypes.c_size_t)
        lib.je_account_sizes.argtypes = [_u64p]
        lib.je_error_count.restype = u32
        lib.je_error_text.argtypes = [u32, u32, _u8p, size]
        lib.je_error_text.restype = size
        lib.je_deposit.argtypes = [_u8p, _u8p, u8, u64, u64, i64]
        lib.je_lock.argtypes = [_u8p, _u8p, _u8p, _u8p, _u8p, u64, u64, i64, i64, u8]
        lib.je_settle.argtypes = [_u8p, _u8p, u64, u16, _u64p]
        lib.je_refund.argtypes = [_u8p, _u8p, u8, i64]
        lib.je_withdraw.argtypes = [_u8p, u64, _u64p]
        for f in ("je_deposit", "je_lock", "je_settle", "je_refund", "je_withdraw"):
            getattr(lib, f).restype = u32
        sizes = (ctypes.c_uint64 * 3)()
        lib.je_account_sizes(sizes)
        self.config_len, self.credit_len, self.job_len = (int(s) for s in sizes)

    @staticmethod
    def _p(buf: bytearray) -> ctypes._Pointer:
        return ctypes.cast((ctypes.c_uint8 * len(buf)).from_buffer(buf), _u8p)

    @staticmethod
    def _k(key: bytes) -> ctypes._Pointer:
        assert len(key) == 32
        return ctypes.cast(ctypes.create_string_buffer(bytes(key), 32), _u8p)

    def errors(self) -> dict[int, tuple[str, str]]:
        """code -> (name, message), as the program defines them."""
        out = {}
        buf = bytearray(256)
        for code in range(6000, 6000 + self._lib.je_error_count()):
            texts = []
            for what in (0, 1):
                n = self._lib.je_error_text(code, what, self._p(buf), len(buf))
                texts.append(bytes(buf[:n]).decode())
            out[code] = (texts[0], texts[1])
        return out

    def deposit(self, credit: bytearray, wallet: bytes, bump: int, amount: int, min_purchase: int, now: int) -> Outcome:
        return Outcome(self._lib.je_deposit(self._p(credit), self._k(wallet), bump, amount, min_purchase, now))

    def lock(self, credit: bytearray, job: bytearray, *, credit_key: bytes, worker: bytes, rent_payer: bytes,
             job_id: int, max_credits: int, now: int, job_timeout: int, bump: int) -> Outcome:
        return Outcome(self._lib.je_lock(
            self._p(credit), self._p(job), self._k(credit_key), self._k(worker), self._k(rent_payer),
            job_id, max_credits, now, job_timeout, bump))

    def settle(self, credit: bytearray, job: bytearray, used: int, worker_bps: int) -> Outcome:
        out = (ctypes.c_uint64 * 2)()
        code = self._lib.je_settle(self._p(credit), self._p(job), used, worker_bps, out)
        return Outcome(code, (int(out[0]), int(out[1])) if code == 0 else ())

    def refund(self, credit: bytearray, job: bytearray, by_authority: bool, now: int) -> Outcome:
        return Outcome(self._lib.je_refund(self._p(credit), self._p(job), int(by_authority), now))

    def withdraw(self, credit: bytearray, credits: int) -> Outcome:
        out = (ctypes.c_uint64 * 1)()
        code = self._lib.je_withdraw(self._p(credit), credits, out)
        return Outcome(code, (int(out[0]),) if code == 0 else ())


@lru_cache(maxsize=1)
def load() -> NativeEscrow:
    return NativeEscrow(build())
