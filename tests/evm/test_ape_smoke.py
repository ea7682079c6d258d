"""`make ape` keeps working: ape's own virtualenv compiles the contracts with the
project's solc wrapper and runs its smoke tests on anvil."""

from __future__ import annotations

import os
import subprocess

from gridpay import ROOT


def test_make_ape_runs_the_smoke_tests_on_anvil():
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run(
        ["make", "--no-print-directory", "ape"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "3 passed" in out, out[-4000:]
