"""Payments on the three local EVM chains through the facilitator: every path
through the x402 package's client framework over HTTP (the permit path with
gridpay's scheme client), the v1 X-PAYMENT dialect, and the bad payloads —
each refused with its x402 reason, moving nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
import pytest_asyncio
from eth_account import Account
from x402 import x402ClientSync
from x402.http import FacilitatorConfig, HTTPFacilitatorClient
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.mechanisms.evm.exact.v1.client import ExactEvmSchemeV1
from x402.schemas import PaymentRequired, PaymentRequirements
from x402.schemas.v1 import PaymentRequiredV1, PaymentRequirementsV1

from facilitator.service import Facilitator
from pyclients.evm import abi
from pyclients.evm.eip3009 import Eip3009
from pyclients.evm.permit import PermitPayment
from pyclients.evm.relayer import Relayer
from pyclients.evm.x402_client import GridpayExactEvmScheme
from tests.facilitator.conftest import EvmWorld, serve
from tests.facilitator.helpers import balances, body, requirements, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def service(evm_world: EvmWorld, build_facilitator: Any) -> Facilitator:
    f = build_facilitator(*evm_world.networks())
    await f.start()
    return f


# --- happy paths over HTTP -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["megaeth", "bsc"])
async def test_permit_path_pays_through_x402_client_framework(
        name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    dep = evm_world.deployments[name]
    payer, payee = evm_world.payer(name), evm_world.payee(name)
    reqs = PaymentRequirements.model_validate(requirements(service, evm_world, name))
    assert reqs.extra["assetTransferMethod"] == "gridpay-permit"
    # the local USDm/USD1 are not the x402 SDK's default assets: allow them explicitly
    client = (x402ClientSync().register(dep.network, GridpayExactEvmScheme(payer, dep.rpc_url))
              .set_spend_controls({"allowed_assets": True}))
    payload = await asyncio.to_thread(client.create_payment_payload,
                                      PaymentRequired(accepts=[reqs]))
    chain, token = evm_world.chains[name], dep.token.address
    before = await balances(chain, token, payer.address, payee.address)
    async with serve(service, manage_lifecycle=False) as url:
        async with HTTPFacilitatorClient(FacilitatorConfig(url=url)) as http:
            verdict = await http.verify(payload, reqs)
            assert verdict.is_valid, verdict.invalid_message
            settled = await http.settle(payload, reqs)
    assert settled.success, settled.error_message
    amount = int(reqs.amount)
    assert await balances(chain, token, payer.address, payee.address) == \
        [before[0] - amount, before[1] + amount]
    receipt = await chain.w3.eth.get_transaction_receipt(settled.transaction)
    assert receipt["status"] == 1


async def test_v1_client_pays_with_x_payment_dialect(evm_world: EvmWorld,
                                                     service: Facilitator) -> None:
    dep = evm_world.deployments["base"]
    payer, payee = evm_world.account("base", 4), evm_world.payee("base")
    reqs = PaymentRequirementsV1(scheme="exact", network="base", max_amount_required="20000",
                                 resource="http://127.0.0.1/paid", pay_to=payee.address,
                                 max_timeout_seconds=120, asset=dep.token.address,
                                 extra={"name": "USD Coin", "version": "2"})
    client = x402ClientSync().register_v1("base", ExactEvmSchemeV1(payer))
    payload = await asyncio.to_thread(client.create_payment_payload,
                                      PaymentRequiredV1(accepts=[reqs]))
    assert payload.x402_version == 1
    chain, token = evm_world.chains["base"], dep.token.address
    before = await balances(chain, token, payee.address)
    async with serve(service, manage_lifecycle=False) as url:
        async with HTTPFacilitatorClient(FacilitatorConfig(url=url)) as http:
            assert (await http.verify(payload, reqs)).is_valid
            settled = await http.settle(payload, reqs)
    assert settled.success and settled.network == "base"
    assert await balances(chain, token, payee.address) == [before[0] + 20_000]
    logged = [p for p in service.store.payments() if p.transaction == settled.transaction]
    assert [(p.x402_version, p.amount, p.status) for p in logged] == [(1, 20_000, "settled")]


# --- bad payloads --------------------------------------------------------------------------
async def assert_refused(service: Facilitator, world: EvmWorld, name: str, request: dict[str, Any],
                         reason: str) -> None:
    dep, chain = world.deployments[name], world.chains[name]
    watched = [world.payer(name).address, world.payee(name).address,
               world.account(name, 3).address]
    before = await balances(chain, dep.token.address, *watched)
    verdict = await service.engine.verify(request)
    assert (verdict["isValid"], verdict.get("invalidReason")) == (False, reason), verdict
    answer = await service.engine.settle(request)
    assert (answer["success"], answer.get("errorReason")) == (False, reason), answer
    assert await balances(chain, dep.token.address, *watched) == before
    assert [p for p in service.store.payments() if p.status == "settled"
            and p.pay_to == world.payee(name).address and p.amount == int(
                request["paymentRequirements"].get("amount", 0))] == []


NAMES = ["base", "megaeth", "bsc"]


@pytest.mark.parametrize("name", NAMES)
async def test_wrong_recipient(name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    payload = await signed(evm_world, name, to=evm_world.account(name, 3).address)
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name), payload),
                         "invalid_exact_evm_payload_recipient_mismatch")


@pytest.mark.parametrize("name", NAMES)
async def test_wrong_value(name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    req = requirements(service, evm_world, name)
    payload = await signed(evm_world, name, value=int(req["amount"]) - 1)
    await assert_refused(service, evm_world, name, body(req, payload),
                         "invalid_exact_evm_payload_authorization_value")


@pytest.mark.parametrize("name", NAMES)
async def test_expired(name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    now = await evm_world.chains[name].now()
    payload = await signed(evm_world, name, valid_before=now - 1)
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name), payload),
                         "invalid_exact_evm_payload_authorization_valid_before")


@pytest.mark.parametrize("name", NAMES)
async def test_not_yet_valid(name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    now = await evm_world.chains[name].now()
    payload = await signed(evm_world, name, valid_after=now + 3600, valid_before=now + 7200)
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name), payload),
                         "invalid_exact_evm_payload_authorization_valid_after")


@pytest.mark.parametrize("name", NAMES)
async def test_signature_from_another_key(name: str, evm_world: EvmWorld,
                                          service: Facilitator) -> None:
    payload = await signed(evm_world, name, signer=evm_world.account(name, 3),
                           payer=evm_world.payer(name).address)
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name), payload),
                         "invalid_exact_evm_payload_signature")


async def test_signature_for_another_chain(evm_world: EvmWorld, service: Facilitator) -> None:
    dep, chain = evm_world.deployments["base"], evm_world.chains["base"]
    real = await Eip3009.at(chain, dep.token.address)
    elsewhere = Eip3009(chain, dep.token.address, replace(real.domain, chain_id=1))
    payload = await signed(evm_world, "base", path=elsewhere)
    await assert_refused(service, evm_world, "base",
                         body(requirements(service, evm_world, "base"), payload),
                         "invalid_exact_evm_payload_signature")


@pytest.mark.parametrize("name", NAMES)
async def test_insufficient_funds(name: str, evm_world: EvmWorld, service: Facilitator) -> None:
    broke = Account.create()
    payload = await signed(evm_world, name, signer=broke)
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name), payload),
                         "insufficient_funds")


async def test_cancelled_authorization(evm_world: EvmWorld, service: Facilitator) -> None:
    dep, chain = evm_world.deployments["base"], evm_world.chains["base"]
    payer = evm_world.payer("base")
    payload = await signed(evm_world, "base")
    path = await Eip3009.at(chain, dep.token.address)
    await path.cancel(payer, bytes.fromhex(payload["authorization"]["nonce"][2:]),
                      Relayer(chain, evm_world.account("base", 0)))
    await assert_refused(service, evm_world, "base",
                         body(requirements(service, evm_world, "base"), payload),
                         "invalid_exact_evm_nonce_already_used")


@pytest.mark.parametrize("name", NAMES)
async def test_spent_nonce_reused_on_other_terms(name: str, evm_world: EvmWorld,
                                          service: Facilitator) -> None:
    """Settled once; a new authorization reusing the one-use nonce for another
    amount is refused, not answered with the first payment's success."""
    req = requirements(service, evm_world, name)
    first = await signed(evm_world, name)
    assert (await service.engine.settle(body(req, first)))["success"]
    nonce = first.get("authorization", first.get("intent", {}))["nonce"]
    amount = int(req["amount"]) * 2
    again = await signed(evm_world, name, value=amount, nonce=bytes.fromhex(nonce[2:]))
    await assert_refused(service, evm_world, name,
                         body(requirements(service, evm_world, name, amount=amount), again),
                         "invalid_exact_evm_nonce_already_used")


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda b: b | {"x402Version": 3}, "invalid_x402_version"),
    (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "network": "eip155:1"},
                "paymentPayload": {**b["paymentPayload"], "accepted": {
                    **b["paymentRequirements"], "network": "eip155:1"}}}, "invalid_network"),
    (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "scheme": "upto"},
                "paymentPayload": {**b["paymentPayload"], "accepted": {
                    **b["paymentRequirements"], "scheme": "upto"}}}, "invalid_scheme"),
    (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "accepted": {
        **b["paymentRequirements"], "amount": "1"}}}, "gridpay_accepted_requirements_mismatch"),
    (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "amount": "-5"},
                "paymentPayload": {**b["paymentPayload"], "accepted": {
                    **b["paymentRequirements"], "amount": "-5"}}}, "invalid_payment_requirements"),
    (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "asset": "0x" + "1" * 40},
                "paymentPayload": {**b["paymentPayload"], "accepted": {
                    **b["paymentRequirements"], "asset": "0x" + "1" * 40}}},
     "invalid_payment_requirements"),
    (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {
        **b["paymentPayload"]["payload"], "authorization": {
            **b["paymentPayload"]["payload"]["authorization"], "nonce": "0x1234"}}}},
     "invalid_payload"),
    (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {"signature": "0x"}}},
     "invalid_payload"),
])
async def test_malformed_requests(mutate: Any, reason: str, evm_world: EvmWorld,
                                  service: Facilitator) -> None:
    request = mutate(body(requirements(service, evm_world, "base"),
                          await signed(evm_world, "base")))
    await assert_refused(service, evm_world, "base", request, reason)


async def test_permit_needs_its_transfer_method(evm_world: EvmWorld, service: Facilitator) -> None:
    req = requirements(service, evm_world, "megaeth")
    req["extra"] = {k: v for k, v in req["extra"].items() if k != "assetTransferMethod"}
    await assert_refused(service, evm_world, "megaeth",
                         body(req, await signed(evm_world, "megaeth")),
                         "invalid_payment_requirements")
