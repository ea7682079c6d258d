"""The programs workspace's own Rust tests (SDK parser and helpers, example
instructions through the host input builder, ...) run natively on the host
inside `make test`, with Debian's toolchain and no network.

staking and gridpay-receipts have their own test (tests/staking).
"""

from __future__ import annotations

import os
import re
import subprocess

from gridpay import ROOT
from toolchain.sbf import tools

PROGRAMS = ROOT / "programs"
EXCLUDED = ("staking", "gridpay-receipts")
SUMMARY = re.compile(r"^test result: (\w+)\. (\d+) passed; (\d+) failed;", re.MULTILINE)


def cargo_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RUSTC=tools.RUSTC, RUSTDOC="/usr/bin/rustdoc", CARGO_NET_OFFLINE="true",
               CARGO_TARGET_DIR=str(ROOT / "target" / "host"))
    env.pop("RUSTFLAGS", None)  # a stray flag would also rebuild the shared target dir
    return subprocess.run([tools.CARGO, "test", *args], cwd=PROGRAMS, env=env,
                          capture_output=True, text=True, timeout=1800)


def test_workspace_host_tests_pass() -> None:
    excludes = [arg for crate in EXCLUDED for arg in ("--exclude", crate)]
    result = cargo_test("--workspace", *excludes)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"cargo test failed ({result.returncode}):\n{output[-20_000:]}"

    summaries = SUMMARY.findall(output)
    assert summaries, f"no test summary in cargo's output:\n{output[-20_000:]}"
    failed = sum(int(f) for _, _, f in summaries)
    passed = sum(int(p) for _, p, _ in summaries)
    assert failed == 0 and all(status == "ok" for status, _, _ in summaries), output[-20_000:]
    assert passed >= 1, output[-20_000:]
