"""Fixtures: the job_escrow SBF build, a fresh deployment per test, and the
compute-unit table the happy-path tests fill."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from statistics import mean

import pytest

from gridpay import ROOT
from tests.escrow.harness import Env, make_env

CRATE = ROOT / "programs" / "job_escrow"
CU_JSON = ROOT / "target" / "escrow" / "compute-units.json"


@pytest.fixture(scope="session")
def escrow_so() -> Path:
    """target/deploy/job_escrow.so, built (incrementally) by toolchain/sbf."""
    from toolchain.sbf import build_program

    return build_program(CRATE)


@pytest.fixture(scope="session")
def cu_table() -> dict[str, list[int]]:
    """Compute units per instruction label, written to
    target/escrow/compute-units.json (best/avg/worst) when the session ends;
    `gridpay bench escrow` and programs/job_escrow/CU.md read the same
    measurements."""
    table: dict[str, list[int]] = {}
    yield table
    if table:
        CU_JSON.parent.mkdir(parents=True, exist_ok=True)
        rows = {k: {"best": min(v), "avg": round(mean(v)), "worst": max(v), "count": len(v)}
                for k, v in sorted(table.items())}
        CU_JSON.write_text(json.dumps(rows, indent=2) + "\n")


@pytest.fixture
async def env(escrow_so: Path, cu_table: dict[str, list[int]]) -> AsyncIterator[Env]:
    e = await make_env(escrow_so)
    yield e
    for label, units in e.cu.items():
        cu_table.setdefault(label, []).extend(units)
