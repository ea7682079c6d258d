"""`gridpay demo --tiny`'s scenario, played on a fresh local grid with all four
payment networks, must pass every step and every conservation check."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.gateway.pricing import credits_for
from harness.scenario import PROMPTS, play
from harness.stack import Stack

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_demo_scenario_balances_to_the_base_unit(tmp_path: Path) -> None:
    stack = await Stack(tmp_path, tiny=True, evm=True, log=lambda _m: None).up()
    try:
        report = await play(stack, lambda _m: None)
    finally:
        await stack.down()
    failed = [s.name for s in report.steps if not s.ok] + \
        [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    assert not failed, failed
    steps = {s.name: s for s in report.steps}
    # five completions billed per token: the tiny model always writes max_tokens
    chats = [s for s in report.steps if s.name.startswith("chat")]
    assert [s.tokens for s in chats] == [m for _, m, _ in PROMPTS]
    price = chats[0].extra["job"]["price"]
    assert [s.credits for s in chats] == [credits_for(m, price) for _, m, _ in PROMPTS]
    # the killed job cost nothing; the slash moved stake to the penalty vault
    assert steps["node dies mid-stream: refunded in full"].credits == 0
    slash = steps["dishonest node: overstated tokens, slashed"].balances
    assert slash[0].delta < 0 and slash[1].delta == -slash[0].delta
    # what was bought is what was spent plus what was withdrawn
    withdrawn = steps["wallet withdraws its remaining credits"].credits
    refunds_and_chats = sum(s.credits for s in chats) + \
        steps["dishonest node: overstated tokens, slashed"].credits
    assert withdrawn == 500 - refunds_and_chats
    assert {s.name.split(": ")[1] for s in report.steps if s.name.startswith("x402")} == \
        {"USDC on base", "USDm on megaeth", "USD1 on bsc", "USDC on solana"}
    assert report.ok and report.to_json()["ok"] is True
