"""The Solana RPC goes away under the facilitator and gateway (a TCP proxy in
front of the validator, cut and restored; the tests read the chain directly):
nothing is charged while it is gone, a request that needs it gets 503 with
Retry-After, and every lock it stranded is refunded on-chain once it is back
(or by anyone after the escrow timeout)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import httpx
import pytest
import pytest_asyncio

from facilitator.errors import RPC_UNAVAILABLE
from facilitator.gateway.pricing import credits_for
from harness.payer import X402Payer, decode_header
from harness.scenario import stream_and_cut
from harness.stack import Stack
from localnet.solana_chain import wallet
from pyclients.solana.escrow import errors as escrow_errors
from tests.e2e.conftest import body, grid, only_on_grid, staked
from tests.facilitator.helpers import FlakyProxy

pytestmark = pytest.mark.asyncio(loop_scope="module")
USDC_PER_CREDIT = 10_000


class SolanaFront:
    """Puts a FlakyProxy between the validator and the services."""

    proxy: FlakyProxy | None = None

    async def __call__(self, url: str) -> str:
        target = urlparse(url)
        self.proxy = await FlakyProxy(target.hostname, target.port).start()
        return self.proxy.url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def front() -> SolanaFront:
    return SolanaFront()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory, front: SolanaFront) -> AsyncIterator[Stack]:  # noqa: ANN001
    st = await grid(tmp_path_factory.mktemp("grid"), evm=False, rpc_front=front)
    try:
        yield st
    finally:
        await st.down()
        assert front.proxy is not None
        await front.proxy.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rpc(stack: Stack, front: SolanaFront) -> FlakyProxy:
    assert front.proxy is not None and stack.service_rpc_url == front.proxy.url
    return front.proxy


@pytest.fixture
def restore(rpc: FlakyProxy):  # noqa: ANN201
    """The RPC is back after each test, whatever happened in it."""
    yield
    rpc.up = True


async def credits(stack: Stack) -> tuple[int, int]:
    """(available, locked) of the payer's credit account, read from the chain."""
    b = await stack.escrow.balance(wallet("payer").pubkey())
    return b.available, b.locked


