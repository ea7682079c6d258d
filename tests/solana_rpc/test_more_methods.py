"""Token-2022, durable nonces, encodings, memos, batch reads, unsubscribing, program deploys."""

from __future__ import annotations

import asyncio
import base64
import struct
from pathlib import Path

import aiohttp
import based58
from solana.rpc.async_api import AsyncClient
from solana.rpc.websocket_api import connect
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import SubscriptionResult
from solders.signature import Signature
from solders.system_program import (
    AdvanceNonceAccountParams,
    CreateAccountParams,
    advance_nonce_account,
    create_account,
    create_nonce_account,
)
from solders.system_program import TransferParams as SolTransfer
from solders.system_program import transfer as sol_transfer_ix
from solders.transaction import VersionedTransaction
from spl.token.constants import TOKEN_2022_PROGRAM_ID
from spl.token.instructions import (
    create_associated_token_account,
    get_associated_token_address,
    initialize_mint2,
    mint_to_checked,
)
from spl.token.models import InitializeMint2Params, MintToCheckedParams

from localnet.solana_chain import (
    SGL_MINT,
    USDC_MINT,
    BootState,
    associated_token_address,
    deploy_built_programs,
)
from localnet.solana_rpc import SolanaLocalnet

from .helpers import rpc, signed, sol_transfer

MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
LAMPORTS = 1_000_000_000


async def test_token_2022_mint_and_account_parse_like_the_validator(
    client: AsyncClient, payer: Keypair
) -> None:
    mint = Keypair()
    rent = (await client.get_minimum_balance_for_rent_exemption(82)).value
    ata = get_associated_token_address(payer.pubkey(), mint.pubkey(), TOKEN_2022_PROGRAM_ID)
    ixs = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer.pubkey(), to_pubkey=mint.pubkey(), lamports=rent, space=82,
                owner=TOKEN_2022_PROGRAM_ID,
            )
        ),
        initialize_mint2(
            InitializeMint2Params(
                decimals=9, program_id=TOKEN_2022_PROGRAM_ID, mint=mint.pubkey(),
                mint_authority=payer.pubkey(), freeze_authority=payer.pubkey(),
            )
        ),
        create_associated_token_account(payer.pubkey(), payer.pubkey(), mint.pubkey(), TOKEN_2022_PROGRAM_ID),
        mint_to_checked(
            MintToCheckedParams(
                program_id=TOKEN_2022_PROGRAM_ID, mint=mint.pubkey(), dest=ata,
                mint_authority=payer.pubkey(), amount=2_500_000_000, decimals=9,
            )
        ),
    ]
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    await client.send_transaction(signed(ixs, blockhash, payer, mint))

    parsed_mint = (await client.get_account_info_json_parsed(mint.pubkey())).value.data
    assert parsed_mint.program == "spl-token-2022"
    assert parsed_mint.parsed == {
        "type": "mint",
        "info": {
            "decimals": 9,
            "freezeAuthority": str(payer.pubkey()),
            "isInitialized": True,
            "mintAuthority": str(payer.pubkey()),
            "supply": "2500000000",
        },
    }
    account = (await client.get_account_info_json_parsed(ata)).value.data
    # The ATA program gives token-2022 accounts the ImmutableOwner extension.
    assert account.space == 170
    assert account.parsed["info"]["extensions"] == [{"extension": "immutableOwner"}]
    assert account.parsed["info"]["tokenAmount"] == {
        "amount": "2500000000",
        "decimals": 9,
        "uiAmount": 2.5,
        "uiAmountString": "2.5",
    }
    balance = (await client.get_token_account_balance(ata)).value
    assert balance.amount == "2500000000" and balance.ui_amount_string == "2.5"


async def test_durable_nonce_outlives_blockhash_expiry(
    client: AsyncClient, net: SolanaLocalnet, payer: Keypair
) -> None:
    nonce = Keypair()
    rent = (await client.get_minimum_balance_for_rent_exemption(80)).value
    create, initialize = create_nonce_account(payer.pubkey(), nonce.pubkey(), payer.pubkey(), rent)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    await client.send_transaction(signed([create, initialize], blockhash, payer, nonce))
    stored = Hash(bytes((await client.get_account_info(nonce.pubkey())).value.data)[40:72])

    to = Keypair().pubkey()
    ixs = [
        advance_nonce_account(AdvanceNonceAccountParams(nonce_pubkey=nonce.pubkey(), authorized_pubkey=payer.pubkey())),
        sol_transfer_ix(SolTransfer(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=LAMPORTS)),
    ]
    tx = VersionedTransaction(Message.new_with_blockhash(ixs, payer.pubkey(), stored), [payer])
    await rpc(net, "gridpay_warp", [120])  # every ordinary blockhash of that time has expired
    assert not (await rpc(net, "isBlockhashValid", [str(stored)]))["result"]["value"]
    await client.send_transaction(tx)
    assert (await client.get_balance(to)).value == LAMPORTS
    advanced = Hash(bytes((await client.get_account_info(nonce.pubkey())).value.data)[40:72])
    assert advanced != stored


