"""Each payment path through pyclients, on eth-tester and on anvil: the happy
path (sign -> verify -> settle, balances before/after) and the attacks. An
attack must fail off-chain with its specific typed error, the chain must refuse
it too where that is meaningful (settle with verification skipped reaches the
contract's simulation, whose custom error maps to the same type), and no
funds move."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pyclients.evm import abi
from pyclients.evm.eip712 import VRS
from pyclients.evm.eip3009 import Eip3009, SignedAuthorization
from pyclients.evm.errors import (
    AssetMismatch,
    AuthorizationExpired,
    AuthorizationNotYetValid,
    EvmPaymentError,
    InsufficientAllowance,
    InsufficientFunds,
    InvalidSignature,
    NetworkMismatch,
    NonceAlreadyUsed,
    PermitNonceMismatch,
    RecipientMismatch,
    ValueMismatch,
)
from pyclients.evm.payment import Requirements
from pyclients.evm.permit import PermitPayment, SignedPermitPayment
from tests.evm.conftest import Env

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The contract's custom error for each refusal, per path.
ONCHAIN = {
    False: {
        "used": "AuthorizationAlreadyUsed",
        "cancelled": "AuthorizationAlreadyCanceled",
        "expired": "AuthorizationExpired",
        "early": "AuthorizationNotYetValid",
    },
    True: {
        "used": "IntentUsed",
        "cancelled": "IntentUsed",
        "expired": "IntentExpired",
        "early": "IntentNotYetValid",
    },
}


def tamper(payment: Any, **fields: Any) -> Any:
    """The payment with fields of its signed message changed, signature kept."""
    if isinstance(payment, SignedAuthorization):
        return replace(payment, authorization=replace(payment.authorization, **fields))
    return replace(payment, intent=replace(payment.intent, **fields))


async def assert_refused(
    env: Env,
    payment: Any,
    req: Requirements,
    error: type[EvmPaymentError],
    onchain: str | None,
    onchain_type: type[EvmPaymentError] | None = None,
) -> None:
    """Off-chain verify raises ``error``; with ``onchain``, settle without verifying
    is refused by the contract with that custom error; nobody's balance moves."""
    watched = list(
        dict.fromkeys(
            [env.payer.address, env.payee.address, env.stranger.address, env.path.payer_of(payment)]
        )
    )
    before = await env.balances(*watched)
    with pytest.raises(error) as refused:
        await env.path.verify(payment, req)
    assert refused.value.reason == error.reason
    assert refused.value.onchain_error is None
    if onchain is not None:
        with pytest.raises(onchain_type or error) as chain_refused:
            await env.path.settle(payment, req, env.relayer, verify=False)
        assert chain_refused.value.onchain_error == onchain
    assert await env.balances(*watched) == before


# --- happy path -----------------------------------------------------------------
async def test_payment_moves_exactly_the_amount_to_payee(env: Env) -> None:
    req = env.req()
    payment = await env.path.authorize(env.payer, req)
    payer_eth = await env.chain.w3.eth.get_balance(env.payer.address)
    before = await env.balances(env.payer.address, env.payee.address)

    verified = await env.path.verify(payment, req)
    settlement = await env.path.settle(payment, req, env.relayer)

    assert verified.payer == settlement.payer == env.payer.address
    assert settlement.network == env.dep.network
    assert await env.balances(env.payer.address, env.payee.address) == [
        before[0] - env.amount,
        before[1] + env.amount,
    ]
    receipt = await env.chain.w3.eth.get_transaction_receipt(settlement.tx_hash)
    assert receipt["status"] == 1 and receipt["gasUsed"] == settlement.gas_used
    assert receipt["from"] == env.relayer.address
    # The relayer paid the gas; the payer needs no ether.
    assert await env.chain.w3.eth.get_balance(env.payer.address) == payer_eth


async def test_payload_survives_the_wire(env: Env) -> None:
    req = env.req()
    payment = await env.path.authorize(env.payer, req)
    cls = SignedPermitPayment if env.is_permit else SignedAuthorization
    received = cls.from_payload(payment.to_payload())
    assert received == payment
    assert (await env.path.settle(received, req, env.relayer)).payer == env.payer.address


