"""Buying credits with x402: the x402 package's HTTP clients meet our 402
challenge on /compute/credits/topup, pay on Base (EIP-3009), BSC (the permit
path, 18 decimals) or Solana, and the payer's wallet is credited once."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from x402 import x402Client, x402ClientSync
from x402.http.clients import x402HttpxClient
from x402.http.clients.requests import x402_requests
from x402.http.utils import encode_payment_signature_header
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.mechanisms.svm.exact.client import ExactSvmScheme
from x402.mechanisms.svm.signers import KeypairSigner

from facilitator.service import Facilitator, Keys
from localnet.solana_chain import USDC_MINT, associated_token_address, wallet
from localnet.solana_rpc import SolanaLocalnet
from pyclients.evm.x402_client import GridpayExactEvmScheme
from tests.facilitator.conftest import EvmWorld, serve
from tests.facilitator.helpers import balances
from tests.facilitator.test_svm import solana_network

pytestmark = pytest.mark.asyncio(loop_scope="session")
#: The x402 client caps a payment at $1 by default; top-ups here are $1-$2.
SPEND = {"max_amount_per_payment": "$5", "allowed_assets": True}


@pytest_asyncio.fixture(loop_scope="session")
async def evm_shop(evm_world: EvmWorld, build_facilitator: Any) -> AsyncIterator[tuple[Facilitator, str]]:
    service = build_facilitator(*evm_world.networks())
    async with serve(service) as url:
        yield service, url


def decoded(header: str) -> dict[str, Any]:
    return json.loads(base64.b64decode(header))


async def test_challenge_lists_every_network_priced_in_its_token(evm_shop: Any,
                                                                 evm_world: EvmWorld) -> None:
    _, url = evm_shop
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{url}/compute/credits/topup", json={"amount": 150})
    assert r.status_code == 402
    required = decoded(r.headers["payment-required"])
    assert required == r.json() and required["x402Version"] == 2
    prices = {a["network"]: (a["amount"], a["payTo"]) for a in required["accepts"]}
    deps = evm_world.deployments
    assert prices == {
        deps["base"].network: ("1500000", deps["base"].accounts[-2].address),
        deps["megaeth"].network: ("1500000", deps["megaeth"].accounts[-2].address),
        deps["bsc"].network: (str(15 * 10**17), deps["bsc"].accounts[-2].address),
    }


@pytest.mark.parametrize(("body", "error"), [
    ({"amount": 99}, "invalid_amount"),
    ({"amount": "lots"}, "invalid_amount"),
    ({"amount": 100.5}, "invalid_amount"),
    ({"amount": 150, "network": "eip155:1"}, "invalid_network"),
])
async def test_bad_topup_requests_name_the_problem(evm_shop: Any, body: dict, error: str) -> None:
    _, url = evm_shop
    async with httpx.AsyncClient() as http:
        r = await http.post(f"{url}/compute/credits/topup", json=body)
    assert (r.status_code, r.json()["error"]) == (400, error)


async def test_x402_httpx_client_buys_credits_on_base_once(evm_shop: Any,
                                                           evm_world: EvmWorld) -> None:
    service, url = evm_shop
    dep, chain = evm_world.deployments["base"], evm_world.chains["base"]
    payer, treasury = evm_world.account("base", 5), dep.accounts[-2].address
    before = await balances(chain, dep.token.address, payer.address, treasury)
    made: list[Any] = []
    client = (x402Client().register(dep.network, ExactEvmScheme(payer)).set_spend_controls(SPEND)
              .on_after_payment_creation(lambda ctx: made.append(ctx.payment_payload)))
    async with x402HttpxClient(client, timeout=60) as http:
        r = await http.post(f"{url}/compute/credits/topup",
                            json={"amount": 150, "network": "eip155:8453"})
    assert r.status_code == 200, r.text
    assert r.json()["credits"] == 150 and r.json()["wallet"] == payer.address
    settled = decoded(r.headers["payment-response"])
    assert settled["success"] and settled["transaction"] == r.json()["transaction"]
    assert await balances(chain, dep.token.address, payer.address, treasury) == \
        [before[0] - 1_500_000, before[1] + 1_500_000]
    async with httpx.AsyncClient() as plain:
        balance = await plain.get(f"{url}/api/credits/balance",
                                  headers={"x-wallet-address": payer.address})
        assert balance.json()["credits"] == 150
        # the same payment sent again credits nothing more
        replay = await plain.post(f"{url}/compute/credits/topup",
                                  json={"amount": 150, "network": "eip155:8453"},
                                  headers={"PAYMENT-SIGNATURE":
                                           encode_payment_signature_header(made[0])})
        assert replay.status_code == 200 and replay.json()["balance"] == 150
    assert [e.delta for e in service.store.credit_entries(payer.address)] == [150]


async def test_permit_client_buys_credits_on_bsc(evm_shop: Any, evm_world: EvmWorld) -> None:
    _, url = evm_shop
    dep, chain = evm_world.deployments["bsc"], evm_world.chains["bsc"]
    payer, treasury = evm_world.account("bsc", 6), dep.accounts[-2].address
    before = await balances(chain, dep.token.address, treasury)
    client = (x402ClientSync().register(dep.network, GridpayExactEvmScheme(payer, dep.rpc_url))
              .set_spend_controls(SPEND))

    def buy() -> Any:
        with x402_requests(client) as session:
            return session.post(f"{url}/compute/credits/topup",
                                json={"amount": 200, "network": "bsc"}, timeout=60)

    r = await asyncio.to_thread(buy)
    assert r.status_code == 200, r.text
    assert (r.json()["credits"], r.json()["balance"]) == (200, 200)
    assert await balances(chain, dep.token.address, treasury) == [before[0] + 2 * 10**18]


async def test_solana_payer_buys_credits(build_facilitator: Any) -> None:
    async with SolanaLocalnet.start(port=0) as net:
        service = build_facilitator([solana_network(net)],
                                    Keys(svm_fee_payer=bytes(wallet("facilitator"))))
        payer = wallet("alice")
        client = (x402ClientSync()
                  .register(net.network_id, ExactSvmScheme(KeypairSigner(payer), rpc_url=net.url))
                  .set_spend_controls(SPEND))
        async with serve(service) as url:
            def buy() -> Any:
                with x402_requests(client) as session:
                    return session.post(f"{url}/compute/credits/topup", json={"amount": 100},
                                        timeout=60)

            r = await asyncio.to_thread(buy)
            assert r.status_code == 200, r.text
            assert (r.json()["wallet"], r.json()["balance"]) == (str(payer.pubkey()), 100)
        from solana.rpc.async_api import AsyncClient

        async with AsyncClient(net.url) as rpc:
            ata = associated_token_address(wallet("operator").pubkey(), USDC_MINT)
            assert int((await rpc.get_token_account_balance(ata)).value.amount) == \
                1_000_000 * 10**6 + 1_000_000
