"""Solana payments through the facilitator on the local validator: the x402
package's own SVM client pays through our /verify and /settle over HTTP, and
every shape rule of x402-wire.md refuses its attack with its reason, moving
nothing."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.system_program import TransferParams, transfer
from x402 import x402ClientSync
from x402.http import FacilitatorConfig, HTTPFacilitatorClient
from x402.mechanisms.svm.exact.client import ExactSvmScheme
from x402.mechanisms.svm.signers import KeypairSigner
from x402.schemas import PaymentRequired, PaymentRequirements

from facilitator.mechanisms.svm.exact import MEMO
from facilitator.service import Facilitator, Keys
from facilitator.settings import NetworkConfig
from localnet.solana_chain import SGL_MINT, USDC_MINT, associated_token_address, wallet
from localnet.solana_rpc import SolanaLocalnet
from tests.facilitator.conftest import serve
from tests.facilitator.helpers import svm_payment

pytestmark = pytest.mark.asyncio(loop_scope="session")
PRICE = 10_000


@pytest_asyncio.fixture(loop_scope="session")
async def net() -> AsyncIterator[SolanaLocalnet]:
    async with SolanaLocalnet.start(port=0) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def rpc(net: SolanaLocalnet) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(net.url, commitment=Confirmed) as client:
        yield client


def solana_network(net: SolanaLocalnet) -> NetworkConfig:
    return NetworkConfig(network=net.network_id, rpc_url=net.url, asset=str(USDC_MINT),
                         transfer_method="spl", v1_name="solana-devnet",
                         treasury=str(wallet("operator").pubkey()))


@pytest_asyncio.fixture(loop_scope="session")
async def service(net: SolanaLocalnet, build_facilitator: Any) -> Facilitator:
    f = build_facilitator([solana_network(net)],
                          Keys(svm_fee_payer=bytes(wallet("facilitator"))))
    await f.start()
    return f


async def usdc(rpc: AsyncClient, owner: Any) -> int:
    ata = associated_token_address(owner, USDC_MINT)
    return int((await rpc.get_token_account_balance(ata)).value.amount)


def requirements(net: SolanaLocalnet, **over: Any) -> dict[str, Any]:
    req = {"scheme": "exact", "network": net.network_id, "asset": str(USDC_MINT),
           "amount": str(PRICE), "payTo": str(wallet("operator").pubkey()),
           "maxTimeoutSeconds": 60,
           "extra": {"feePayer": str(wallet("facilitator").pubkey())}}
    req.update(over)
    return req


def body(req: dict[str, Any], transaction: str) -> dict[str, Any]:
    return {"x402Version": 2, "paymentRequirements": req,
            "paymentPayload": {"x402Version": 2, "accepted": req,
                               "payload": {"transaction": transaction}}}


async def test_x402_svm_client_pays_through_our_facilitator(
        net: SolanaLocalnet, rpc: AsyncClient, service: Facilitator) -> None:
    payer, operator = wallet("payer"), wallet("operator")
    async with serve(service, manage_lifecycle=False) as url:
        async with HTTPFacilitatorClient(FacilitatorConfig(url=url)) as http:
            supported = await asyncio.to_thread(http.get_supported)
            kind = next(k for k in supported.kinds if k.network == net.network_id)
            assert kind.extra == {"feePayer": str(wallet("facilitator").pubkey())}
            reqs = PaymentRequirements.model_validate(requirements(net, extra=kind.extra))
            client = (x402ClientSync()
                      .register(net.network_id, ExactSvmScheme(KeypairSigner(payer),
                                                               rpc_url=net.url))
                      .set_spend_controls({"allowed_assets": True}))
            payload = await asyncio.to_thread(client.create_payment_payload,
                                              PaymentRequired(accepts=[reqs]))
            before = [await usdc(rpc, k.pubkey()) for k in (payer, operator)]
            verdict = await http.verify(payload, reqs)
            assert verdict.is_valid, verdict.invalid_message
            assert verdict.payer == str(payer.pubkey())
            settled = await http.settle(payload, reqs)
            assert settled.success, settled.error_message
            again = await http.settle(payload, reqs)
    assert again.success and again.transaction == settled.transaction
    assert [await usdc(rpc, k.pubkey()) for k in (payer, operator)] == \
        [before[0] - PRICE, before[1] + PRICE]
    [record] = service.store.payments()
    assert (record.status, record.transaction, record.payer) == \
        ("settled", settled.transaction, str(payer.pubkey()))


async def test_fifty_concurrent_settles_make_one_transaction(
        net: SolanaLocalnet, rpc: AsyncClient, service: Facilitator) -> None:
    payer, operator, fee_payer = wallet("payer"), wallet("operator"), wallet("facilitator")
    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    tx = svm_payment(blockhash, payer, operator.pubkey(), PRICE, fee_payer.pubkey())
    request = body(requirements(net), tx)
    before = await usdc(rpc, operator.pubkey())
    sol_before = (await rpc.get_balance(fee_payer.pubkey())).value
    async with serve(service, manage_lifecycle=False) as url, \
            httpx.AsyncClient(timeout=60) as http:
        responses = await asyncio.gather(*(http.post(f"{url}/settle", json=request)
                                           for _ in range(50)))
    answers = [r.json() for r in responses]
    assert answers[0]["success"], answers[0]
    assert all(a == answers[0] for a in answers)
    assert await usdc(rpc, operator.pubkey()) == before + PRICE
    # one transaction: the fee payer paid one fee (two signatures, tiny priority fee)
    assert sol_before - (await rpc.get_balance(fee_payer.pubkey())).value == 2 * 5000 + 1


# --- the shape rules ---------------------------------------------------------------------
async def assert_refused(service: Facilitator, rpc: AsyncClient, request: dict[str, Any],
                         reason: str) -> None:
    watched = [wallet(n).pubkey() for n in ("payer", "operator", "facilitator")]
    before = [await usdc(rpc, w) for w in watched]
    sol = (await rpc.get_balance(wallet("facilitator").pubkey())).value
    verdict = await service.engine.verify(request)
    assert (verdict["isValid"], verdict.get("invalidReason")) == (False, reason), verdict
    answer = await service.engine.settle(request)
    assert (answer["success"], answer.get("errorReason")) == (False, reason), answer
    assert [await usdc(rpc, w) for w in watched] == before
    assert (await rpc.get_balance(wallet("facilitator").pubkey())).value == sol
    assert [p for p in service.store.payments() if p.status == "settled"] == []


def attack(name: str) -> dict[str, Any]:
    payer, operator, fee = wallet("payer"), wallet("operator"), wallet("facilitator")
    fee_ata = associated_token_address(fee.pubkey(), USDC_MINT)
    return {
        "fee payer pays the transfer": dict(authority=fee.pubkey(), source=fee_ata),
        "fee payer in a memo's accounts": dict(extra=[Instruction(
            MEMO, b"x", [AccountMeta(fee.pubkey(), True, False)])]),
        "system transfer from the fee payer": dict(extra=[transfer(TransferParams(
            from_pubkey=fee.pubkey(), to_pubkey=payer.pubkey(), lamports=1))]),
        "another program": dict(memo=None, extra=[transfer(TransferParams(
            from_pubkey=payer.pubkey(), to_pubkey=operator.pubkey(), lamports=1))]),
        "price above the cap": dict(price=5_000_001),
        "limit above the cap": dict(limit=1_400_000),
        "too little": dict(amount=PRICE - 1),
        "too much": dict(amount=PRICE + 1),
        "to the payer's own account": dict(destination=associated_token_address(
            payer.pubkey(), USDC_MINT)),
        "another mint": dict(mint=SGL_MINT),
    }[name]


@pytest.mark.parametrize(("name", "reason"), [
    ("fee payer pays the transfer",
     "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"),
    ("fee payer in a memo's accounts",
     "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"),
    ("system transfer from the fee payer",
     "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"),
    ("another program", "invalid_exact_svm_payload_unknown_fourth_instruction"),
    ("price above the cap",
     "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high"),
    ("limit above the cap",
     "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction"),
    ("too little", "invalid_exact_svm_payload_amount_insufficient"),
    ("too much", "gridpay_svm_amount_exceeds_required"),
    ("to the payer's own account", "invalid_exact_svm_payload_recipient_mismatch"),
    ("another mint", "invalid_exact_svm_payload_mint_mismatch"),
])
async def test_shape_attacks_are_refused(name: str, reason: str, net: SolanaLocalnet,
                                         rpc: AsyncClient, service: Facilitator) -> None:
    knobs = attack(name)
    amount = knobs.pop("amount", PRICE)
    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    tx = svm_payment(blockhash, wallet("payer"), wallet("operator").pubkey(), amount,
                     wallet("facilitator").pubkey(), **knobs)
    await assert_refused(service, rpc, body(requirements(net), tx), reason)


async def test_fee_payer_must_be_ours(net: SolanaLocalnet, rpc: AsyncClient,
                                      service: Facilitator) -> None:
    other = Keypair()
    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    tx = svm_payment(blockhash, wallet("payer"), wallet("operator").pubkey(), PRICE,
                     other.pubkey())
    req = requirements(net, extra={"feePayer": str(other.pubkey())})
    await assert_refused(service, rpc, body(req, tx), "fee_payer_not_managed_by_facilitator")


async def test_tampered_payer_signature(net: SolanaLocalnet, rpc: AsyncClient,
                                        service: Facilitator) -> None:
    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    raw = bytearray(base64.b64decode(svm_payment(blockhash, wallet("payer"),
                                                 wallet("operator").pubkey(), PRICE,
                                                 wallet("facilitator").pubkey())))
    at = bytes(raw).index(b"gridpay-test")
    raw[at] ^= 1  # a memo byte: the message changes, the signature does not
    await assert_refused(service, rpc, body(requirements(net), base64.b64encode(raw).decode()),
                         "gridpay_svm_payer_signature_invalid")


async def test_undecodable_transaction(net: SolanaLocalnet, rpc: AsyncClient,
                                       service: Facilitator) -> None:
    await assert_refused(service, rpc, body(requirements(net), base64.b64encode(b"junk").decode()),
                         "invalid_exact_svm_payload_transaction_could_not_be_decoded")


async def test_insufficient_funds_fail_simulation(net: SolanaLocalnet, rpc: AsyncClient,
                                                  service: Facilitator) -> None:
    poor = wallet("bob")
    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    held = await usdc(rpc, poor.pubkey())
    tx = svm_payment(blockhash, poor, wallet("operator").pubkey(), held + 1,
                     wallet("facilitator").pubkey())
    await assert_refused(service, rpc, body(requirements(net, amount=str(held + 1)), tx),
                         "insufficient_funds")


# --- a crash between recording and sending ------------------------------------------------
async def crashed_before_send(service: Facilitator, net: SolanaLocalnet,
                              rpc: AsyncClient) -> tuple[str, str]:
    """What a worker leaves when it dies after recording the co-signed
    transaction and before sending it: (payment key, signature)."""
    from datetime import timedelta

    from facilitator.store import NewPayment
    from facilitator.wire import parse_request

    blockhash = (await rpc.get_latest_blockhash()).value.blockhash
    tx = svm_payment(blockhash, wallet("payer"), wallet("operator").pubkey(), PRICE,
                     wallet("facilitator").pubkey(), memo=b"crash")
    req = parse_request(body(requirements(net), tx))
    mech = service.registry.lookup(req)
    key = mech.payment_key(req)
    verified = await mech.verify(req)
    store = service.store
    store.claim_payment(NewPayment(key, 2, mech.network, "exact", verified.payer, req.pay_to,
                                   req.asset, req.amount), "dead-worker", timedelta(seconds=30))
    signature = str(verified.parsed.signatures[0])
    store.record_settlement(key, "dead-worker", {"raw": base64.b64encode(
        bytes(verified.parsed)).decode()}, signature)
    return key, signature


async def test_recorded_but_unsent_transaction_is_sent_by_the_reconciler(
        net: SolanaLocalnet, rpc: AsyncClient, service: Facilitator) -> None:
    key, signature = await crashed_before_send(service, net, rpc)
    before = await usdc(rpc, wallet("operator").pubkey())
    await service.engine.reconcile()  # not on chain: the same bytes are sent again
    for _ in range(50):
        await service.engine.reconcile()
        if service.store.get_payment(key).status != "pending":
            break
        await asyncio.sleep(0.1)
    record = service.store.get_payment(key)
    assert (record.status, record.transaction) == ("settled", signature)
    assert await usdc(rpc, wallet("operator").pubkey()) == before + PRICE


async def test_recorded_transaction_whose_blockhash_expired_fails_and_moves_nothing(
        net: SolanaLocalnet, rpc: AsyncClient, service: Facilitator) -> None:
    key, signature = await crashed_before_send(service, net, rpc)
    before = await usdc(rpc, wallet("operator").pubkey())
    net.warp(300)  # far past the blockhash's ~150 slots
    await service.engine.reconcile()
    record = service.store.get_payment(key)
    assert (record.status, record.error_reason, record.transaction) == \
        ("failed", "gridpay_svm_blockhash_expired", signature)
    assert await usdc(rpc, wallet("operator").pubkey()) == before
