"""EIP-3009 on FiatTokenUSDC: transfer/receive/cancel with authorization, and every
way a bad authorization must fail (with its own error, moving nothing)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.contracts.chain import reverts
from tests.contracts.conftest import World
from tests.contracts.signing import Authorization, random_nonce, sign_cancel

pytestmark = pytest.mark.evm

TRANSFER_VRS = "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
TRANSFER_BYTES = "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
RECEIVE_VRS = "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
RECEIVE_BYTES = "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
CANCEL_VRS = "cancelAuthorization(address,bytes32,uint8,bytes32,bytes32)"
CANCEL_BYTES = "cancelAuthorization(address,bytes32,bytes)"

VALUE = 1_250_000  # 1.25 USDC


def authorization(
    world: World,
    *,
    from_: str | None = None,
    to: str | None = None,
    value: int = VALUE,
    valid_after: int = 0,
    valid_before: int | None = None,
) -> Authorization:
    return Authorization(
        from_=from_ or world.payer.address,
        to=to or world.payee.address,
        value=value,
        valid_after=valid_after,
        valid_before=valid_before if valid_before is not None else world.chain.timestamp() + 3600,
        nonce=random_nonce(),
    )


def submit(world: World, auth: Authorization, signature, *, fn: str = TRANSFER_VRS, sender=None):
    """Send the authorization from the relayer (or `sender`) with the given overload."""
    args = (
        (*auth.args, *signature.vrs)
        if fn.endswith("bytes32,bytes32)")
        else (*auth.args, signature.packed)
    )
    call = world.usdc.get_function_by_signature(fn)(*args)
    return world.chain.send(call, sender or world.relayer)


def used(world: World, auth: Authorization) -> bool:
    return world.usdc.functions.authorizationState(auth.from_, auth.nonce).call()


# --- happy paths -------------------------------------------------------------------


@pytest.mark.parametrize("fn", [TRANSFER_VRS, TRANSFER_BYTES])
def test_transfer_with_authorization_moves_value_and_uses_nonce(world: World, fn: str) -> None:
    auth = authorization(world)
    before = world.balances(
        world.usdc, world.payer.address, world.payee.address, world.relayer.address
    )
    assert not used(world, auth)

    receipt = submit(
        world, auth, auth.sign(world.payer, world.token_domain("FiatTokenUSDC")), fn=fn
    )

    after = world.balances(
        world.usdc, world.payer.address, world.payee.address, world.relayer.address
    )
    assert after == [before[0] - VALUE, before[1] + VALUE, before[2]]
    assert used(world, auth)
    used_events = world.chain.events(world.usdc, "AuthorizationUsed", receipt)
    assert [(e.args.authorizer, e.args.nonce) for e in used_events] == [(auth.from_, auth.nonce)]
    transfers = world.chain.events(world.usdc, "Transfer", receipt)
    assert [(e.args["from"], e.args.to, e.args.value) for e in transfers] == [
        (auth.from_, auth.to, VALUE)
    ]


@pytest.mark.parametrize("fn", [RECEIVE_VRS, RECEIVE_BYTES])
def test_receive_with_authorization_by_payee(world: World, fn: str) -> None:
    auth = authorization(world)
    signature = auth.sign(
        world.payer, world.token_domain("FiatTokenUSDC"), "ReceiveWithAuthorization"
    )
    before = world.balances(world.usdc, world.payer.address, world.payee.address)

    submit(world, auth, signature, fn=fn, sender=world.payee)

    assert world.balances(world.usdc, world.payer.address, world.payee.address) == [
        before[0] - VALUE,
        before[1] + VALUE,
    ]
    assert used(world, auth)


def test_receive_with_authorization_by_anyone_else_is_refused(world: World) -> None:
    auth = authorization(world)
    signature = auth.sign(
        world.payer, world.token_domain("FiatTokenUSDC"), "ReceiveWithAuthorization"
    )
    before = world.balances(world.usdc, world.payer.address, world.payee.address)

    error = reverts(lambda: submit(world, auth, signature, fn=RECEIVE_VRS, sender=world.relayer))

    assert error == ("CallerNotPayee", (world.relayer.address, world.payee.address))
    assert world.balances(world.usdc, world.payer.address, world.payee.address) == before
    assert not used(world, auth)


def test_transfer_signature_cannot_be_used_as_receive(world: World) -> None:
    """The two types hash differently: a payee cannot redeem a transfer authorization
    through receiveWithAuthorization (or the reverse)."""
    auth = authorization(world)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))  # Transfer type

    assert reverts(lambda: submit(world, auth, signature, fn=RECEIVE_VRS, sender=world.payee)) == (
        "InvalidSignature",
        (),
    )


@pytest.mark.parametrize("fn", [CANCEL_VRS, CANCEL_BYTES])
def test_cancel_authorization_blocks_the_transfer(world: World, fn: str) -> None:
    auth = authorization(world)
    domain = world.token_domain("FiatTokenUSDC")
    cancel = sign_cancel(world.payer, domain, auth.from_, auth.nonce)
    args = (
        (auth.from_, auth.nonce, *cancel.vrs)
        if fn == CANCEL_VRS
        else (auth.from_, auth.nonce, cancel.packed)
    )

    receipt = world.chain.send(world.usdc.get_function_by_signature(fn)(*args), world.relayer)

    assert used(world, auth)
    events = world.chain.events(world.usdc, "AuthorizationCanceled", receipt)
    assert [(e.args.authorizer, e.args.nonce) for e in events] == [(auth.from_, auth.nonce)]
    before = world.balances(world.usdc, world.payer.address, world.payee.address)
    error = reverts(lambda: submit(world, auth, auth.sign(world.payer, domain)))
    assert error == ("AuthorizationAlreadyCanceled", (auth.from_, auth.nonce))
    assert world.balances(world.usdc, world.payer.address, world.payee.address) == before


def test_cancel_needs_the_authorizers_signature(world: World) -> None:
    auth = authorization(world)
    forged = sign_cancel(world.mallory, world.token_domain("FiatTokenUSDC"), auth.from_, auth.nonce)

    error = reverts(
        lambda: world.chain.send(
            world.usdc.get_function_by_signature(CANCEL_VRS)(auth.from_, auth.nonce, *forged.vrs),
            world.mallory,
        )
    )

    assert error == ("InvalidSignature", ())
    assert not used(world, auth)


def test_used_authorization_cannot_be_cancelled(world: World) -> None:
    auth = authorization(world)
    domain = world.token_domain("FiatTokenUSDC")
    submit(world, auth, auth.sign(world.payer, domain))
    cancel = sign_cancel(world.payer, domain, auth.from_, auth.nonce)

    error = reverts(
        lambda: world.chain.send(
            world.usdc.get_function_by_signature(CANCEL_VRS)(auth.from_, auth.nonce, *cancel.vrs),
            world.payer,
        )
    )
    assert error == ("AuthorizationAlreadyUsed", (auth.from_, auth.nonce))


# --- attacks: each fails with its own error and moves nothing ------------------------


def assert_refused(
    world: World, auth: Authorization, signature, expected: tuple, *, fn: str = TRANSFER_VRS
) -> None:
    holders = (
        auth.from_,
        auth.to,
        world.payee.address,
        world.mallory.address,
        world.relayer.address,
    )
    before = world.balances(world.usdc, *holders)
    supply = world.usdc.functions.totalSupply().call()

    assert reverts(lambda: submit(world, auth, signature, fn=fn)) == expected

    assert world.balances(world.usdc, *holders) == before
    assert world.usdc.functions.totalSupply().call() == supply


def test_replayed_nonce(world: World) -> None:
    auth = authorization(world)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))
    submit(world, auth, signature)

    assert_refused(world, auth, signature, ("AuthorizationAlreadyUsed", (auth.from_, auth.nonce)))


def test_expired(world: World) -> None:
    # The next block's timestamp is after the latest one, so validBefore = latest is past.
    auth = authorization(world, valid_before=world.chain.timestamp())
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("AuthorizationExpired", (auth.valid_before,)))
    assert not used(world, auth)


def test_not_yet_valid(world: World) -> None:
    auth = authorization(world, valid_after=world.chain.timestamp() + 600)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("AuthorizationNotYetValid", (auth.valid_after,)))


def test_valid_after_the_window_opens(world: World) -> None:
    auth = authorization(world, valid_after=world.chain.timestamp() + 600)
    world.chain.tester.time_travel(auth.valid_after + 1)

    submit(world, auth, auth.sign(world.payer, world.token_domain("FiatTokenUSDC")))
    assert used(world, auth)


def test_wrong_recipient(world: World) -> None:
    """A relayer who swaps the payee for itself invalidates the signature."""
    signed = authorization(world)
    signature = signed.sign(world.payer, world.token_domain("FiatTokenUSDC"))
    redirected = replace(signed, to=world.mallory.address)

    assert_refused(world, redirected, signature, ("InvalidSignature", ()))


def test_wrong_value(world: World) -> None:
    signed = authorization(world)
    signature = signed.sign(world.payer, world.token_domain("FiatTokenUSDC"))
    inflated = replace(signed, value=signed.value * 100)

    assert_refused(world, inflated, signature, ("InvalidSignature", ()))


def test_signature_by_another_key(world: World) -> None:
    auth = authorization(world)
    signature = auth.sign(world.mallory, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("InvalidSignature", ()))


def test_signature_for_another_chain(world: World) -> None:
    auth = authorization(world)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC", chain_id=1))

    assert_refused(world, auth, signature, ("InvalidSignature", ()))


def test_signature_for_another_token(world: World) -> None:
    """Same name and version but another contract: the verifyingContract differs."""
    auth = authorization(world)
    other = world.token_domain("FiatTokenUSDC")
    other = type(other)(other.name, other.version, other.chain_id, world.tokens["MegaUSD"].address)

    assert_refused(world, auth, auth.sign(world.payer, other), ("InvalidSignature", ()))


def test_high_s_signature_is_refused(world: World) -> None:
    """The malleated twin (n - s, flipped v) of a valid signature is rejected (EIP-2)."""
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    auth = authorization(world)
    good = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))
    twin = type(good)(55 - good.v, good.r, (n - int.from_bytes(good.s, "big")).to_bytes(32, "big"))

    assert_refused(world, auth, twin, ("InvalidSignature", ()))


def test_insufficient_balance(world: World) -> None:
    balance = world.usdc.functions.balanceOf(world.payer.address).call()
    auth = authorization(world, value=balance + 1)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))

    assert_refused(
        world, auth, signature, ("ERC20InsufficientBalance", (auth.from_, balance, balance + 1))
    )
    assert not used(world, auth), "a failed transfer must not burn the nonce"


# --- EIP-1271 wallets -----------------------------------------------------------------


@pytest.mark.parametrize("fn", [TRANSFER_BYTES, TRANSFER_VRS])
def test_smart_wallet_authorization(world: World, fn: str) -> None:
    auth = authorization(world, from_=world.wallet.address)
    signature = auth.sign(world.wallet_owner, world.token_domain("FiatTokenUSDC"))
    before = world.balances(world.usdc, world.wallet.address, world.payee.address)

    submit(world, auth, signature, fn=fn)

    assert world.balances(world.usdc, world.wallet.address, world.payee.address) == [
        before[0] - VALUE,
        before[1] + VALUE,
    ]


def test_smart_wallet_refuses_a_stranger_signature(world: World) -> None:
    auth = authorization(world, from_=world.wallet.address)
    signature = auth.sign(world.mallory, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("InvalidSignature", ()), fn=TRANSFER_BYTES)


def test_smart_wallet_owner_key_cannot_spend_as_itself(world: World) -> None:
    """The owner's signature authorises the wallet's tokens, not the owner's EOA balance
    under the wallet's name or vice versa: `from` decides whose check applies."""
    auth = authorization(world, from_=world.wallet_owner.address)
    signature = auth.sign(world.wallet_owner, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("ERC20InsufficientBalance", (auth.from_, 0, VALUE)))


def test_contract_without_eip1271_cannot_authorize(world: World) -> None:
    """A payer address with code that does not implement EIP-1271 (here the settlement
    contract, which holds tokens) cannot be spent from by any signature."""
    holder = world.settlement.address
    world.chain.send(world.usdc.functions.transfer(holder, VALUE), world.payer)
    auth = authorization(world, from_=holder)
    signature = auth.sign(world.payer, world.token_domain("FiatTokenUSDC"))

    assert_refused(world, auth, signature, ("InvalidSignature", ()), fn=TRANSFER_BYTES)
