"""anchorpy, unmodified, against the local validator over JSON-RPC: its ``Program``
built from the escrow IDL sends deposit and withdraw (``program.rpc`` and
``program.methods``), its provider confirms them, its coder decodes the credit
account, the events in the logs and the program's named errors; solana-py reads
the token balances. Escrow initialized as ``gridpay up`` does (deploy_solana)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from anchorpy import Context, EventParser, Idl, Program, Provider, Wallet
from anchorpy.error import ProgramError
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.models import MemcmpOpts, TxOpts
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_status import TransactionConfirmationStatus

from gridpay import ROOT
from gridpay.settings import Settings
from localnet.deploy_solana import SolanaDeployment, deploy_solana
from localnet.solana_chain import USDC_MINT, associated_token_address, wallet
from localnet.solana_rpc import SolanaLocalnet

IDL = Idl.from_json((ROOT / "programs" / "job_escrow" / "idl.json").read_text())
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
BASE_UNITS_PER_CREDIT = 10_000  # the IDL's CreditAccount docs: 10,000 base units each
#: What anchorpy's provider waits for before a send returns.
CONFIRMED = TxOpts(skip_confirmation=False, preflight_commitment=Confirmed)


@pytest.fixture
async def deployment(net: SolanaLocalnet, tmp_path: Path) -> SolanaDeployment:
    return await deploy_solana(
        net.url, ws_url=net.ws_url, settings=Settings(state_dir=tmp_path / "state")
    )


async def anchor_program(net: SolanaLocalnet, payer: Keypair) -> Program:
    provider = Provider(AsyncClient(net.url, commitment=Confirmed), Wallet(payer), CONFIRMED)
    return Program(IDL, Pubkey.from_string(IDL.address), provider)


@pytest.fixture
async def alice_program(
    net: SolanaLocalnet, deployment: SolanaDeployment
) -> AsyncIterator[Program]:
    program = await anchor_program(net, wallet("alice"))
    yield program
    await program.close()


def pda(program: Program, *seeds: bytes) -> Pubkey:
    return Pubkey.find_program_address(list(seeds), program.program_id)[0]


async def transfer_accounts(program: Program, owner: Pubkey) -> dict[str, Pubkey]:
    """deposit's and withdraw's accounts, the vault read from the Config account."""
    config_address = pda(program, b"config")
    config = await program.account["Config"].fetch(config_address)
    return {
        "wallet": owner,
        "config": config_address,
        "credit": pda(program, b"credit", bytes(owner)),
        "wallet_token": associated_token_address(owner, USDC_MINT),
        "vault": config.vault,
        "usdc_mint": config.usdc_mint,
        "token_program": TOKEN_PROGRAM,
    }


async def token_balances(program: Program, *accounts: Pubkey) -> list[int]:
    client = program.provider.connection
    return [int((await client.get_token_account_balance(a)).value.amount) for a in accounts]


async def events(program: Program, signature: Any) -> list[Any]:
    tx = await program.provider.connection.get_transaction(
        signature, commitment=Confirmed, max_supported_transaction_version=0
    )
    found: list[Any] = []
    EventParser(program.program_id, program.coder).parse_logs(
        tx.value.transaction.meta.log_messages, found.append
    )
    return found


async def test_deposit_and_withdraw_through_anchorpy(
    alice_program: Program, deployment: SolanaDeployment
) -> None:
    program = alice_program
    alice = program.provider.wallet.public_key
    accounts = await transfer_accounts(program, alice)
    assert accounts["vault"] == deployment.escrow.vault and accounts["usdc_mint"] == USDC_MINT
    token, vault = accounts["wallet_token"], accounts["vault"]
    token_before, vault_before = await token_balances(program, token, vault)
    assert (await program.provider.connection.get_account_info(accounts["credit"])).value is None

    deposit = 250 * BASE_UNITS_PER_CREDIT
    signature = await program.rpc["deposit"](
        deposit, ctx=Context(accounts={**accounts, "system_program": SYSTEM_PROGRAM})
    )
    # the provider returned only once the validator reported it confirmed
    status = (await program.provider.connection.get_signature_statuses([signature])).value[0]
    assert status is not None and status.err is None
    assert status.confirmation_status in (
        TransactionConfirmationStatus.Confirmed,
        TransactionConfirmationStatus.Finalized,
    )
    credit = await program.account["CreditAccount"].fetch(accounts["credit"])
    assert (credit.wallet, credit.available, credit.locked) == (alice, 250, 0)
    assert credit.total_deposited == 250 and credit.total_withdrawn == 0
    assert await token_balances(program, token, vault) == [
        token_before - deposit,
        vault_before + deposit,
    ]
    [deposited] = await events(program, signature)
    assert deposited.name == "CreditsDeposited"
    assert (deposited.data.wallet, deposited.data.amount, deposited.data.credits) == (
        alice,
        deposit,
        250,
    )

    signature = await (
        program.methods["withdraw"].args([100]).accounts(accounts).rpc(CONFIRMED)
    )
    credit = await program.account["CreditAccount"].fetch(accounts["credit"])
    assert (credit.available, credit.total_deposited, credit.total_withdrawn) == (150, 250, 100)
    assert await token_balances(program, token, vault) == [
        token_before - 150 * BASE_UNITS_PER_CREDIT,
        vault_before + 150 * BASE_UNITS_PER_CREDIT,
    ]
    [withdrawn] = await events(program, signature)
    assert withdrawn.name == "CreditsWithdrawn"
    assert (withdrawn.data.credits, withdrawn.data.amount, withdrawn.data.available) == (
        100,
        100 * BASE_UNITS_PER_CREDIT,
        150,
    )


async def test_overdrawn_withdraw_is_the_idl_error_and_moves_nothing(
    alice_program: Program,
) -> None:
    program = alice_program
    accounts = await transfer_accounts(program, program.provider.wallet.public_key)
    await program.methods["deposit"].args([100 * BASE_UNITS_PER_CREDIT]).accounts(
        {**accounts, "system_program": SYSTEM_PROGRAM}
    ).rpc()
    before = await token_balances(program, accounts["wallet_token"], accounts["vault"])

    with pytest.raises(ProgramError) as raised:
        await program.methods["withdraw"].args([101]).accounts(accounts).rpc()
    # anchorpy found the code in the validator's preflight error and named it from the IDL
    assert raised.value.code == 6021
    assert raised.value.msg == "Not enough available credits"
    assert any("custom program error: 0x1785" in line for line in raised.value.logs or [])

    assert await token_balances(program, accounts["wallet_token"], accounts["vault"]) == before
    credit = await program.account["CreditAccount"].fetch(accounts["credit"])
    assert (credit.available, credit.total_withdrawn) == (100, 0)


async def test_account_all_filters_credit_accounts_by_wallet(
    net: SolanaLocalnet, alice_program: Program
) -> None:
    bob_program = await anchor_program(net, wallet("bob"))
    try:
        for program, credits in ((alice_program, 120), (bob_program, 300)):
            owner = program.provider.wallet.public_key
            accounts = await transfer_accounts(program, owner)
            await program.methods["deposit"].args([credits * BASE_UNITS_PER_CREDIT]).accounts(
                {**accounts, "system_program": SYSTEM_PROGRAM}
            ).rpc()
        every = await alice_program.account["CreditAccount"].all()
        assert sorted(a.account.available for a in every) == [120, 300]
        bob = bob_program.provider.wallet.public_key
        # the wallet field follows the 8-byte discriminator
        [mine] = await alice_program.account["CreditAccount"].all(
            filters=[MemcmpOpts(offset=8, bytes=str(bob))]
        )
        assert mine.public_key == pda(bob_program, b"credit", bytes(bob))
        assert (mine.account.wallet, mine.account.available) == (bob, 300)
    finally:
        await bob_program.close()
