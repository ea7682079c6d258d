"""solana-py's AsyncClient, unmodified, against the local validator."""

from __future__ import annotations

import asyncio

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.models import MemcmpOpts, TokenAccountOpts, TxOpts
from solana.rpc.websocket_api import connect
from solders.address_lookup_table_account import AddressLookupTableAccount
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.rpc.responses import AccountNotificationJsonParsed, SignatureNotification
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus
from spl.token.constants import TOKEN_PROGRAM_ID

from localnet.solana_chain import (
    SGL_MINT,
    USDC_MINT,
    WALLET_NAMES,
    WALLET_USDC,
    associated_token_address,
    wallet,
)
from localnet.solana_rpc import SolanaLocalnet
from localnet.solana_rpc.chain import DEVNET_GENESIS_HASH

from .helpers import lookup_table_instructions, signed, sol_transfer, usdc_transfer

LAMPORTS = 1_000_000_000


async def test_cluster_info(client: AsyncClient, net: SolanaLocalnet) -> None:
    assert await client.is_connected()
    version = (await client.get_version()).value
    assert version.solana_core
    assert str((await client.get_genesis_hash()).value) == DEVNET_GENESIS_HASH
    assert net.network_id == "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    epoch = (await client.get_epoch_info()).value
    assert epoch.block_height == epoch.absolute_slot
    assert 0 <= epoch.slot_index < epoch.slots_in_epoch
    rent = (await client.get_minimum_balance_for_rent_exemption(165)).value
    assert rent == net.svm.minimum_balance_for_rent_exemption(165)


async def test_sol_transfer_confirmed_by_polling(client: AsyncClient, payer: Keypair) -> None:
    to = Keypair().pubkey()
    latest = (await client.get_latest_blockhash()).value
    tx = sol_transfer(payer, to, 2 * LAMPORTS, latest.blockhash)
    before = (await client.get_balance(payer.pubkey())).value

    sig = (await client.send_transaction(tx)).value
    status = await client.confirm_transaction(
        sig, Confirmed, sleep_seconds=0.05, last_valid_block_height=latest.last_valid_block_height
    )
    assert status.value[0].err is None
    assert status.value[0].confirmation_status == TransactionConfirmationStatus.Finalized

    assert (await client.get_balance(to)).value == 2 * LAMPORTS
    fetched = (await client.get_transaction(sig, max_supported_transaction_version=0)).value
    meta = fetched.transaction.meta
    assert meta.fee == 5000
    assert meta.err is None
    assert meta.pre_balances[0] == before
    assert meta.post_balances[0] == before - 2 * LAMPORTS - 5000
    assert meta.post_balances[1] == 2 * LAMPORTS
    assert meta.compute_units_consumed == 150
    assert "Program 11111111111111111111111111111111 success" in meta.log_messages
    assert (await client.get_balance(payer.pubkey())).value == before - 2 * LAMPORTS - 5000


async def test_token_transfer_confirmed_over_websocket(
    client: AsyncClient, net: SolanaLocalnet, payer: Keypair, alice: Keypair
) -> None:
    source = associated_token_address(payer.pubkey(), USDC_MINT)
    dest = associated_token_address(alice.pubkey(), USDC_MINT)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = usdc_transfer(payer, alice.pubkey(), 1_500_000, blockhash)

    async with connect(net.ws_url) as ws:
        await ws.signature_subscribe(tx.signatures[0], commitment=Confirmed)
        await ws.account_subscribe(dest, commitment=Confirmed, encoding="jsonParsed")
        subscribed = await ws.recv()
        subscribed += await ws.recv()
        assert len(subscribed) == 2
        await client.send_transaction(tx, opts=TxOpts(skip_confirmation=True))
        notes = []
        while len(notes) < 2:
            notes += await asyncio.wait_for(ws.recv(), timeout=5)
    by_type = {type(n): n for n in notes}
    assert by_type[SignatureNotification].result.value.err is None
    account = by_type[AccountNotificationJsonParsed].result.value
    assert account.data.parsed["info"]["tokenAmount"]["amount"] == str(WALLET_USDC + 1_500_000)

    balance = (await client.get_token_account_balance(source)).value
    assert balance.amount == str(WALLET_USDC - 1_500_000)
    assert balance.decimals == 6
    assert balance.ui_amount_string == "999998.5"

    meta = (
        await client.get_transaction(tx.signatures[0], max_supported_transaction_version=0)
    ).value.transaction.meta
    pre = {b.account_index: int(b.ui_token_amount.amount) for b in meta.pre_token_balances}
    post = {b.account_index: int(b.ui_token_amount.amount) for b in meta.post_token_balances}
    assert sum(post.values()) == sum(pre.values())
    assert sorted(post[i] - pre[i] for i in pre) == [-1_500_000, 1_500_000]
    assert {str(b.owner) for b in meta.post_token_balances} == {str(payer.pubkey()), str(alice.pubkey())}


