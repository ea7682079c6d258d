"""The issue's compute budget, on the figures `gridpay bench staking` prints:
every instruction but slash spends at most 1,500 CU beyond its CPIs — the
SPL Token CPIs and, for initialize (which creates the config PDA), the
create-account floor measured in the same run."""

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
    first = [bench.FIRST_STAKE]
    budgeted = {r.name: r.beyond_cpis for r in figures.rows if r.budgeted}
    assert set(budgeted) == {"initialize", "update_config", "set_paused", *first, "stake", "request_unstake",
                             "cancel_unstake", "withdraw_unstaked"}
    over = {name: units for name, units in budgeted.items() if units > bench.BUDGET}
    assert not over, f"over {bench.BUDGET:,} CU beyond CPIs: {over}"
    # The create-account floor is subtracted exactly where an account is created.
    assert 0 < figures.create_account < 2_000
    assert {r.name for r in figures.rows if r.create_account} == {"initialize", "slash"}
    # The token-moving instructions make exactly one token CPI each.
    assert {r.name: r.units.token_cpis for r in figures.rows if r.units.token_cpis} == {
        **dict.fromkeys(first, 1), "stake": 1, "withdraw_unstaked": 1, "slash": 1}
    # Opening a position does not depend on the operator's key (no bump to
    # prove canonical), and needs no CPI but the token transfer.
    opening = next(r for r in figures.rows if r.name == bench.FIRST_STAKE)
    assert figures.first_stake_other == opening.units.total
    # Introspection is measured, and is part of slash's own units.
    slash = figures.rows[-1]
    assert 0 < figures.introspection < slash.beyond_cpis
    assert figures.transfer > 0
