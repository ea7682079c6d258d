"""Differential testing: the same Rust, run natively and as an SBF program.

The pass plugin rewrites arithmetic before instruction selection; a mistake
there would not crash, it would compute a different number. So program logic
is built twice from one source — for the host as a cdylib loaded with ctypes,
and through this toolchain as a program run in LiteSVM — fed the same inputs,
and the outputs compared byte for byte.

Pieces, usable on their own:

- :class:`HostLibrary` builds a crate for the host (``cargo build --lib``,
  optional features such as an ``ffi`` C ABI) and loads it with ctypes;
- :class:`SbfProgram` loads a built ``.so`` into LiteSVM and invokes it,
  returning return data, logs and compute units;
- :class:`Differential` runs a request through both and raises
  :class:`Mismatch` showing the request when they disagree.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.errors import BuildError
from toolchain.sbf import tools
from toolchain.sbf.build import Crate


class HostLibrary:
    """A crate's host build (cdylib) opened with ctypes."""

    def __init__(self, path: Path):
        self.path = path
        self.lib = ctypes.CDLL(str(path))

    @classmethod
    def build(cls, crate_dir: Path | str, *, features: Sequence[str] = (),
              target: Path | None = None) -> HostLibrary:
        crate = Crate.read(Path(crate_dir))
        if "cdylib" not in crate.crate_types:
            raise BuildError(f"{crate.dir}: a host library needs crate-type cdylib")
        cargo_target = (target or tools.target_dir()) / "host"
        env = dict(os.environ, RUSTC=tools.RUSTC, CARGO_TARGET_DIR=str(cargo_target),
                   CARGO_NET_OFFLINE="true", CARGO_TERM_COLOR="never")
        for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"):
            env.pop(var, None)
        cmd = [tools.CARGO, "build", "--release", "--lib",
               "--manifest-path", str(crate.dir / "Cargo.toml")]
        if features:
            cmd += ["--features", ",".join(features)]
        with tools.locked(cargo_target / "host-build.lock"):
            tools.run(cmd, f"host build of {crate.package}", env=env)
        return cls(cargo_target / "release" / f"lib{crate.lib_name}.so")

    def buffer_function(self, name: str, capacity: int = 4096) -> Callable[[bytes], bytes | None]:
        """Wrap ``extern "C" fn(input, len, out, cap) -> i64`` (reply length, < 0 on error)."""
        fn = getattr(self.lib, name)
        fn.restype = ctypes.c_int64
        fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]

        def call(request: bytes) -> bytes | None:
            out = ctypes.create_string_buffer(capacity)
            n = fn(request, len(request), out, capacity)
            return None if n < 0 else out.raw[:n]

        return call


@dataclass
class Outcome:
    """One program invocation in LiteSVM."""
    ok: bool
    return_data: bytes
    compute_units: int
    logs: list[str] = field(default_factory=list)
    error: str | None = None


class SbfProgram:
    """A program in LiteSVM: loaded from ``so_path`` with ``add_program``, or,
    without it, one already deployed at ``program_id`` (e.g. through loader v3)."""

    def __init__(self, so_path: Path | str | None = None, *, svm=None, program_id=None,
                 payer=None):
        from solders.keypair import Keypair
        from solders.litesvm import LiteSVM

        self.svm = svm if svm is not None else LiteSVM()
        self.program_id = program_id or Keypair().pubkey()
        if so_path is not None:
            self.svm.add_program(self.program_id, Path(so_path).read_bytes())
        self.payer = payer or Keypair()
        if payer is None:
            self.svm.airdrop(self.payer.pubkey(), 10_000_000_000)

    def invoke(self, data: bytes, accounts: Sequence = (), signers: Sequence = (), *,
               simulate: bool = True, compute_limit: int | None = None) -> Outcome:
        """Run one instruction. ``simulate`` leaves no state behind (and lets the
        same request run twice); otherwise the transaction is committed."""
        from solders.compute_budget import set_compute_unit_limit
        from solders.instruction import Instruction
        from solders.transaction_metadata import FailedTransactionMetadata
        from solders.transaction import Transaction

        ixs = [Instruction(self.program_id, bytes(data), list(accounts))]
        if compute_limit is not None:
            ixs.insert(0, set_compute_unit_limit(compute_limit))
        if not simulate:
            self.svm.expire_blockhash()
        tx = Transaction.new_signed_with_payer(ixs, self.payer.pubkey(), [self.payer, *signers],
                                               self.svm.latest_blockhash())
        result = self.svm.simulate_transaction(tx) if simulate else self.svm.send_transaction(tx)
        if isinstance(result, FailedTransactionMetadata):
            meta = result.meta()
            return Outcome(False, bytes(meta.return_data().data), meta.compute_units_consumed(),
                           list(meta.logs()), str(result.err()))
        meta = result.meta() if simulate else result
        return Outcome(True, bytes(meta.return_data().data), meta.compute_units_consumed(),
                       list(meta.logs()))


class Mismatch(AssertionError):
    """Native and SBF results differ for one request."""


@dataclass
class Differential:
    """Compares ``native(request)`` with the program's reply to ``request``.

    ``native`` returns the expected reply bytes, or None when the request must
    fail; the program replies through ``sol_set_return_data``."""
    native: Callable[[bytes], bytes | None]
    program: SbfProgram
    #: compute units of every successful run, for CU reports
    compute_units: list[int] = field(default_factory=list, repr=False)

    def check(self, request: bytes) -> bytes | None:
        expected = self.native(request)
        outcome = self.program.invoke(request)
        if outcome.ok:
            self.compute_units.append(outcome.compute_units)
        got = outcome.return_data if outcome.ok else None
        if got != expected:
            detail = "\n".join(outcome.logs[-5:])
            raise Mismatch(
                f"request {request.hex()}:\n  native {expected.hex() if expected else expected}"
                f"\n  sbf    {got.hex() if got else got}"
                + (f" ({outcome.error})" if outcome.error else "") + f"\n{detail}")
        return got
