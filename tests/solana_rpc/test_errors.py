"""Mistakes get the errors a real validator gives, so clients handle them the same way.

The expected JSON below is what Agave returns for the same mistake: codes from
`rpc-client-api/src/custom_error.rs`, messages from the `Display` of
`TransactionError` / `InstructionError`, the preflight `data` object built in
`rpc.rs` (`send_transaction`: accounts/innerInstructions/replacementBlockhash
null, logs and unitsConsumed from the simulation). solana-py must raise the
same exception types it raises against a real validator.
"""

from __future__ import annotations

import base64
import json

import aiohttp
import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.hash import Hash
from solders.keypair import Keypair
from solders.rpc.errors import SendTransactionPreflightFailureMessage
from solders.rpc.responses import (
    GetBalanceResp,
    InvalidParamsMessage,
    MinContextSlotNotReachedMessage,
    RpcCustomErrorFieldless,
    UnsupportedTransactionVersionMessage,
)
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorFieldless,
    TransactionErrorInstructionError,
)

from localnet.solana_chain import USDC_MINT, WALLET_USDC, associated_token_address
from localnet.solana_rpc import SolanaLocalnet

from .helpers import rpc, sol_transfer, usdc_transfer

LAMPORTS = 1_000_000_000


def preflight_failure(exc: pytest.ExceptionInfo[RPCException]) -> SendTransactionPreflightFailureMessage:
    (error,) = exc.value.args
    assert isinstance(error, SendTransactionPreflightFailureMessage)
    return error


async def test_blockhash_not_found(client: AsyncClient, net: SolanaLocalnet, payer: Keypair) -> None:
    tx = sol_transfer(payer, Keypair().pubkey(), 1, Hash.new_unique())
    before = (await client.get_balance(payer.pubkey())).value
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    error = preflight_failure(exc)
    assert error.message == "Transaction simulation failed: Blockhash not found"
    assert error.data.err == TransactionErrorFieldless.BlockhashNotFound
    assert error.data.logs == []
    assert (await client.get_balance(payer.pubkey())).value == before

    wire = await rpc(net, "sendTransaction", [_b64(tx), {"encoding": "base64"}])
    assert wire["error"]["code"] == -32002
    assert {k: wire["error"]["data"][k] for k in AGAVE_BLOCKHASH_NOT_FOUND_DATA} == AGAVE_BLOCKHASH_NOT_FOUND_DATA


# Agave's data object for a stale blockhash (rpc.rs send_transaction preflight).
AGAVE_BLOCKHASH_NOT_FOUND_DATA = {
    "accounts": None,
    "err": "BlockhashNotFound",
    "innerInstructions": None,
    "logs": [],
    "replacementBlockhash": None,
    "returnData": None,
    "unitsConsumed": 0,
}


async def test_fee_payer_without_account(client: AsyncClient) -> None:
    stranger = Keypair()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(sol_transfer(stranger, Keypair().pubkey(), 1, blockhash))
    error = preflight_failure(exc)
    assert error.message == (
        "Transaction simulation failed: Attempt to debit an account but found no record of a prior credit."
    )
    assert error.data.err == TransactionErrorFieldless.AccountNotFound


async def test_insufficient_funds_for_fee(client: AsyncClient, net: SolanaLocalnet, payer: Keypair) -> None:
    poor = Keypair()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    await client.send_transaction(sol_transfer(payer, poor.pubkey(), 4000, blockhash))
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(sol_transfer(poor, Keypair().pubkey(), 1, blockhash))
    error = preflight_failure(exc)
    assert error.message == "Transaction simulation failed: Insufficient funds for fee"
    assert error.data.err == TransactionErrorFieldless.InsufficientFundsForFee
    assert (await client.get_balance(poor.pubkey())).value == 4000


