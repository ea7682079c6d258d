"""The issue's compute budget, on the figures `gridpay bench staking` prints:
every instruction but slash (and the two that create an account: initialize
and a position's first stake) spends at most 1,500 CU beyond its SPL Token
CPIs."""

from __future__ import annotations

from pathlib import Path

from bench import staking as bench


async def test_budget_beyond_token_cpis(staking_so: Path) -> None:
    figures = await bench.measure(staking_so)
    names = [r.name for r in figures.rows]
    assert names[:3] == ["initialize", "update_config", "set_paused"] and names[-1] == "slash"
    budgeted = {r.name: r.units.beyond_token for r in figures.rows if r.budgeted}
    assert set(budgeted) == {"update_config", "set_paused", "stake", "request_unstake", "cancel_unstake",
                             "withdraw_unstaked"}
    over = {name: units for name, units in budgeted.items() if units > bench.BUDGET}
    assert not over, f"over {bench.BUDGET:,} CU beyond token CPIs: {over}"
    # The token-moving instructions make exactly one token CPI each.
    assert {r.name: r.units.token_cpis for r in figures.rows if r.units.token_cpis} == {
        "stake (first: opens the position)": 1, "stake": 1, "withdraw_unstaked": 1, "slash": 1}
    # Introspection is measured, and is part of slash's own units.
    slash = figures.rows[-1].units
    assert 0 < figures.introspection < slash.beyond_token
    assert figures.transfer > 0
