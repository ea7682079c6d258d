"""The relayer's nonce manager on a real node (anvil)."""

from __future__ import annotations

import asyncio

import pytest

from pyclients.evm import abi
from pyclients.evm.errors import RelayerError
from pyclients.evm.relayer import Relayer
from tests.evm.conftest import Env

pytestmark = pytest.mark.asyncio(loop_scope="session")

CONCURRENT = 20


async def test_concurrent_settlements_from_one_relayer(anvil_env: Env) -> None:
    env = anvil_env
    req = env.req()
    # Independent payers (a permit-path payer's permits would have to apply in nonce order).
    payers = [env.fresh_account() for _ in range(CONCURRENT)]
    await asyncio.gather(*(env.mint(p.address, env.amount) for p in payers))
    payments = [await env.sign(signer=p) for p in payers]
    start_nonce = await env.chain.w3.eth.get_transaction_count(env.relayer.address)
    payee_before = (await env.balances(env.payee.address))[0]

    settlements = await asyncio.gather(*(env.path.settle(p, req, env.relayer) for p in payments))

    txs = [await env.chain.w3.eth.get_transaction(s.tx_hash) for s in settlements]
    assert sorted(tx["nonce"] for tx in txs) == list(range(start_nonce, start_nonce + CONCURRENT))
    assert all(tx["from"] == env.relayer.address for tx in txs)
    assert {s.payer for s in settlements} == {p.address for p in payers}
    assert await env.balances(*(p.address for p in payers)) == [0] * CONCURRENT
    assert await env.balances(env.payee.address) == [payee_before + CONCURRENT * env.amount]


async def test_resyncs_when_someone_else_used_the_key(anvil_env: Env) -> None:
    env = anvil_env
    mint = abi.MINT.encode(env.stranger.address, 1)
    await env.relayer.transact(env.token, mint, action="mint")  # caches the next nonce
    other = Relayer(env.chain, env.relayer.account)  # same key, other process
    await other.transact(env.token, mint, action="mint")
    await other.transact(env.token, mint, action="mint")
    # The first relayer's cached nonce is now taken: "nonce too low", resync, retry.
    receipt = await env.relayer.transact(env.token, mint, action="mint")
    assert receipt["status"] == 1
    tx = await env.chain.w3.eth.get_transaction(receipt["transactionHash"])
    assert tx["nonce"] == await env.chain.w3.eth.get_transaction_count(env.relayer.address) - 1


async def test_refused_transaction_does_not_burn_a_nonce(anvil_env: Env) -> None:
    env = anvil_env
    mint = abi.MINT.encode(env.stranger.address, 1)
    await env.relayer.transact(env.token, mint, action="mint")
    nonce = await env.chain.w3.eth.get_transaction_count(env.relayer.address)
    with pytest.raises(RelayerError, match="intrinsic gas"):
        await env.relayer.transact(env.token, mint, action="mint", gas=21_000 // 2)
    # Had the refused transaction kept its nonce, this one would wait behind a gap.
    receipt = await env.relayer.transact(env.token, mint, action="mint")
    assert (await env.chain.w3.eth.get_transaction(receipt["transactionHash"]))["nonce"] == nonce
