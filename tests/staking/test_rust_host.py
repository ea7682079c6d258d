"""The Rust host tests of the staking and receipts crates (`cargo test`):
the pure logic, the receipt layout against the shared vectors, and the IDL
against the crate. Run here so `make test` covers them."""

from __future__ import annotations

import os
import re
import subprocess

from gridpay import ROOT
from toolchain.sbf import tools

PACKAGES = ("staking", "gridpay-receipts")


def test_cargo_test_of_staking_and_receipts() -> None:
    target = tools.target_dir() / "host"
    env = dict(os.environ, RUSTC=tools.RUSTC, RUSTDOC="/usr/bin/rustdoc", CARGO_NET_OFFLINE="true",
               CARGO_TARGET_DIR=str(target), CARGO_TERM_COLOR="never")
    # The SBF pipeline's flags must not leak into a host build.
    for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"):
        env.pop(var, None)
    cmd = [tools.CARGO, "test", *(a for p in PACKAGES for a in ("-p", p))]
    # Same lock as the differential tests' host builds: one cargo at a time in target/host.
    with tools.locked(target / "host-build.lock"):
        proc = subprocess.run(cmd, cwd=ROOT / "programs", env=env, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-20_000:]}"
    # Both crates' test binaries ran (unit tests, vectors, IDL), with tests in them.
    passed = [int(n) for n in re.findall(r"test result: ok\. (\d+) passed", output)]
    assert len(passed) >= 4 and sum(passed) > 0, output[-5_000:]
