"""The x402 package's own SVM `exact` client and facilitator, unmodified, on the local chain.

The local validator presents devnet's network id, so the public SDK accepts it;
only its RPC URL points here. The SDK uses solana-py's synchronous client, so it
runs in a worker thread while the server runs on the test's event loop.
"""

from __future__ import annotations

import asyncio
import base64

from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from spl.token.instructions import create_associated_token_account
from x402.mechanisms.svm.default_assets import get_default_asset
from x402.mechanisms.svm.exact.client import ExactSvmScheme as ExactSvmClient
from x402.mechanisms.svm.exact.facilitator import ExactSvmScheme as ExactSvmFacilitator
from x402.mechanisms.svm.signers import FacilitatorKeypairSigner, KeypairSigner
from x402.schemas import PaymentPayload, PaymentRequirements

from localnet.solana_chain import USDC_MINT, WALLET_USDC, associated_token_address, wallet
from localnet.solana_rpc import SolanaLocalnet

from .helpers import signed

PRICE = 10_000  # 0.01 USDC: one credit


def requirements(net: SolanaLocalnet, pay_to: Keypair, fee_payer: Keypair) -> PaymentRequirements:
    return PaymentRequirements(
        scheme="exact",
        network=net.network_id,
        asset=str(USDC_MINT),
        amount=str(PRICE),
        pay_to=str(pay_to.pubkey()),
        max_timeout_seconds=60,
        extra={"feePayer": str(fee_payer.pubkey())},
    )


async def usdc(client: AsyncClient, owner: Keypair) -> int:
    ata = associated_token_address(owner.pubkey(), USDC_MINT)
    return int((await client.get_token_account_balance(ata)).value.amount)


async def test_x402_client_transaction_simulates_and_lands(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    operator, facilitator = wallet("operator"), wallet("facilitator")
    scheme = ExactSvmClient(KeypairSigner(payer), rpc_url=net.url)
    inner = await asyncio.to_thread(
        scheme.create_payment_payload, requirements(net, operator, facilitator)
    )
    tx = VersionedTransaction.from_bytes(base64.b64decode(inner["transaction"]))
    # The client signed; the fee payer's slot is still empty.
    assert tx.message.account_keys[0] == facilitator.pubkey()

    partial = (await client.simulate_transaction(tx, sig_verify=False)).value
    assert partial.err is None, partial.logs
    assert any("TransferChecked" in line for line in partial.logs)

    cosigned = FacilitatorKeypairSigner(facilitator).sign_transaction(
        inner["transaction"], str(facilitator.pubkey()), net.network_id
    )
    full = VersionedTransaction.from_bytes(base64.b64decode(cosigned))
    assert (await client.simulate_transaction(full, sig_verify=True)).value.err is None

    fee_payer_sol = (await client.get_balance(facilitator.pubkey())).value
    sig = (await client.send_raw_transaction(bytes(full))).value
    await client.confirm_transaction(sig, sleep_seconds=0.05)
    assert await usdc(client, payer) == WALLET_USDC - PRICE
    assert await usdc(client, operator) == WALLET_USDC + PRICE
    fee = (await client.get_transaction(sig, max_supported_transaction_version=0)).value.transaction.meta.fee
    # Two signatures, plus 1 micro-lamport x 20,000 CU of priority fee, rounded up to 1 lamport.
    assert fee == 2 * 5000 + 1
    assert (await client.get_balance(facilitator.pubkey())).value == fee_payer_sol - fee


async def test_x402_facilitator_verifies_and_settles_once(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    operator, facilitator_key = wallet("operator"), wallet("facilitator")
    reqs = requirements(net, operator, facilitator_key)
    inner = await asyncio.to_thread(
        ExactSvmClient(KeypairSigner(payer), rpc_url=net.url).create_payment_payload, reqs
    )
    payload = PaymentPayload(payload=inner, accepted=reqs)
    facilitator = ExactSvmFacilitator(FacilitatorKeypairSigner(facilitator_key, rpc_url=net.url))

    verdict = await asyncio.to_thread(facilitator.verify, payload, reqs)
    assert verdict.is_valid, verdict.invalid_reason
    assert verdict.payer == str(payer.pubkey())

    settled = await asyncio.to_thread(facilitator.settle, payload, reqs)
    assert settled.success, settled.error_reason
    assert settled.network == net.network_id
    status = (await client.get_signature_statuses([Signature.from_string(settled.transaction)])).value[0]
    assert status is not None and status.err is None
    assert await usdc(client, operator) == WALLET_USDC + PRICE

    again = await asyncio.to_thread(facilitator.settle, payload, reqs)
    assert not again.success
    assert await usdc(client, operator) == WALLET_USDC + PRICE
    assert await usdc(client, payer) == WALLET_USDC - PRICE


async def test_x402_verify_rejects_an_underfunded_payer(net: SolanaLocalnet, client: AsyncClient) -> None:
    """A payer without the tokens fails the facilitator's simulation on this chain."""
    broke = Keypair()
    await client.request_airdrop(broke.pubkey(), 10**9)
    operator, facilitator_key = wallet("operator"), wallet("facilitator")
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    ix = create_associated_token_account(broke.pubkey(), broke.pubkey(), USDC_MINT)
    await client.send_transaction(signed([ix], blockhash, broke))

    reqs = requirements(net, operator, facilitator_key)
    inner = await asyncio.to_thread(
        ExactSvmClient(KeypairSigner(broke), rpc_url=net.url).create_payment_payload, reqs
    )
    facilitator = ExactSvmFacilitator(FacilitatorKeypairSigner(facilitator_key, rpc_url=net.url))
    verdict = await asyncio.to_thread(
        facilitator.verify, PaymentPayload(payload=inner, accepted=reqs), reqs
    )
    assert not verdict.is_valid
    assert verdict.invalid_reason == "transaction_simulation_failed"
    assert await usdc(client, operator) == WALLET_USDC


async def test_x402_default_devnet_asset_exists(net: SolanaLocalnet, client: AsyncClient, payer: Keypair) -> None:
    """A public x402 server pricing in dollars on devnet picks devnet USDC: it is here, funded."""
    asset = get_default_asset(net.network_id)
    mint = (await client.get_account_info_json_parsed(Pubkey.from_string(asset["asset"]))).value
    assert mint.data.parsed["info"]["decimals"] == asset["decimals"] == 6
    ata = associated_token_address(payer.pubkey(), Pubkey.from_string(asset["asset"]))
    assert int((await client.get_token_account_balance(ata)).value.amount) == WALLET_USDC
