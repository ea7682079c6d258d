"""Slots follow wall-clock time, blockhashes expire after 150 slots, and tests can warp."""

from __future__ import annotations

import asyncio
import struct

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException, TransactionExpiredBlockheightExceededError
from solana.rpc.models import TxOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_status import TransactionErrorFieldless

from localnet.solana_rpc import ChainConfig, SolanaLocalnet
from localnet.solana_rpc.chain import MAX_PROCESSING_AGE

from .helpers import rpc, sol_transfer

CLOCK_SYSVAR = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")


async def clock(client: AsyncClient) -> tuple[int, int]:
    """(slot, unix_timestamp) as programs read them from the Clock sysvar."""
    data = bytes((await client.get_account_info(CLOCK_SYSVAR)).value.data)
    slot, _start, _epoch, _leader, unix = struct.unpack("<QqQQq", data)
    return slot, unix


async def warp(net: SolanaLocalnet, seconds: float) -> dict[str, int]:
    return (await rpc(net, "gridpay_warp", [seconds]))["result"]


async def blockhash_valid(net: SolanaLocalnet, blockhash: object) -> bool:
    return (await rpc(net, "isBlockhashValid", [str(blockhash)]))["result"]["value"]


async def test_slots_advance_with_wall_clock() -> None:
    async with SolanaLocalnet.start(port=0, config=ChainConfig(slot_ms=50), boot=False) as net:
        async with AsyncClient(net.url) as client:
            first = (await client.get_slot()).value
            first_hash = (await client.get_latest_blockhash()).value.blockhash
            await asyncio.sleep(0.3)
            later = (await client.get_slot()).value
            assert later > first
            assert (await client.get_block_height()).value >= later
            assert (await client.get_latest_blockhash()).value.blockhash != first_hash
            before = (await client.get_slot()).value
            clock_slot, _ = await clock(client)
            assert before <= clock_slot <= (await client.get_slot()).value


async def test_warp_moves_clock_and_expires_blockhashes(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    latest = (await client.get_latest_blockhash()).value
    slot0, unix0 = await clock(client)
    assert latest.last_valid_block_height == (await client.get_block_height()).value + MAX_PROCESSING_AGE

    # 50 s = 125 slots: the blockhash is old but still inside its 150-slot window.
    result = await warp(net, 50)
    assert result["slot"] >= slot0 + 125
    assert await blockhash_valid(net, latest.blockhash) is True
    await client.send_transaction(sol_transfer(payer, Keypair().pubkey(), 1, latest.blockhash))

    # 20 s more: 175 slots old, expired everywhere.
    await warp(net, 20)
    slot1, unix1 = await clock(client)
    assert slot1 >= slot0 + 175
    assert unix1 >= unix0 + 70
    assert await blockhash_valid(net, latest.blockhash) is False
    assert (await client.get_block_height()).value > latest.last_valid_block_height
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(sol_transfer(payer, Keypair().pubkey(), 2, latest.blockhash))
    assert exc.value.args[0].data.err == TransactionErrorFieldless.BlockhashNotFound


async def test_expired_transaction_fails_confirmation(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    """solana-py gives up on a dropped transaction once the block height passes its window."""
    latest = (await client.get_latest_blockhash()).value
    await warp(net, 61)
    tx = sol_transfer(payer, Keypair().pubkey(), 1, latest.blockhash)
    sig = (await client.send_transaction(tx, opts=TxOpts(skip_preflight=True))).value
    with pytest.raises(TransactionExpiredBlockheightExceededError):
        await client.confirm_transaction(sig, last_valid_block_height=latest.last_valid_block_height)


async def test_warp_rejects_going_backwards(net: SolanaLocalnet) -> None:
    error = (await rpc(net, "gridpay_warp", [-1]))["error"]
    assert error["code"] == -32602 and "seconds" in error["message"]


async def test_fee_for_message_is_null_for_an_expired_blockhash(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = sol_transfer(payer, Keypair().pubkey(), 1, blockhash).message
    assert (await client.get_fee_for_message(message)).value == 5000
    await warp(net, 61)
    assert (await client.get_fee_for_message(message)).value is None
