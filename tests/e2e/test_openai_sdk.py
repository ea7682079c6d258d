"""The official `openai` SDK, pointed at the gateway with a gridpay API key,
works streamed and non-streamed, and its usage figures are what was billed."""

from __future__ import annotations

import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from facilitator.gateway.pricing import credits_for
from harness.stack import Stack
from localnet.solana_chain import wallet
from tests.e2e.conftest import api_key, staked

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(stack: Stack, http):  # noqa: ANN001, ANN201
    await staked(stack, "operator")
    await stack.start_node("main", "operator", price=stack.suggested_price() * 5)
    await stack.escrow.buy_credits(wallet("payer"), 100)
    key = await api_key(http, wallet("payer"))
    sdk = AsyncOpenAI(base_url=f"{stack.gateway_url}/v1", api_key=key, max_retries=0)
    yield sdk
    await sdk.close()


async def credits(stack: Stack) -> int:
    return (await stack.escrow.balance(wallet("payer").pubkey())).available


async def billed(stack: Stack, http, job_id: str) -> dict:  # noqa: ANN001
    await stack.gateway.idle()
    return (await http.get(f"/grid/jobs/{job_id}")).json()


async def test_non_streamed(stack: Stack, http, client: AsyncOpenAI) -> None:  # noqa: ANN001
    before = await credits(stack)
    completion = await client.chat.completions.create(
        model=stack.model.model, max_tokens=90,
        messages=[{"role": "user", "content": "Hello from the openai SDK"}])
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 90
    job = await billed(stack, http, completion.model_extra["gridpay"]["job"])
    assert job["completion_tokens"] == completion.usage.completion_tokens
    assert job["prompt_tokens"] == completion.usage.prompt_tokens
    assert before - await credits(stack) == job["credits_charged"] == \
        credits_for(90, job["price"])


async def test_streamed_with_usage(stack: Stack, http, client: AsyncOpenAI) -> None:  # noqa: ANN001
    before = await credits(stack)
    stream = await client.chat.completions.create(
        model=stack.model.model, max_tokens=66, stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream to me"}])
    text, usage, chunk_id = [], None, None
    async for chunk in stream:
        chunk_id = chunk.id
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
    assert chunk_id and len("".join(text)) == 66
    assert usage is not None and usage.completion_tokens == 66
    spent = before - await credits(stack)
    assert spent == credits_for(66, stack.suggested_price() * 5)


async def test_unknown_model_is_a_404_the_sdk_understands(stack: Stack, client) -> None:  # noqa: ANN001
    import openai

    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(model="no-such-model", max_tokens=5,
                                             messages=[{"role": "user", "content": "x"}])
    models = await client.models.list()
    assert [m.id for m in models.data] == [stack.model.model]
