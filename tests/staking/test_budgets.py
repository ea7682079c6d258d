"""The issue's compute budget, on the figures `gridpay bench staking` prints:
every instruction but slash spends at most 1,500 CU beyond its CPIs — the
SPL Token CPIs and, for the two that create an account (initialize and a
position's first stake), the create-account floor measured in the same run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import staking as bench


@pytest.fixture(scope="module")
def floor_so() -> Path:
    return bench.build_floor()


async def test_budget_beyond_cpis(staking_so: Path, floor_so: Path) -> None:
    figures = await bench.measure(staking_so, floor_so)
    names = [r.name for r in figures.rows]
    assert names[:3] == ["initialize", "update_config", "set_paused"] and names[-1] == "slash"
    first = ["stake (first: opens the position, bump 255)", "stake (first: opens the position, bump 254)"]
    budgeted = {r.name: r.beyond_cpis for r in figures.rows if r.budgeted}
    assert set(budgeted) == {"initialize", "update_config", "set_paused", *first, "stake", "request_unstake",
                             "cancel_unstake", "withdraw_unstaked"}
    over = {name: units for name, units in budgeted.items() if units > bench.BUDGET}
    assert not over, f"over {bench.BUDGET:,} CU beyond CPIs: {over}"
    # The create-account floor is subtracted exactly where an account is created.
    assert 0 < figures.create_account < 2_000
    assert {r.name for r in figures.rows if r.create_account} == {"initialize", *first, "slash"}
    # The token-moving instructions make exactly one token CPI each.
    assert {r.name: r.units.token_cpis for r in figures.rows if r.units.token_cpis} == {
        **dict.fromkeys(first, 1), "stake": 1, "withdraw_unstaked": 1, "slash": 1}
    # One bump above the canonical one costs a hash and an on-curve test, no
    # PDA search (1,500 CU per bump tried).
    assert 159 < figures.per_bump < 400
    # Introspection is measured, and is part of slash's own units.
    slash = figures.rows[-1]
    assert 0 < figures.introspection < slash.beyond_cpis
    assert figures.transfer > 0
