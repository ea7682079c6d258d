"""The x402 package's own pieces against our facilitator over real HTTP on the
local EVM chains: its EVM client signs, its HTTP facilitator client calls our
/supported, /verify and /settle."""

from __future__ import annotations

import asyncio

import pytest
from x402 import x402Client
from x402.http import FacilitatorConfig, HTTPFacilitatorClient
from x402.mechanisms.evm.exact.client import ExactEvmScheme
from x402.schemas import PaymentRequired, PaymentRequirements

from pyclients.evm import abi
from tests.facilitator.conftest import EvmWorld, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def balance(world: EvmWorld, name: str, who: str) -> int:
    dep = world.deployments[name]
    return await world.chains[name].read(dep.token.address, abi.BALANCE_OF, who)


async def test_x402_client_pays_usdc_on_base_through_our_facilitator(
        evm_world: EvmWorld, build_facilitator) -> None:
    networks, keys = evm_world.networks()
    service = build_facilitator(networks, keys)
    async with serve(service) as url:
        http = HTTPFacilitatorClient(FacilitatorConfig(url=url))
        supported = await asyncio.to_thread(http.get_supported)  # sync in the SDK
        kind = next(k for k in supported.kinds if k.network == "eip155:8453"
                    and k.x402_version == 2)
        assert kind.extra == {"name": "USD Coin", "version": "2"}
        assert supported.signers["eip155:*"] == [keys_relayer(keys)]

        dep = evm_world.deployments["base"]
        payer, payee = evm_world.payer("base"), evm_world.payee("base")
        reqs = PaymentRequirements(scheme="exact", network="eip155:8453", asset=dep.token.address,
                                   amount="10000", pay_to=payee.address, max_timeout_seconds=120,
                                   extra=kind.extra or {})
        client = x402Client().register("eip155:8453", ExactEvmScheme(payer))
        payload = await client.create_payment_payload(PaymentRequired(accepts=[reqs]))
        before = [await balance(evm_world, "base", a) for a in (payer.address, payee.address)]

        verdict = await http.verify(payload, reqs)
        assert verdict.is_valid, verdict.invalid_reason
        assert verdict.payer == payer.address
        settled = await http.settle(payload, reqs)
        assert settled.success, settled.error_reason
        assert settled.network == "eip155:8453" and settled.payer == payer.address
        after = [await balance(evm_world, "base", a) for a in (payer.address, payee.address)]
        assert after == [before[0] - 10_000, before[1] + 10_000]

        again = await http.settle(payload, reqs)
        assert again.success and again.transaction == settled.transaction
        assert [await balance(evm_world, "base", a) for a in (payer.address, payee.address)] \
            == after
        record = service.store.payments()[0]
        assert (record.status, record.amount, record.transaction) == \
            ("settled", 10_000, settled.transaction)
        await http.aclose()


def keys_relayer(keys) -> str:  # noqa: ANN001
    from eth_account import Account

    return Account.from_key(keys.evm_relayer).address
