"""The gateway on a live local grid (tiny model: every reply is exactly
``max_tokens`` long): per-token billing through job_escrow, refunds on every
kind of failure, routing rules, node registration, x402 per call on Solana."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time

import httpx
import pytest

from facilitator.credits.escrow import CHUNK_JOB_TAG
from facilitator.gateway.pricing import credits_for
from facilitator.gateway.protocol import REGISTRATION_DOMAIN, sign_document
from harness.payer import X402Payer, decode_header
from harness.scenario import stream_and_cut
from harness.stack import GATEWAY_KEY, TREASURY, Stack
from localnet.solana_chain import wallet
from tests.e2e.conftest import api_key, body, only_on_grid, staked

pytestmark = pytest.mark.asyncio(loop_scope="module")
USDC_PER_CREDIT = 10_000


async def available(stack: Stack) -> int:
    return (await stack.escrow.balance(wallet("payer").pubkey())).available


async def job(stack: Stack, http: httpx.AsyncClient, job_id: str) -> dict:
    await stack.gateway.idle()
    r = await http.get(f"/grid/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def test_credits_are_billed_per_delivered_token(stack, http, main, key, price) -> None:
    operator = wallet("operator").pubkey()
    before, worker_before = await available(stack), await stack.usdc(operator)
    r = await http.post("/v1/chat/completions", json=body(stack, 123),
                        headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["usage"]["completion_tokens"] == 123
    assert len(answer["choices"][0]["message"]["content"]) == 123  # one character per token
    record = await job(stack, http, answer["gridpay"]["job"])
    cost = credits_for(123, price)  # 123 × 20,000 µcr = 2.46 → 3 credits
    assert (record["status"], record["source"], record["credits_charged"]) == \
        ("settled", "escrow", cost)
    assert record["receipt_check"] == "ok"
    assert before - await available(stack) == cost
    assert await stack.usdc(operator) - worker_before == record["worker_amount"] \
        == cost * USDC_PER_CREDIT * 8_000 // 10_000
    # the job's escrow account is closed once settled
    assert await stack.escrow.job(wallet("payer").pubkey(),
                                  int.from_bytes(bytes.fromhex(record["id"])[:8], "little")) is None


async def test_a_stream_reports_the_usage_it_bills(stack, http, main, key, price) -> None:
    before = await available(stack)
    content, usage = [], None
    async with http.stream("POST", "/v1/chat/completions",
                           json=body(stack, 77, stream=True, usage=True),
                           headers={"X-API-Key": key}) as r:
        assert r.status_code == 200
        job_id = r.headers["X-Gridpay-Job"]
        async for line in r.aiter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                chunk = json.loads(line[5:])
                if chunk.get("usage"):
                    usage = chunk["usage"]
                for c in chunk["choices"]:
                    content.append(c["delta"].get("content") or "")
    record = await job(stack, http, job_id)
    assert len("".join(content)) == 77
    assert usage["completion_tokens"] == record["completion_tokens"] == 77
    assert usage["prompt_tokens"] == record["prompt_tokens"] > 0
    assert before - await available(stack) == record["credits_charged"] == credits_for(77, price)


async def test_a_node_killed_mid_stream_costs_nothing(stack, http, main, key, price) -> None:
    await staked(stack, "alice")
    fragile = await stack.start_node("fragile", "alice", price=price)
    await only_on_grid(http, stack, "fragile")
    before = await available(stack)
    cut = await stream_and_cut(http, body(stack, 1900, stream=True), key, fragile.kill)
    record = await job(stack, http, cut.job_id)
    assert cut.error == "node_unreachable"
    assert (record["status"], record["credits_charged"], record["credits_returned"]) == \
        ("refunded", 0, credits_for(1900, price))
    assert record["refund_tx"] is not None
    assert await available(stack) == before
    providers = {p["operator"]: p for p in (await http.get("/v1/providers")).json()["data"]}
    assert providers[str(wallet("alice").pubkey())]["eligible"] is False  # out of rotation
    await only_on_grid(http, stack, "main")


async def test_a_node_silent_past_the_timeout_costs_nothing(stack, http, main, key, price
                                                            ) -> None:
    await staked(stack, "bob")
    sleepy = await stack.start_node("sleepy", "bob", price=price)
    await only_on_grid(http, stack, "sleepy")
    relay = stack.gateway.relay
    saved = relay.idle, relay.total
    relay.idle, relay.total = 1.0, 2.0
    before = await available(stack)
    os.killpg(sleepy.process.pid, signal.SIGSTOP)
    try:
        r = await http.post("/v1/chat/completions", json=body(stack, 50),
                            headers={"X-API-Key": key})
    finally:
        os.killpg(sleepy.process.pid, signal.SIGCONT)
        relay.idle, relay.total = saved
    assert r.status_code == 504 and r.json()["error"] == "timeout", r.text
    record = await job(stack, http, r.headers["X-Gridpay-Job"])
    assert record["status"] == "refunded" and record["failure"] == "timeout"
    assert await available(stack) == before
    await only_on_grid(http, stack, "main")


async def test_a_node_without_stake_is_never_routed_to(stack, http, main, key, price) -> None:
    await stack.start_node("unstaked", "facilitator", price=price)  # registered, no SGL staked
    await only_on_grid(http, stack, "unstaked")
    providers = {p["operator"]: p for p in (await http.get("/v1/providers")).json()["data"]}
    unstaked = providers[str(wallet("facilitator").pubkey())]
    assert (unstaked["stake_status"], unstaked["eligible"]) == ("no_stake", False)
    before = await available(stack)
    r = await http.post("/v1/chat/completions", json=body(stack, 10),
                        headers={"X-API-Key": key})
    assert r.status_code == 503 and r.json()["error"] == "no_eligible_node"
    assert int(r.headers["Retry-After"]) >= 1
    assert (await http.get("/grid/capacity")).json()["active_nodes"] == 0
    assert await available(stack) == before
    await only_on_grid(http, stack, "main")


async def test_a_busy_grid_answers_429_with_retry_after(stack, http, main, key) -> None:
    capacity = (await http.get("/grid/capacity")).json()
    assert capacity["active_nodes"] == 1 and capacity["slots"] == 1
    os.killpg(main.process.pid, signal.SIGSTOP)  # the one slot stays taken
    try:
        first = asyncio.create_task(http.post("/v1/chat/completions", json=body(stack, 20),
                                              headers={"X-API-Key": key}))
        while not (await http.get("/grid/capacity")).json()["at_capacity"]:
            await asyncio.sleep(0.05)
        r = await http.post("/v1/chat/completions", json=body(stack, 5),
                            headers={"X-API-Key": key})
    finally:
        os.killpg(main.process.pid, signal.SIGCONT)
    assert r.status_code == 429 and r.json()["error"] == "at_capacity", r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert (await first).status_code == 200


async def test_a_node_registering_again_mid_job_keeps_its_slot_count(stack, http, main, key,
                                                                     price) -> None:
    op = wallet("operator")
    heartbeat = {"operator": str(op.pubkey()), "url": main.url, "max_concurrent": 1,
                 "models": [{"id": stack.model.model, "sha256": stack.model.sha256,
                             "price": price}], "on_grid": True}
    os.killpg(main.process.pid, signal.SIGSTOP)
    try:
        first = asyncio.create_task(http.post("/v1/chat/completions", json=body(stack, 20),
                                              headers={"X-API-Key": key}))
        while not (await http.get("/grid/capacity")).json()["at_capacity"]:
            await asyncio.sleep(0.05)
        # the node's heartbeat arrives while its job is in flight
        r = await http.post("/grid/nodes", json=sign_document(
            REGISTRATION_DOMAIN, heartbeat | {"timestamp": int(time.time())}, op))
        assert r.status_code == 200, r.text
    finally:
        os.killpg(main.process.pid, signal.SIGCONT)
    assert (await first).status_code == 200
    capacity = (await http.get("/grid/capacity")).json()
    assert (capacity["busy"], capacity["at_capacity"]) == (0, False)


@pytest.mark.parametrize("change, code", [
    ({"price": 1}, "price_out_of_band"),
    ({"price": 10**9}, "price_out_of_band"),
    ({"sha256": "00" * 32}, "model_not_attested"),
    ({"id": "gpt-5"}, "model_not_attested"),
])
async def test_registrations_outside_the_rules_are_refused(stack, http, change, code) -> None:
    op = wallet("alice")
    model = {"id": stack.model.model, "sha256": stack.model.sha256,
             "price": stack.suggested_price()} | change
    doc = {"operator": str(op.pubkey()), "url": "http://127.0.0.1:9", "models": [model],
           "max_concurrent": 1, "on_grid": True, "timestamp": int(time.time())}
    r = await http.post("/grid/nodes", json=sign_document(REGISTRATION_DOMAIN, doc, op))
    assert r.status_code == 400 and r.json()["error"] == code, r.text


async def test_a_registration_signed_by_another_key_is_refused(stack, http) -> None:
    doc = {"operator": str(wallet("operator").pubkey()), "url": "http://127.0.0.1:9",
           "models": [{"id": stack.model.model, "sha256": stack.model.sha256,
                       "price": stack.suggested_price()}], "timestamp": int(time.time())}
    r = await http.post("/grid/nodes", json=sign_document(REGISTRATION_DOMAIN, doc,
                                                          wallet("bob")))
    assert r.status_code == 400 and r.json()["error"] == "invalid_signature"


async def test_a_key_without_credits_gets_the_x402_challenge(stack, http, main) -> None:
    key = await api_key(http, wallet("bob"))  # bob never bought credits
    r = await http.post("/v1/chat/completions", json=body(stack, 10), headers={"X-API-Key": key})
    assert r.status_code == 402
    challenge = r.json()
    assert challenge["error"].startswith("insufficient_credits")
    assert challenge["purchaseUrl"] == "/compute/credits/topup"
    assert decode_header(r.headers["PAYMENT-REQUIRED"])["accepts"] == challenge["accepts"]


async def test_x402_per_call_on_solana_returns_the_unused_part_as_credits(
        stack, http, main, price) -> None:
    payer = X402Payer(None, stack.solana.url)
    alice = wallet("alice")
    first = await http.post("/v1/chat/completions", json=body(stack, 60))
    assert first.status_code == 402
    offer = next(a for a in first.json()["accepts"] if a["network"].startswith("solana:"))
    quote = credits_for(60, price)
    assert (int(offer["amount"]), offer["payTo"]) == (quote * USDC_PER_CREDIT,
                                                      str(TREASURY.pubkey()))
    # pay two credits more than the quote: they come back as credits
    paid = dict(offer, amount=str((quote + 2) * USDC_PER_CREDIT))
    before = (await stack.usdc(alice.pubkey()), await stack.usdc(TREASURY.pubkey()))
    header = await payer.sign(paid, alice)
    r = await http.post("/v1/chat/completions", json=body(stack, 60),
                        headers={"PAYMENT-SIGNATURE": header})
    assert r.status_code == 200, r.text
    settlement = decode_header(r.headers["PAYMENT-RESPONSE"])
    assert settlement["success"] is True and settlement["payer"] == str(alice.pubkey())
    assert settlement["extra"]["gridpay"]["creditsReturned"] == 2
    assert (await stack.usdc(alice.pubkey()), await stack.usdc(TREASURY.pubkey())) == \
        (before[0] - (quote + 2) * USDC_PER_CREDIT, before[1] + (quote + 2) * USDC_PER_CREDIT)
    ledger = await stack.facilitator.ledger.balance(str(alice.pubkey()))
    assert ledger.credits == 2
    # the same signed payment cannot buy a second call
    again = await http.post("/v1/chat/completions", json=body(stack, 60),
                            headers={"PAYMENT-SIGNATURE": header})
    assert again.status_code == 402
    assert await stack.usdc(alice.pubkey()) == before[0] - (quote + 2) * USDC_PER_CREDIT


async def test_ledger_credits_pay_when_the_wallet_has_none_in_escrow(stack, http, main,
                                                                    price) -> None:
    alice = wallet("alice")  # 2 ledger credits from the per-call change above
    key = await api_key(http, alice)
    tokens = 2 * 1_000_000 // price  # exactly two credits' worth
    r = await http.post("/v1/chat/completions", json=body(stack, tokens),
                        headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    record = await job(stack, http, r.json()["gridpay"]["job"])
    assert (record["source"], record["credits_charged"]) == ("ledger", 2)
    assert (await stack.facilitator.ledger.balance(str(alice.pubkey()))).credits == 0


async def test_a_restarted_gateway_refunds_jobs_a_crash_left_locked(stack, http, main, key
                                                                   ) -> None:
    payer = wallet("payer").pubkey()
    before = await available(stack)
    # a per-request job id (bit 62 marks the facilitator's chunks, which the gateway leaves)
    job_id = int.from_bytes(secrets.token_bytes(8), "little") & ~CHUNK_JOB_TAG
    # what a gateway that died mid-job leaves behind: a lock and no answer
    await stack.escrow.lock_job(GATEWAY_KEY, payer, job_id=job_id, max_credits=7,
                                worker=wallet("operator").pubkey())
    assert await available(stack) == before - 7
    await stack.restart_gateway()
    assert await stack.escrow.job(payer, job_id) is None
    assert await available(stack) == before
    # nodes register again with the new gateway run; serving goes on
    await only_on_grid(http, stack, "main")
    r = await http.post("/v1/chat/completions", json=body(stack, 5), headers={"X-API-Key": key})
    assert r.status_code == 200, r.text



async def test_x402_v1_x_payment_is_answered_with_x_payment_response(stack, http, main,
                                                                    price) -> None:
    """A version-1 client: it pays the quote in ``X-PAYMENT`` with a legacy
    network name and reads the settlement from ``X-PAYMENT-RESPONSE``."""
    from x402.http.utils import encode_payment_signature_header
    from x402.mechanisms.svm.exact.v1.client import ExactSvmSchemeV1
    from x402.mechanisms.svm.signers import KeypairSigner
    from x402.schemas.v1 import PaymentPayloadV1, PaymentRequirementsV1

    alice = wallet("alice")
    first = await http.post("/v1/chat/completions", json=body(stack, 30))
    assert first.status_code == 402
    offer = next(a for a in first.json()["accepts"] if a["network"].startswith("solana:"))
    quote = credits_for(30, price)
    v1 = PaymentRequirementsV1.model_validate({
        "scheme": "exact", "network": "solana-devnet", "maxAmountRequired": offer["amount"],
        "resource": f"{stack.gateway_url}/v1/chat/completions", "description": "chat",
        "mimeType": "application/json", "payTo": offer["payTo"], "asset": offer["asset"],
        "maxTimeoutSeconds": offer["maxTimeoutSeconds"], "extra": offer["extra"]})
    scheme = ExactSvmSchemeV1(KeypairSigner(alice), rpc_url=stack.solana.url)
    inner = await asyncio.to_thread(scheme.create_payment_payload, v1)
    header = encode_payment_signature_header(
        PaymentPayloadV1(scheme="exact", network="solana-devnet", payload=inner))
    before = (await stack.usdc(alice.pubkey()), await stack.usdc(TREASURY.pubkey()))
    r = await http.post("/v1/chat/completions", json=body(stack, 30),
                        headers={"X-PAYMENT": header})
    assert r.status_code == 200, r.text
    assert "PAYMENT-RESPONSE" not in r.headers  # a v1 client gets the v1 header only
    settlement = decode_header(r.headers["X-PAYMENT-RESPONSE"])
    assert settlement["success"] is True and settlement["payer"] == str(alice.pubkey())
    assert settlement["extra"]["gridpay"]["creditsCharged"] == quote  # the tiny model fills it
    assert r.json()["usage"]["completion_tokens"] == 30
    assert (await stack.usdc(alice.pubkey()), await stack.usdc(TREASURY.pubkey())) == \
        (before[0] - quote * USDC_PER_CREDIT, before[1] + quote * USDC_PER_CREDIT)
    # a replay of the same X-PAYMENT buys nothing
    again = await http.post("/v1/chat/completions", json=body(stack, 30),
                            headers={"X-PAYMENT": header})
    assert again.status_code == 402
    assert await stack.usdc(alice.pubkey()) == before[0] - quote * USDC_PER_CREDIT