async def test_contract_wallet_pays_with_its_owners_signature(env: Env) -> None:
    wallet = await env.deploy_wallet(env.stranger.address)
    await env.mint(wallet, env.amount)
    payment = await env.sign(signer=env.stranger, payer=wallet)
    await env.path.settle(payment, env.req(), env.relayer)
    assert await env.balances(wallet) == [0]


# --- attacks ------------------------------------------------------------------------
async def test_replayed_nonce(env: Env) -> None:
    req = env.req()
    payment = await env.sign()
    await env.path.settle(payment, req, env.relayer)
    await assert_refused(env, payment, req, NonceAlreadyUsed, ONCHAIN[env.is_permit]["used"])


async def test_cancelled_authorization(env: Env) -> None:
    payment = await env.sign()
    if env.is_permit:
        await env.send_as(
            env.payer, env.path.settlement, abi.CANCEL_INTENT.encode(payment.intent.nonce)
        )
    else:
        await env.path.cancel(env.payer, payment.authorization.nonce, env.relayer)
    await assert_refused(
        env, payment, env.req(), NonceAlreadyUsed, ONCHAIN[env.is_permit]["cancelled"]
    )


async def test_expired(env: Env) -> None:
    now = await env.chain.now()
    payment = await env.sign(valid_after=now - 3600, valid_before=now - 60)
    await assert_refused(
        env, payment, env.req(), AuthorizationExpired, ONCHAIN[env.is_permit]["expired"]
    )


async def test_expiring_within_the_margin(env: Env) -> None:
    # The chain would still take it now, but not from a block a few seconds on.
    payment = await env.sign(valid_before=await env.chain.now() + 2)
    await assert_refused(env, payment, env.req(), AuthorizationExpired, None)


async def test_not_yet_valid(env: Env) -> None:
    now = await env.chain.now()
    payment = await env.sign(valid_after=now + 3600, valid_before=now + 7200)
    await assert_refused(
        env, payment, env.req(), AuthorizationNotYetValid, ONCHAIN[env.is_permit]["early"]
    )


async def test_wrong_recipient(env: Env) -> None:
    payment = await env.sign(to=env.stranger.address)
    await assert_refused(env, payment, env.req(), RecipientMismatch, None)


async def test_recipient_rewritten_after_signing(env: Env) -> None:
    payment = tamper(await env.sign(), to=env.stranger.address)
    await assert_refused(
        env, payment, env.req(pay_to=env.stranger.address), InvalidSignature, "InvalidSignature"
    )


