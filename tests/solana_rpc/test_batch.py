"""JSON-RPC batches of sendTransaction (arrays, as the real validator takes them
and as `gridpay bench solana-rpc` sends them): processed in order, one answer per
request with its id, a failing member answered with its own error and no effect
on the others."""

from __future__ import annotations

import base64
import json
from typing import Any

from solana.rpc.async_api import AsyncClient
from solders.hash import Hash
from solders.keypair import Keypair
from solders.transaction import VersionedTransaction

from localnet.solana_rpc import SolanaLocalnet
from tests.solana_rpc.helpers import dependent_transfers, rpc, sol_transfer

SOL = 1_000_000_000


def send(tx: VersionedTransaction, req_id: Any) -> dict[str, Any]:
    encoded = base64.b64encode(bytes(tx)).decode()
    return {
        "jsonrpc": "2.0",
        "id": req_id,
        "method": "sendTransaction",
        "params": [encoded, {"encoding": "base64", "preflightCommitment": "confirmed"}],
    }


async def test_batch_of_transactions_runs_in_order_and_answers_each(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair, alice: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    # `spends` is only possible after `funds`, later in the same batch
    fresh, funds, spends = dependent_transfers(payer, alice.pubkey(), SOL, blockhash)
    stale = sol_transfer(payer, alice.pubkey(), 7, Hash.new_unique())
    again = sol_transfer(payer, alice.pubkey(), 3 * SOL, blockhash)
    alice_before = (await client.get_balance(alice.pubkey())).value

    answers = await rpc(
        net,
        "",
        raw=json.dumps(
            [send(funds, 1), send(spends, "two"), send(stale, 3), send(again, None)]
        ).encode(),
    )

    assert [a["id"] for a in answers] == [1, "two", 3, None]
    assert [a.get("result") for a in answers] == [
        str(funds.signatures[0]),
        str(spends.signatures[0]),
        None,
        str(again.signatures[0]),
    ]
    assert answers[2]["error"]["code"] == -32002
    assert answers[2]["error"]["data"]["err"] == "BlockhashNotFound"
    assert (await client.get_balance(alice.pubkey())).value == alice_before + 4 * SOL
    assert (await client.get_balance(fresh.pubkey())).value == SOL - 5_000
    statuses = (
        await client.get_signature_statuses([tx.signatures[0] for tx in (funds, spends, stale)])
    ).value
    assert statuses[0] is not None and statuses[1] is not None and statuses[2] is None


async def test_batch_member_failing_preflight_leaves_the_rest(
    net: SolanaLocalnet, client: AsyncClient, alice: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    broke = Keypair()  # no lamports: the fee payer cannot pay
    fails = sol_transfer(broke, alice.pubkey(), 1, blockhash)
    answers = await rpc(
        net, "", raw=json.dumps([send(fails, 1), {"jsonrpc": "2.0", "id": 2, "method": "getSlot"}]).encode()
    )
    assert answers[0]["error"]["code"] == -32002
    assert answers[0]["error"]["data"]["err"] == "AccountNotFound"
    assert isinstance(answers[1]["result"], int)
    assert (await client.get_balance(broke.pubkey())).value == 0
