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
from pyclients.evm.x402_client import register_gridpay_evm_client
from tests.facilitator.conftest import EvmWorld, serve
from tests.facilitator.helpers import requirements

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


async def test_one_gridpay_registration_pays_on_all_three_chains(
        evm_world: EvmWorld, build_facilitator) -> None:
    """pyclients' scheme client in the x402 package's async client, called on a
    running loop: EIP-3009 on Base through the package's own signer, the
    permit path on MegaETH and BSC through pyclients."""
    service = build_facilitator(*evm_world.networks())
    await service.start()
    names = ["base", "megaeth", "bsc"]
    account = evm_world.account("base", 5)  # the same dev key on every chain
    client = register_gridpay_evm_client(
        x402Client(), account, {evm_world.deployments[n].network: evm_world.deployments[n].rpc_url
                                for n in names})
    client.set_spend_controls({"allowed_assets": True})  # local tokens are no SDK defaults
    async with serve(service, manage_lifecycle=False) as url:
        http = HTTPFacilitatorClient(FacilitatorConfig(url=url))
        for name in names:
            reqs = PaymentRequirements.model_validate(requirements(service, evm_world, name))
            payload = await client.create_payment_payload(PaymentRequired(accepts=[reqs]))
            payee = evm_world.payee(name).address
            before = await balance(evm_world, name, payee)
            verdict = await http.verify(payload, reqs)
            assert verdict.is_valid and verdict.payer == account.address, verdict
            settled = await http.settle(payload, reqs)
            assert settled.success, (name, settled.error_reason)
            assert await balance(evm_world, name, payee) == before + int(reqs.amount)
        await http.aclose()


def test_registration_names_bad_networks(evm_world: EvmWorld) -> None:
    with pytest.raises(ValueError, match="solana:abc"):
        register_gridpay_evm_client(x402Client(), evm_world.payer("base"), {"solana:abc": "x"})
    with pytest.raises(ValueError, match="no network"):
        register_gridpay_evm_client(x402Client(), evm_world.payer("base"), {})


def keys_relayer(keys) -> str:  # noqa: ANN001
    from eth_account import Account

    return Account.from_key(keys.evm_relayer).address