async def test_signature_subscribe_after_landing_is_answered(
    client: AsyncClient, net: SolanaLocalnet, payer: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    sig = (await client.send_transaction(sol_transfer(payer, Keypair().pubkey(), 1000, blockhash))).value
    async with connect(net.ws_url) as ws:
        await ws.signature_subscribe(sig)
        first = await ws.recv()
        notes = first[1:] or await asyncio.wait_for(ws.recv(), timeout=5)
    assert isinstance(notes[0], SignatureNotification)


async def test_slot_subscription_follows_the_clock(net: SolanaLocalnet) -> None:
    async with connect(net.ws_url) as ws:
        await ws.slot_subscribe()
        await ws.recv()
        seen = []
        while len(seen) < 2:
            seen += [n.result.slot for n in await asyncio.wait_for(ws.recv(), timeout=5)]
    assert seen[1] > seen[0]


async def test_json_parsed_mint_and_token_account(client: AsyncClient, payer: Keypair) -> None:
    mint = (await client.get_account_info_json_parsed(USDC_MINT)).value
    assert mint.owner == TOKEN_PROGRAM_ID
    info = mint.data.parsed["info"]
    assert mint.data.program == "spl-token" and mint.data.parsed["type"] == "mint"
    assert info["decimals"] == 6
    assert info["supply"] == str(WALLET_USDC * len(WALLET_NAMES))
    assert info["isInitialized"] is True and info["freezeAuthority"] is None

    ata = associated_token_address(payer.pubkey(), SGL_MINT)
    account = (await client.get_account_info_json_parsed(ata)).value
    assert account.data.parsed["type"] == "account"
    assert account.data.parsed["info"]["owner"] == str(payer.pubkey())
    assert account.data.parsed["info"]["mint"] == str(SGL_MINT)
    assert account.data.parsed["info"]["state"] == "initialized"
    assert account.data.space == 165

    plain = (await client.get_account_info(ata)).value  # base64 on the wire
    assert bytes(plain.data)[32:64] == bytes(payer.pubkey())


async def test_token_accounts_by_owner(client: AsyncClient, net: SolanaLocalnet, payer: Keypair) -> None:
    by_mint = (
        await client.get_token_accounts_by_owner_json_parsed(payer.pubkey(), TokenAccountOpts(mint=USDC_MINT))
    ).value
    assert [a.pubkey for a in by_mint] == [associated_token_address(payer.pubkey(), USDC_MINT)]
    assert by_mint[0].account.data.parsed["info"]["tokenAmount"]["amount"] == str(WALLET_USDC)

    by_program = (
        await client.get_token_accounts_by_owner(payer.pubkey(), TokenAccountOpts(program_id=TOKEN_PROGRAM_ID))
    ).value
    assert {a.pubkey for a in by_program} == {
        associated_token_address(payer.pubkey(), mint) for mint in net.boot_state.mints.values()
    }


async def test_program_accounts_with_filters(client: AsyncClient, net: SolanaLocalnet, payer: Keypair) -> None:
    owner_filter = MemcmpOpts(offset=32, bytes=str(payer.pubkey()))
    accounts = (await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[165, owner_filter])).value
    assert {a.pubkey for a in accounts} == {
        associated_token_address(payer.pubkey(), mint) for mint in net.boot_state.mints.values()
    }
    mints = (await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[82])).value
    assert {a.pubkey for a in mints} == set(net.boot_state.mints.values()) >= {USDC_MINT, SGL_MINT}
    usdc_holders = (
        await client.get_program_accounts_json_parsed(
            TOKEN_PROGRAM_ID, filters=[165, MemcmpOpts(offset=0, bytes=str(USDC_MINT))]
        )
    ).value
    assert len(usdc_holders) == len(WALLET_NAMES)