async def test_wrong_value(env: Env) -> None:
    payment = await env.sign(value=env.amount // 2)
    await assert_refused(env, payment, env.req(), ValueMismatch, None)


async def test_value_rewritten_after_signing(env: Env) -> None:
    payment = tamper(await env.sign(), value=env.amount * 100)
    await assert_refused(
        env, payment, env.req(amount=env.amount * 100), InvalidSignature, "InvalidSignature"
    )


async def test_signature_from_another_key(env: Env) -> None:
    payment = await env.sign(signer=env.stranger, payer=env.payer.address)
    await assert_refused(env, payment, env.req(), InvalidSignature, "InvalidSignature")


async def test_signature_for_another_chain_id(env: Env) -> None:
    if env.is_permit:
        other = PermitPayment(
            env.chain,
            env.token,
            env.path.settlement,
            replace(env.path.token_domain, chain_id=1),
            replace(env.path.settlement_domain, chain_id=1),
        )
    else:
        other = Eip3009(env.chain, env.token, replace(env.path.domain, chain_id=1))
    payment = await env.sign(path=other)
    await assert_refused(env, payment, env.req(), InvalidSignature, "InvalidSignature")


async def test_signature_for_another_token(env: Env) -> None:
    elsewhere = env.dep.permit_settlement if not env.is_permit else env.relayer.address
    if env.is_permit:
        # The intent names its token, so the permit is what can be for another token:
        # the contract ignores the failing permit and finds no allowance.
        other = PermitPayment(
            env.chain,
            env.token,
            env.path.settlement,
            replace(env.path.token_domain, verifying_contract=elsewhere),
            env.path.settlement_domain,
        )
        payment = await env.sign(path=other)
        await assert_refused(
            env,
            payment,
            env.req(),
            InvalidSignature,
            "InsufficientAllowance",
            onchain_type=InsufficientAllowance,
        )
    else:
        other = Eip3009(
            env.chain, env.token, replace(env.path.domain, verifying_contract=elsewhere)
        )
        payment = await env.sign(path=other)
        await assert_refused(env, payment, env.req(), InvalidSignature, "InvalidSignature")


async def test_payment_in_another_token(env: Env) -> None:
    payment = await env.sign()
    await assert_refused(
        env, payment, env.req(asset=env.dep.permit_settlement), AssetMismatch, None
    )


async def test_requirements_for_another_network(env: Env) -> None:
    payment = await env.sign()
    await assert_refused(env, payment, env.req(network="eip155:1"), NetworkMismatch, None)


async def test_contract_wallet_refuses_a_strangers_signature(env: Env) -> None:
    wallet = await env.deploy_wallet(env.stranger.address)  # owned by the stranger
    await env.mint(wallet, env.amount)
    payment = await env.sign(signer=env.payer, payer=wallet)
    await assert_refused(env, payment, env.req(), InvalidSignature, "InvalidSignature")
    assert await env.balances(wallet) == [env.amount]


async def test_insufficient_balance(env: Env) -> None:
    poor = env.fresh_account()  # no tokens (and no ether: it never needs any)
    await env.mint(poor.address, env.amount - 1)
    payment = await env.sign(signer=poor)
    await assert_refused(env, payment, env.req(), InsufficientFunds, "ERC20InsufficientBalance")


# --- the permit path's own cases ------------------------------------------------------
async def test_front_run_permit_does_not_stop_the_payment(permit_env: Env) -> None:
    env = permit_env
    req = env.req()
    payment = await env.sign()
    p = payment.permit
    vrs = VRS.from_bytes(p.signature)
    # Someone sees the permit and submits it to the token first.
    await env.send_as(
        env.stranger,
        env.token,
        abi.PERMIT.encode(
            env.payer.address, env.path.settlement, p.value, p.deadline, vrs.v, vrs.r, vrs.s
        ),
    )
    assert await env.chain.read(env.token, abi.NONCES, env.payer.address) == p.nonce + 1
    before = await env.balances(env.payer.address, env.payee.address, env.stranger.address)

    await env.path.verify(payment, req)
    await env.path.settle(payment, req, env.relayer)

    assert await env.balances(env.payer.address, env.payee.address, env.stranger.address) == [
        before[0] - env.amount,
        before[1] + env.amount,
        before[2],
    ]


async def test_permit_for_less_than_the_value(permit_env: Env) -> None:
    env = permit_env
    payment = await env.sign(permit_value=env.amount - 1)
    await assert_refused(env, payment, env.req(), InsufficientAllowance, "InsufficientAllowance")


@pytest.mark.parametrize(
    ("defect", "error"),
    [("stale_nonce", PermitNonceMismatch), ("expired", AuthorizationExpired)],
)
async def test_permit_that_cannot_apply(
    permit_env: Env, defect: str, error: type[EvmPaymentError]
) -> None:
    """A permit signed for a stale token nonce, or past its deadline: settle skips it,
    and without an allowance the payment is refused."""
    env = permit_env
    if defect == "stale_nonce":
        current = await env.chain.read(env.token, abi.NONCES, env.payer.address)
        payment = await env.sign(permit_nonce=current + 1)
    else:
        payment = await env.sign(permit_deadline=await env.chain.now() - 10)
    await assert_refused(
        env, payment, env.req(), error, "InsufficientAllowance", onchain_type=InsufficientAllowance
    )


async def test_existing_allowance_pays_without_a_valid_permit(permit_env: Env) -> None:
    env = permit_env
    # The payer approved the settlement contract beforehand: the permit is moot.
    await env.send_as(env.payer, env.token, abi.APPROVE.encode(env.path.settlement, env.amount))
    payment = await env.sign(permit_nonce=999)
    await env.path.settle(payment, env.req(), env.relayer)
    assert (
        await env.chain.read(env.token, abi.ALLOWANCE, env.payer.address, env.path.settlement) == 0
    )
