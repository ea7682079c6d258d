"""End-to-end fixtures: a local grid per test module (Solana over LiteSVM,
optionally the three anvil chains, the facilitator with the gateway, and
`gridpay node` processes serving the tiny generated model)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from solders.keypair import Keypair

from harness.scenario import create_api_key
from harness.stack import Stack
from localnet.solana_chain import wallet

SGL = 10**6
STAKE = 60_000 * SGL


async def grid(tmp: Path, *, evm: bool, **options: Any) -> Stack:
    return await Stack(tmp, tiny=True, evm=evm, log=lambda _m: None, **options).up()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory) -> AsyncIterator[Stack]:  # noqa: ANN001
    st = await grid(tmp_path_factory.mktemp("grid"), evm=False)
    try:
        yield st
    finally:
        await st.down()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=120.0) as client:
        yield client


async def api_key(http: httpx.AsyncClient, owner: Keypair) -> str:
    """An API key of ``owner``'s wallet (scope grid), made by signing the challenge."""
    return (await create_api_key(http, owner))["api_key"]


async def staked(stack: Stack, name: str, amount: int = STAKE) -> Keypair:
    op = wallet(name)
    position = await stack.staking.position(op.pubkey())
    if position is None or position.staked < amount:
        await stack.staking.stake(op, amount)
    return op


async def only_on_grid(http: httpx.AsyncClient, stack: Stack, *names: str) -> None:
    """Every node off-grid but ``names``."""
    for name, node in stack.nodes.items():
        if node.alive:
            r = await http.post(f"{node.url}/gridpay/grid", json={"on_grid": name in names})
            assert r.status_code == 200, r.text


# The gateway modules' shared grid: a main node asking five times the suggested
# price (per-token costs show in whole credits) and a payer with 500 credits.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def price(stack: Stack) -> int:
    return stack.suggested_price() * 5


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def main(stack: Stack, price: int):  # noqa: ANN201
    await staked(stack, "operator")
    return await stack.start_node("main", "operator", price=price)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def key(stack: Stack, http: httpx.AsyncClient) -> str:
    await stack.escrow.buy_credits(wallet("payer"), 500)
    return await api_key(http, wallet("payer"))


def body(stack: Stack, max_tokens: int, *, stream: bool = False, usage: bool = False,
         prompt: str = "hello") -> dict:
    out = {"model": stack.model.model, "max_tokens": max_tokens,
           "messages": [{"role": "user", "content": prompt}]}
    if stream:
        out["stream"] = True
        if usage:
            out["stream_options"] = {"include_usage": True}
    return out
