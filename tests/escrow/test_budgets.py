"""Compute-unit budgets, asserted on units measured in LiteSVM.

"Overhead" is what job_escrow spends beyond the CPI it has to make, measured
against a baseline program in the same run (``cpi_floor``: the same SDK CPI
call and nothing else — entrypoint, CPI set-up, the runtime's 1,000-CU
invoke charge, the callee). The measurement lives in ``bench/escrow.py``
(``gridpay bench escrow`` prints the same rows):

| instruction | budget |
|---|---|
| deposit, withdraw, settle_job | overhead ≤ 1,000 beyond one TransferChecked |
| settle_jobs | overhead ≤ 1,000 per job beyond its TransferChecked |
| refund_job | ≤ 1,500 in total |
| lock_job | overhead ≤ 1,500 beyond creating the job account |

lock_job cannot fit 1,500 CU in total while it creates the job PDA: the
System Program CPI alone (1,000 invoke + 150 system + rent sysvar) is about
1,450 CU, so its budget applies to the total minus that creation. The table
is rewritten to ``programs/job_escrow/CU.md`` when its figures change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.escrow import FLOOR_CRATE, measure, table
from gridpay import ROOT
from tests.escrow.harness import Env

CU_MD = ROOT / "programs" / "job_escrow" / "CU.md"


@pytest.fixture(scope="module")
def floor_so(tmp_path_factory) -> Path:
    from toolchain.sbf import build_program

    return build_program(FLOOR_CRATE, target=tmp_path_factory.mktemp("floor-target"), anchor_toml=None)


async def test_compute_unit_budgets(env: Env, escrow_so: Path, floor_so: Path) -> None:
    figures = await measure(escrow_so, floor_so, env)
    _write(figures)
    for r in figures.rows:
        env.cu.setdefault(r.name, []).append(r.units)
        assert r.overhead <= r.budget, f"{r.name}: {r.units} CU, {r.overhead} beyond its CPI (budget {r.budget})"
    # Batching pays the fixed part once: cheaper per job than one settle_job.
    assert figures.settle_batch_per_job < figures.settle_single


def _write(figures) -> None:  # noqa: ANN001
    text = "\n".join([
        "# job_escrow compute units",
        "",
        "Rewritten by `tests/escrow/test_budgets.py` (and printed by `gridpay bench",
        "escrow`): measured in LiteSVM on the SBF build. *CPI floor* is the",
        "`cpi_floor` program making the same CPI and nothing else (SPL Token",
        "`TransferChecked`: about 6,200 CU of its own plus the 1,000 CU invoke",
        "charge; for `lock_job`, creating the job account). The last column is",
        "solana-program/escrow's published figures (docs/CU_BENCHMARKS.md) for the",
        "closest instruction; those do more (receipts, hooks, event CPIs).",
        "",
        *table(figures),
        "",
        f"First deposit (creates the credit account): {figures.first_deposit:,} CU for the test wallet;",
        "`find_program_address` adds 1,500 CU for every bump it tries before the canonical one.",
        "",
    ])
    if not CU_MD.exists() or CU_MD.read_text() != text:
        CU_MD.write_text(text)