async def test_accounts_created_by_transactions_are_indexed(client: AsyncClient, payer: Keypair) -> None:
    """A token account opened by a transaction shows up in getProgramAccounts."""
    from spl.token.instructions import create_associated_token_account

    newcomer = Keypair().pubkey()
    ix = create_associated_token_account(payer.pubkey(), newcomer, USDC_MINT)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    await client.send_transaction(signed([ix], blockhash, payer))
    found = (
        await client.get_token_accounts_by_owner(newcomer, TokenAccountOpts(mint=USDC_MINT))
    ).value
    assert [a.pubkey for a in found] == [associated_token_address(newcomer, USDC_MINT)]


async def test_airdrop_is_a_real_transaction(client: AsyncClient) -> None:
    who = Keypair().pubkey()
    sig = (await client.request_airdrop(who, 3 * LAMPORTS)).value
    await client.confirm_transaction(sig, sleep_seconds=0.05)
    assert (await client.get_balance(who)).value == 3 * LAMPORTS
    tx = (await client.get_transaction(sig)).value
    assert tx.transaction.meta.post_balances[1] == 3 * LAMPORTS
    history = (await client.get_signatures_for_address(who)).value
    assert [h.signature for h in history] == [sig]


async def test_fee_for_message_matches_the_fee_charged(client: AsyncClient, payer: Keypair) -> None:
    """A priority fee is charged as getFeeForMessage predicts, and recorded in meta.fee."""
    from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price

    blockhash = (await client.get_latest_blockhash()).value.blockhash
    ixs = [
        set_compute_unit_limit(10_000),
        set_compute_unit_price(250_000),  # micro-lamports: 2,500 lamports at 10k CU
        transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=LAMPORTS)),
    ]
    message = MessageV0.try_compile(payer.pubkey(), ixs, [], blockhash)
    predicted = (await client.get_fee_for_message(message)).value
    assert predicted == 5000 + 2500
    before = (await client.get_balance(payer.pubkey())).value
    sig = (await client.send_transaction(signed(ixs, blockhash, payer))).value
    after = (await client.get_balance(payer.pubkey())).value
    assert before - after == LAMPORTS + predicted
    meta = (await client.get_transaction(sig, max_supported_transaction_version=0)).value.transaction.meta
    assert meta.fee == predicted
    fees = (await client.get_recent_prioritization_fees([payer.pubkey()])).value
    assert max(f.prioritization_fee for f in fees) == 250_000


async def test_simulate_reports_logs_and_units(client: AsyncClient, payer: Keypair, alice: Keypair) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    tx = usdc_transfer(payer, alice.pubkey(), 10, blockhash)
    sim = (await client.simulate_transaction(tx, sig_verify=True)).value
    assert sim.err is None
    assert sim.units_consumed > 0
    assert any("TransferChecked" in line for line in sim.logs)
    # simulation leaves no trace
    source = associated_token_address(payer.pubkey(), USDC_MINT)
    assert (await client.get_token_account_balance(source)).value.amount == str(WALLET_USDC)
    assert (await client.get_signature_statuses([tx.signatures[0]])).value == [None]


async def test_versioned_transaction_with_lookup_table(
    client: AsyncClient, net: SolanaLocalnet, payer: Keypair
) -> None:
    """An address lookup table created at a recent slot resolves in a v0 transaction."""
    recipients = [Keypair().pubkey() for _ in range(3)]
    slot = (await client.get_slot()).value
    table, table_ixs = lookup_table_instructions(payer.pubkey(), slot, recipients)
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    await client.send_transaction(signed(table_ixs, blockhash, payer))
    # A table can be used from the slot after its last extension.
    net.warp(1)

    lookup = AddressLookupTableAccount(table, recipients)
    ixs = [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=r, lamports=LAMPORTS)) for r in recipients]
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = MessageV0.try_compile(payer.pubkey(), ixs, [lookup], blockhash)
    assert message.address_table_lookups
    sig = (await client.send_transaction(VersionedTransaction(message, [payer]))).value
    for r in recipients:
        assert (await client.get_balance(r)).value == LAMPORTS
    meta = (await client.get_transaction(sig, max_supported_transaction_version=0)).value.transaction.meta
    assert {str(k) for k in meta.loaded_addresses.writable} == {str(r) for r in recipients}
    assert meta.post_balances[-3:] == [LAMPORTS] * 3