async def record(http: httpx.AsyncClient, job_id: str) -> dict:
    r = await http.get(f"/grid/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def refunded(http: httpx.AsyncClient, job_id: str, timeout: float = 60.0) -> dict:
    """The job's record once the gateway's retries have refunded it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (rec := await record(http, job_id))["status"] == "refund_pending":
        assert asyncio.get_running_loop().time() < deadline, rec
        await asyncio.sleep(0.2)
    return rec


async def cut_after_lock(stack: Stack, http: httpx.AsyncClient, rpc: FlakyProxy, node, key: str,
                         tokens: int) -> httpx.Response:
    """A credits job whose lock landed, then the RPC goes away while the node serves."""
    seen = set(stack.gateway.jobs)
    os.killpg(node.process.pid, signal.SIGSTOP)  # the job waits on the node
    try:
        call = asyncio.create_task(http.post("/v1/chat/completions", json=body(stack, tokens),
                                             headers={"X-API-Key": key}))
        while not any(j.lock_tx for i, j in stack.gateway.jobs.items() if i not in seen):
            assert not call.done(), call.result().text
            await asyncio.sleep(0.02)
        rpc.down()
    finally:
        os.killpg(node.process.pid, signal.SIGCONT)
    return await call


async def test_no_chain_before_a_job_answers_503_and_locks_nothing(stack, http, rpc, main, key,
                                                                   restore) -> None:
    before = await credits(stack)
    rpc.down()
    await asyncio.sleep(stack.gateway.settings.eligibility_ttl_seconds)  # no cached stake
    for stream in (False, True):
        r = await http.post("/v1/chat/completions", json=body(stack, 20, stream=stream),
                            headers={"X-API-Key": key})
        assert r.status_code == 503, r.text
        assert r.json()["error"] == RPC_UNAVAILABLE
        assert int(r.headers["Retry-After"]) >= 1
    rpc.up = True
    assert await credits(stack) == before
    capacity = (await http.get("/grid/capacity")).json()
    assert (capacity["active_nodes"], capacity["busy"]) == (1, 0)  # no slot leaked
    r = await http.post("/v1/chat/completions", json=body(stack, 5), headers={"X-API-Key": key})
    assert r.status_code == 200, r.text


async def test_a_settlement_the_chain_cannot_take_is_refunded_once_it_is_back(
        stack, http, rpc, main, key, price, restore) -> None:
    worker = wallet("operator").pubkey()
    before, worker_before = await credits(stack), await stack.usdc(worker)
    r = await cut_after_lock(stack, http, rpc, main, key, 40)
    assert r.status_code == 200, r.text  # delivered: the answer is the user's
    job_id, lock = r.json()["gridpay"]["job"], credits_for(40, price)
    rec = await record(http, job_id)
    assert (rec["status"], rec["credits_charged"], rec["settle_tx"]) == \
        ("refund_pending", 0, None)
    # the lock is still on-chain and nothing was charged
    assert await credits(stack) == (before[0] - lock, before[1] + lock)
    assert await stack.usdc(worker) == worker_before
    rpc.up = True
    rec = await refunded(http, job_id)
    assert (rec["status"], rec["credits_charged"], rec["credits_returned"]) == \
        ("refunded", 0, lock)
    assert rec["refund_tx"] is not None
    assert await stack.escrow.job(wallet("payer").pubkey(), _escrow_id(stack, job_id)) is None
    assert await credits(stack) == before
    assert await stack.usdc(worker) == worker_before


async def test_a_node_dying_while_the_chain_is_gone_costs_nothing(stack, http, rpc, main, key,
                                                                  price, restore) -> None:
    await staked(stack, "alice")
    fragile = await stack.start_node("fragile", "alice", price=price)
    await only_on_grid(http, stack, "fragile")
    before = await credits(stack)

    def cut() -> None:
        rpc.down()
        fragile.kill()

    stream = await stream_and_cut(http, body(stack, 1900, stream=True), key, cut)
    assert stream.status == 200
    assert stream.error == "node_unreachable"
    lock = credits_for(1900, price)
    rec = await record(http, stream.job_id)
    assert (rec["status"], rec["credits_charged"]) == ("refund_pending", 0)
    assert await credits(stack) == (before[0] - lock, before[1] + lock)
    rpc.up = True
    rec = await refunded(http, stream.job_id)
    assert (rec["status"], rec["credits_returned"], rec["failure"]) == \
        ("refunded", lock, "node_unreachable")
    assert await credits(stack) == before
    await only_on_grid(http, stack, "main")


async def test_anyone_refunds_a_stranded_lock_after_the_escrow_timeout(
        stack, http, rpc, main, key, price, restore) -> None:
    bystander = wallet("alice")
    payer = wallet("payer").pubkey()
    before = await credits(stack)
    r = await cut_after_lock(stack, http, rpc, main, key, 30)
    assert r.status_code == 200, r.text
    job_id, lock = r.json()["gridpay"]["job"], credits_for(30, price)
    escrow_id = _escrow_id(stack, job_id)
    assert (await record(http, job_id))["status"] == "refund_pending"
    # before the timeout only the settlement authority may refund: nothing moves
    with pytest.raises(escrow_errors.TimeoutNotReached):
        await stack.escrow.refund_job(bystander, payer, job_id=escrow_id)
    assert await credits(stack) == (before[0] - lock, before[1] + lock)
    cfg = await stack.escrow.config(refresh=True)
    stack.solana.chain.warp(cfg.job_timeout + 1)
    await stack.escrow.refund_job(bystander, payer, job_id=escrow_id)
    assert await credits(stack) == before
    assert await stack.escrow.job(payer, escrow_id) is None
    # the gateway, reconnected, finds the lock gone and closes its record
    rpc.up = True
    rec = await refunded(http, job_id)
    assert (rec["status"], rec["credits_charged"], rec["credits_returned"], rec["refund_tx"]) == \
        ("refunded", 0, lock, None)
    assert await credits(stack) == before


async def test_x402_on_solana_without_its_rpc_answers_503_and_takes_nothing(
        stack, http, rpc, main, price, restore) -> None:
    """The facilitator cannot reach its chain: the signed payment is neither
    verified nor settled; the same payment goes through once the chain is back."""
    bob = wallet("bob")
    first = await http.post("/v1/chat/completions", json=body(stack, 25))
    assert first.status_code == 402
    offer = next(a for a in first.json()["accepts"] if a["network"].startswith("solana:"))
    header = await X402Payer(None, stack.solana.url).sign(offer, bob)  # the payer's own RPC
    paid = int(offer["amount"])
    assert paid == credits_for(25, price) * USDC_PER_CREDIT
    usdc_before = await stack.usdc(bob.pubkey())
    rpc.down()
    r = await http.post("/v1/chat/completions", json=body(stack, 25),
                        headers={"PAYMENT-SIGNATURE": header})
    assert r.status_code == 503, r.text
    assert r.json()["error"] == RPC_UNAVAILABLE and int(r.headers["Retry-After"]) >= 1
    assert await stack.usdc(bob.pubkey()) == usdc_before
    rpc.up = True
    r = await http.post("/v1/chat/completions", json=body(stack, 25),
                        headers={"PAYMENT-SIGNATURE": header})
    assert r.status_code == 200, r.text
    settlement = decode_header(r.headers["PAYMENT-RESPONSE"])
    assert settlement["success"] is True and settlement["payer"] == str(bob.pubkey())
    assert await stack.usdc(bob.pubkey()) == usdc_before - paid


def _escrow_id(stack: Stack, job_id: str) -> int:
    return stack.gateway.jobs[job_id].escrow_id