async def test_program_error_reports_logs_and_moves_nothing(
    client: AsyncClient, net: SolanaLocalnet, payer: Keypair, alice: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = usdc_transfer(payer, alice.pubkey(), WALLET_USDC + 1, blockhash)
    sol_before = (await client.get_balance(payer.pubkey())).value
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    error = preflight_failure(exc)
    assert error.message == (
        "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    )
    assert error.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert "Program log: Error: insufficient funds" in error.data.logs
    assert error.data.logs[-1].endswith("failed: custom program error: 0x1")
    assert error.data.units_consumed > 0

    # Preflight failed: no token moved, no fee paid, nothing recorded.
    for owner in (payer, alice):
        ata = associated_token_address(owner.pubkey(), USDC_MINT)
        assert (await client.get_token_account_balance(ata)).value.amount == str(WALLET_USDC)
    assert (await client.get_balance(payer.pubkey())).value == sol_before
    assert (await client.get_signature_statuses([tx.signatures[0]])).value == [None]


async def test_system_transfer_overdraft(client: AsyncClient, payer: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(sol_transfer(payer, Keypair().pubkey(), 10_000 * LAMPORTS, blockhash))
    error = preflight_failure(exc)
    assert error.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert any(line.startswith("Transfer: insufficient lamports") for line in error.data.logs)


async def test_skip_preflight_failure_lands_and_pays_the_fee(
    client: AsyncClient, payer: Keypair, alice: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = usdc_transfer(payer, alice.pubkey(), WALLET_USDC + 1, blockhash)
    before = (await client.get_balance(payer.pubkey())).value
    sig = (await client.send_transaction(tx, opts=TxOpts(skip_preflight=True))).value
    status = (await client.get_signature_statuses([sig])).value[0]
    assert status.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert (await client.get_balance(payer.pubkey())).value == before - 5000
    meta = (await client.get_transaction(sig, max_supported_transaction_version=0)).value.transaction.meta
    assert meta.err == status.err
    assert meta.fee == 5000
    assert "Program log: Error: insufficient funds" in meta.log_messages
    ata = associated_token_address(payer.pubkey(), USDC_MINT)
    assert (await client.get_token_account_balance(ata)).value.amount == str(WALLET_USDC)


async def test_skip_preflight_with_stale_blockhash_is_dropped(client: AsyncClient, payer: Keypair) -> None:
    tx = sol_transfer(payer, Keypair().pubkey(), LAMPORTS, Hash.new_unique())
    before = (await client.get_balance(payer.pubkey())).value
    sig = (await client.send_transaction(tx, opts=TxOpts(skip_preflight=True))).value
    assert sig == tx.signatures[0]
    assert (await client.get_signature_statuses([sig])).value == [None]
    assert (await client.get_balance(payer.pubkey())).value == before


async def test_bad_signature(client: AsyncClient, payer: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    good = sol_transfer(payer, Keypair().pubkey(), 1, blockhash)
    forged = VersionedTransaction.populate(good.message, [Signature.new_unique()])
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(forged)
    assert exc.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


async def test_replay_is_already_processed(client: AsyncClient, payer: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = sol_transfer(payer, Keypair().pubkey(), LAMPORTS, blockhash)
    await client.send_transaction(tx)
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(tx)
    error = preflight_failure(exc)
    assert error.message == "Transaction simulation failed: This transaction has already been processed"
    assert error.data.err == TransactionErrorFieldless.AlreadyProcessed


async def test_simulation_of_stale_blockhash_is_a_result_not_an_error(
    client: AsyncClient, payer: Keypair
) -> None:
    tx = sol_transfer(payer, Keypair().pubkey(), 1, Hash.new_unique())
    sim = (await client.simulate_transaction(tx)).value
    assert sim.err == TransactionErrorFieldless.BlockhashNotFound
    replaced = (await client.simulate_transaction(tx, sig_verify=False)).value
    assert replaced.err == TransactionErrorFieldless.BlockhashNotFound


async def test_replace_recent_blockhash(net: SolanaLocalnet, payer: Keypair) -> None:
    tx = sol_transfer(payer, Keypair().pubkey(), 1, Hash.new_unique())
    reply = await rpc(
        net, "simulateTransaction", [_b64(tx), {"encoding": "base64", "replaceRecentBlockhash": True}]
    )
    value = reply["result"]["value"]
    assert value["err"] is None
    assert value["replacementBlockhash"]["blockhash"] == str(net.chain.latest_blockhash()[0])
    both = await rpc(
        net,
        "simulateTransaction",
        [_b64(tx), {"encoding": "base64", "replaceRecentBlockhash": True, "sigVerify": True}],
    )
    assert both["error"] == {
        "code": -32602,
        "message": "Invalid params: sigVerify may not be used with replaceRecentBlockhash",
    }


async def test_v0_transaction_needs_max_supported_version(client: AsyncClient, payer: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    sig = (await client.send_transaction(sol_transfer(payer, Keypair().pubkey(), 1, blockhash))).value
    with pytest.raises(RPCException) as exc:
        await client.get_transaction(sig)
    assert isinstance(exc.value.args[0], UnsupportedTransactionVersionMessage)
    assert '"maxSupportedTransactionVersion": 0' in exc.value.args[0].message


async def test_min_context_slot(client: AsyncClient, net: SolanaLocalnet) -> None:
    reply = await rpc(net, "getBalance", [str(Keypair().pubkey()), {"minContextSlot": 10**9}])
    assert reply["error"]["code"] == -32016
    assert reply["error"]["message"] == "Minimum context slot has not been reached"
    assert reply["error"]["data"]["contextSlot"] <= net.chain.slot
    parsed = GetBalanceResp.from_json(json.dumps(reply))
    assert isinstance(parsed, MinContextSlotNotReachedMessage)


async def test_json_rpc_protocol_errors(net: SolanaLocalnet) -> None:
    assert (await rpc(net, "getBlockProduction2")) == {
        "jsonrpc": "2.0",
        "error": {"code": -32601, "message": "Method not found"},
        "id": 7,
    }
    bad = await rpc(net, "getBalance", [12])
    assert bad["error"]["code"] == -32602 and "pubkey" in bad["error"]["message"]
    missing = await rpc(net, "getBalance", [])
    assert missing["error"]["code"] == -32602 and "pubkey" in missing["error"]["message"]
    garbage = await rpc(net, "", raw=b"{not json")
    assert garbage["error"] == {"code": -32700, "message": "Parse error"} and garbage["id"] is None
    no_method = await rpc(net, "", raw=b'{"jsonrpc":"2.0","id":3}')
    assert no_method["error"]["code"] == -32600 and no_method["id"] == 3
    batch = await rpc(
        net,
        "",
        raw=b'[{"jsonrpc":"2.0","id":1,"method":"getSlot"},{"jsonrpc":"2.0","id":2,"method":"nope"}]',
    )
    assert [r["id"] for r in batch] == [1, 2]
    assert isinstance(batch[0]["result"], int) and batch[1]["error"]["code"] == -32601


async def test_invalid_transaction_bytes(net: SolanaLocalnet, client: AsyncClient) -> None:
    reply = await rpc(net, "sendTransaction", ["AAAA", {"encoding": "base64"}])
    assert reply["error"]["code"] == -32602
    assert reply["error"]["message"].startswith(
        "Invalid params: failed to deserialize solana_transaction::versioned::VersionedTransaction"
    )
    with pytest.raises(RPCException) as exc:
        await client.send_raw_transaction(b"\x01" + bytes(64) + b"\x00")
    assert isinstance(exc.value.args[0], InvalidParamsMessage)


async def test_base58_account_data_over_128_bytes(net: SolanaLocalnet, payer: Keypair) -> None:
    ata = associated_token_address(payer.pubkey(), USDC_MINT)
    reply = await rpc(net, "getAccountInfo", [str(ata), {"encoding": "base58"}])
    assert reply["error"] == {
        "code": -32600,
        "message": "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
    }
    mint = await rpc(net, "getAccountInfo", [str(USDC_MINT)])  # legacy default: plain base58
    assert isinstance(mint["result"]["value"]["data"], str)


async def test_token_balance_of_a_non_token_account(net: SolanaLocalnet, payer: Keypair) -> None:
    reply = await rpc(net, "getTokenAccountBalance", [str(payer.pubkey())])
    assert reply["error"] == {"code": -32602, "message": "Invalid param: not a Token account"}
    reply = await rpc(net, "getTokenAccountBalance", [str(Keypair().pubkey())])
    assert reply["error"] == {"code": -32602, "message": "Invalid param: could not find account"}


def _b64(tx: VersionedTransaction) -> str:
    return base64.b64encode(bytes(tx)).decode()


async def test_history_methods_refuse_processed_commitment(net: SolanaLocalnet, payer: Keypair) -> None:
    for method, first in (("getTransaction", str(Signature.new_unique())), ("getSignaturesForAddress", str(payer.pubkey()))):
        reply = await rpc(net, method, [first, {"commitment": "processed"}])
        assert reply["error"] == {
            "code": -32602,
            "message": "Invalid params: Method does not support commitment below `confirmed`",
        }


async def test_browser_cors(net: SolanaLocalnet) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "content-type, solana-client"}
        async with session.options(net.url, headers=headers) as preflight:
            assert preflight.status == 200
            assert preflight.headers["Access-Control-Allow-Origin"] == "*"
            assert "solana-client" in preflight.headers["Access-Control-Allow-Headers"]
        async with session.post(net.url, json={"jsonrpc": "2.0", "id": 1, "method": "getHealth"}) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            assert (await response.json())["result"] == "ok"
