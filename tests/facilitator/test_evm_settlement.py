"""Settlement under stress on the local EVM chains: fifty concurrent settles of
one payment, two replicas on one PostgreSQL database, a settlement left
unconfirmed by a crash and finished after the restart, an RPC outage."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from facilitator.service import Facilitator, Keys
from tests.facilitator.conftest import EvmWorld, make_settings, serve
from tests.facilitator.helpers import FlakyProxy, balances, body, requirements, rpc, signed
from tests.facilitator.postgres import create_database

pytestmark = pytest.mark.asyncio(loop_scope="session")


def relayer_of(service: Facilitator, network: str) -> str:
    mech = next(m for m in service.registry.mechanisms if m.network == network)
    return mech.signers()[0]


async def sent_by(world: EvmWorld, name: str, account: str) -> int:
    return int(await world.chains[name].w3.eth.get_transaction_count(account, "pending"))


async def test_fifty_concurrent_settles_make_one_transaction(evm_world: EvmWorld,
                                                             build_facilitator: Any) -> None:
    service = build_facilitator(*evm_world.networks())
    dep = evm_world.deployments["base"]
    async with serve(service) as url:
        request = body(requirements(service, evm_world, "base"), await signed(evm_world, "base"))
        relayer = relayer_of(service, dep.network)
        nonce_before = await sent_by(evm_world, "base", relayer)
        payee = evm_world.payee("base").address
        before = await balances(evm_world.chains["base"], dep.token.address, payee)
        async with httpx.AsyncClient(timeout=60) as http:
            responses = await asyncio.gather(*(http.post(f"{url}/settle", json=request)
                                               for _ in range(50)))
    assert {r.status_code for r in responses} == {200}
    answers = [r.json() for r in responses]
    assert answers[0]["success"], answers[0]
    assert all(a == answers[0] for a in answers)
    assert await sent_by(evm_world, "base", relayer) == nonce_before + 1
    assert await balances(evm_world.chains["base"], dep.token.address, payee) == \
        [before[0] + int(request["paymentRequirements"]["amount"])]
    assert [(p.status, p.transaction) for p in service.store.payments()] == \
        [("settled", answers[0]["transaction"])]


async def test_two_replicas_on_one_postgres_database_settle_once(
        evm_world: EvmWorld, build_facilitator: Any, postgres_url: str) -> None:
    database = create_database(postgres_url, "replicas")
    networks, keys = evm_world.networks()
    other_key = "0x" + bytes(evm_world.account("base", 7).key).hex()
    a = build_facilitator(networks, keys, database_url=database, worker="replica-a")
    b = build_facilitator(networks, Keys(evm_relayer=other_key), database_url=database,
                          worker="replica-b")
    await asyncio.gather(a.start(), b.start())
    network = evm_world.deployments["bsc"].network
    relayers = [relayer_of(a, network), relayer_of(b, network)]
    assert relayers[0] != relayers[1]
    sent_before = sum([await sent_by(evm_world, "bsc", r) for r in relayers])
    request = body(requirements(a, evm_world, "bsc"), await signed(evm_world, "bsc"))
    answers = await asyncio.gather(*(svc.engine.settle(request) for svc in [a, b] * 25))
    assert answers[0]["success"], answers[0]
    assert all(x == answers[0] for x in answers)
    assert sum([await sent_by(evm_world, "bsc", r) for r in relayers]) == sent_before + 1


async def test_unconfirmed_settlement_is_pending_and_finished_after_a_restart(
        evm_world: EvmWorld, build_facilitator: Any, tmp_path: Any) -> None:
    """The transaction is sent but not mined; the facilitator answers pending,
    then dies. The replica restarts: it does not send again while the
    transaction waits, and once it is mined the reconciler records it."""
    chain, dep = evm_world.chains["base"], evm_world.deployments["base"]
    database = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    settings = make_settings(settle_wait_seconds=1.0)
    networks, keys = evm_world.networks()
    first = build_facilitator(networks, keys, database_url=database, settings=settings,
                              worker="replica-a")
    await first.start()
    request = body(requirements(first, evm_world, "base"), await signed(evm_world, "base"))
    relayer = relayer_of(first, dep.network)
    payee = evm_world.payee("base").address
    paid_before = (await balances(chain, dep.token.address, payee))[0]
    sent_before = await sent_by(evm_world, "base", relayer)
    # No mining at all while the facilitator "dies": neither on arrival nor the
    # local chain's interval block (restored to plain automine afterwards).
    await rpc(chain, "evm_setAutomine", False)
    await rpc(chain, "evm_setIntervalMining", 0)
    try:
        for _ in range(2):
            answer = await first.engine.settle(request)
            assert (answer["success"], answer["errorReason"]) == (False, "settlement_pending")
        [record] = first.store.payments()
        assert record.status == "pending" and record.settlement["relayer"] == relayer
        # the process dies with its transaction in the mempool
        for flight in list(first.engine._flights.values()):
            flight.cancel()
        await first.close()

        restarted = build_facilitator(networks, keys, database_url=database, settings=settings,
                                      worker="replica-a")
        await restarted.start()
        assert restarted.store.get_payment(record.payment_key).status == "pending"
        assert await sent_by(evm_world, "base", relayer) == sent_before + 1  # nothing re-sent
        await rpc(chain, "evm_mine")
        for _ in range(100):
            if restarted.store.get_payment(record.payment_key).status != "pending":
                break
            await asyncio.sleep(0.1)
        done = restarted.store.get_payment(record.payment_key)
        assert done.status == "settled", done
        answer = await restarted.engine.settle(request)
        assert answer["success"] and answer["transaction"] == done.transaction
    finally:
        await rpc(chain, "evm_setAutomine", True)
    receipt = await chain.w3.eth.get_transaction_receipt(done.transaction)
    assert receipt["status"] == 1
    assert await sent_by(evm_world, "base", relayer) == sent_before + 1
    amount = int(request["paymentRequirements"]["amount"])
    assert (await balances(chain, dep.token.address, payee))[0] == paid_before + amount


async def test_rpc_outage_answers_503_and_charges_nothing(evm_world: EvmWorld,
                                                          build_facilitator: Any) -> None:
    dep = evm_world.deployments["base"]
    target = urlparse(dep.rpc_url)
    proxy = await FlakyProxy(target.hostname, target.port).start()
    networks, keys = evm_world.networks()
    base = [n.model_copy(update={"rpc_url": proxy.url}) for n in networks
            if n.network == dep.network]
    service = build_facilitator(base, keys)
    chain, payee = evm_world.chains["base"], evm_world.payee("base").address
    try:
        async with serve(service) as url, httpx.AsyncClient(timeout=60) as http:
            request = body(requirements(service, evm_world, "base"),
                           await signed(evm_world, "base"))
            before = await balances(chain, dep.token.address, payee)
            proxy.down()
            for path in ("/verify", "/settle"):
                r = await http.post(url + path, json=request)
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "5"
                assert r.json()["errorReason"] == "gridpay_rpc_unavailable"
            assert await balances(chain, dep.token.address, payee) == before
            assert [p for p in service.store.payments() if p.status != "failed"] == []
            proxy.up = True
            r = await http.post(url + "/settle", json=request)
            assert r.status_code == 200 and r.json()["success"], r.text
            amount = int(request["paymentRequirements"]["amount"])
            assert await balances(chain, dep.token.address, payee) == [before[0] + amount]
    finally:
        await proxy.close()