async def test_get_transaction_encodings(net: SolanaLocalnet, client: AsyncClient, payer: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    ix = sol_transfer_ix(SolTransfer(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=5))
    legacy = VersionedTransaction(Message.new_with_blockhash([ix], payer.pubkey(), blockhash), [payer])
    sig = str((await client.send_transaction(legacy)).value)

    as_json = (await rpc(net, "getTransaction", [sig, "json"]))["result"]
    assert "version" not in as_json  # legacy and no maxSupportedTransactionVersion: no version field
    message = as_json["transaction"]["message"]
    assert message["accountKeys"][0] == str(payer.pubkey())
    assert message["header"] == {
        "numReadonlySignedAccounts": 0,
        "numReadonlyUnsignedAccounts": 1,
        "numRequiredSignatures": 1,
    }
    assert message["instructions"][0]["data"] == based58.b58encode(bytes(ix.data)).decode()
    assert as_json["transaction"]["signatures"] == [sig]
    assert as_json["meta"]["status"] == {"Ok": None}
    assert as_json["meta"]["loadedAddresses"] == {"readonly": [], "writable": []}

    as_b64 = (
        await rpc(net, "getTransaction", [sig, {"encoding": "base64", "maxSupportedTransactionVersion": 0}])
    )["result"]
    assert as_b64["version"] == "legacy"
    raw, encoding = as_b64["transaction"]
    assert encoding == "base64" and base64.b64decode(raw) == bytes(legacy)
    assert (await rpc(net, "getTransaction", [str(Signature.new_unique())]))["result"] is None


async def test_signatures_for_address_carry_memos(client: AsyncClient, payer: Keypair) -> None:
    to = Keypair().pubkey()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    first = (await client.send_transaction(sol_transfer(payer, to, LAMPORTS, blockhash))).value
    ixs = [
        sol_transfer_ix(SolTransfer(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=LAMPORTS)),
        Instruction(MEMO, b"job 42", []),
    ]
    second = (await client.send_transaction(signed(ixs, blockhash, payer))).value
    history = (await client.get_signatures_for_address(to)).value
    assert [h.signature for h in history] == [second, first]  # newest first
    assert history[0].memo == "[6] job 42" and history[1].memo is None
    assert [h.signature for h in (await client.get_signatures_for_address(to, limit=1)).value] == [second]
    older = (await client.get_signatures_for_address(to, before=second)).value
    assert [h.signature for h in older] == [first]


async def test_multiple_accounts_and_data_slice(net: SolanaLocalnet, payer: Keypair) -> None:
    ata = associated_token_address(payer.pubkey(), USDC_MINT)
    missing = Keypair().pubkey()
    reply = await rpc(
        net,
        "getMultipleAccounts",
        [[str(ata), str(missing), str(SGL_MINT)], {"encoding": "base64", "dataSlice": {"offset": 32, "length": 32}}],
    )
    first, absent, mint = reply["result"]["value"]
    assert absent is None
    assert base64.b64decode(first["data"][0]) == bytes(payer.pubkey())  # the owner field
    assert first["space"] == 165 and mint["space"] == 82
    (amount,) = struct.unpack("<Q", base64.b64decode(
        (await rpc(net, "getAccountInfo", [str(ata), {"encoding": "base64", "dataSlice": {"offset": 64, "length": 8}}]))
        ["result"]["value"]["data"][0]
    ))
    assert amount == 1_000_000 * 10**6
    too_many = await rpc(net, "getMultipleAccounts", [[str(missing)] * 101])
    assert too_many["error"] == {"code": -32602, "message": "Invalid params: Too many inputs provided; max 100"}


async def test_send_transaction_default_base58_encoding(net: SolanaLocalnet, client: AsyncClient, payer: Keypair) -> None:
    to = Keypair().pubkey()
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = sol_transfer(payer, to, LAMPORTS, blockhash)
    reply = await rpc(net, "sendTransaction", [based58.b58encode(bytes(tx)).decode()])
    assert reply["result"] == str(tx.signatures[0])
    assert (await client.get_balance(to)).value == LAMPORTS


async def test_unsubscribe(net: SolanaLocalnet, client: AsyncClient, payer: Keypair) -> None:
    to = Keypair().pubkey()
    async with connect(net.ws_url) as ws:
        await ws.account_subscribe(to)
        (subscribed,) = await ws.recv()
        await ws.account_unsubscribe(subscribed.result)
        await ws.recv()  # true
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        await client.send_transaction(sol_transfer(payer, to, LAMPORTS, blockhash))
        await ws.slot_subscribe()  # the next message must be this answer, not an account notification
        (answer,) = await asyncio.wait_for(ws.recv(), timeout=5)
        assert isinstance(answer, SubscriptionResult)
    async with aiohttp.ClientSession() as session, session.ws_connect(net.ws_url) as raw:
        await raw.send_json({"jsonrpc": "2.0", "id": 9, "method": "accountUnsubscribe", "params": [subscribed.result]})
        assert await raw.receive_json() == {
            "jsonrpc": "2.0",
            "error": {"code": -32602, "message": "Invalid subscription id."},
            "id": 9,
        }


async def test_built_programs_from_anchor_toml(net: SolanaLocalnet, client: AsyncClient, payer: Keypair, tmp_path: Path) -> None:
    program = Pubkey.new_unique()
    (tmp_path / "Anchor.toml").write_text(
        f'[programs.localnet]\njob_escrow = "{program}"\nstaking = "{Pubkey.new_unique()}"\n'
    )
    deploy_dir = tmp_path / "deploy"
    deploy_dir.mkdir()
    token_program = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    (deploy_dir / "job_escrow.so").write_bytes(bytes(net.svm.get_account(token_program).data))
    state = BootState()
    deploy_built_programs(net.chain, state, tmp_path / "Anchor.toml", deploy_dir)
    assert state.programs == {"job_escrow": program}
    assert "staking.so not built" in state.skipped_programs["staking"]
    info = (await client.get_account_info(program)).value
    assert info.executable and str(info.owner) == "BPFLoaderUpgradeab1e11111111111111111111111"
