"""PermitSettlement: the recipient-bound permit path (MegaUSD on MegaETH, USD1 on BSC),
its happy path, the front-run permit, and every attack the intent must stop."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.contracts.chain import reverts
from tests.contracts.conftest import World
from tests.contracts.signing import Intent, Signature, random_nonce, sign_permit

pytestmark = pytest.mark.evm

PERMIT_TOKENS = ["MegaUSD", "USD1"]


class Payment:
    """A payer's signed intent + permit, as a facilitator receives them."""

    def __init__(
        self,
        world: World,
        token: str,
        *,
        payer=None,
        from_: str | None = None,
        value: int | None = None,
        valid_after: int = 0,
        valid_before: int | None = None,
        permit_value: int | None = None,
        intent_signer=None,
        permit_signer=None,
    ) -> None:
        self.world = world
        self.token = world.tokens[token]
        payer = payer or world.payer
        owner = from_ or payer.address
        value = value if value is not None else world.units(token, 3)
        now = world.chain.timestamp()
        self.intent = Intent(
            token=self.token.address,
            from_=owner,
            to=world.payee.address,
            value=value,
            valid_after=valid_after,
            valid_before=valid_before if valid_before is not None else now + 600,
            nonce=random_nonce(),
        )
        self.intent_signature = self.intent.sign(
            intent_signer or payer, world.settlement_domain()
        ).packed
        self.deadline = now + 600
        self.permit_value = permit_value if permit_value is not None else value
        nonce = self.token.functions.nonces(owner).call()
        self.permit: Signature = sign_permit(
            permit_signer or payer,
            world.token_domain(token),
            owner,
            world.settlement.address,
            self.permit_value,
            nonce,
            self.deadline,
        )

    @property
    def permit_data(self) -> tuple:
        return (self.permit_value, self.deadline, *self.permit.vrs)

    def settle_call(self, intent: Intent | None = None):
        intent = intent or self.intent
        return self.world.settlement.functions.settle(
            intent.args, self.intent_signature, self.permit_data
        )

    def settle(self, intent: Intent | None = None, sender=None):
        return self.world.chain.send(self.settle_call(intent), sender or self.world.relayer)

    def front_run_permit(self, sender) -> None:
        """`sender` copies the permit out of the payment and submits it on its own."""
        permit = self.token.get_function_by_signature(
            "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"
        )
        self.world.chain.send(
            permit(self.intent.from_, self.world.settlement.address, *self.permit_data), sender
        )


def holders(world: World, payment: Payment) -> tuple[str, ...]:
    return (
        payment.intent.from_,
        world.payee.address,
        world.relayer.address,
        world.mallory.address,
        world.settlement.address,
    )


def assert_refused(
    world: World, payment: Payment, expected: tuple, intent: Intent | None = None
) -> None:
    before = world.balances(payment.token, *holders(world, payment))
    assert reverts(lambda: payment.settle(intent)) == expected
    assert world.balances(payment.token, *holders(world, payment)) == before
    checked = intent or payment.intent
    if expected[0] != "IntentUsed":
        assert not world.settlement.functions.intentState(checked.from_, checked.nonce).call()


def assert_settles(world: World, payment: Payment) -> None:
    """Settling moves exactly the intent's value from the payer to the payee."""
    parties = (payment.intent.from_, world.payee.address)
    before = world.balances(payment.token, *parties)

    payment.settle()

    value = payment.intent.value
    assert world.balances(payment.token, *parties) == [before[0] - value, before[1] + value]


@pytest.mark.parametrize("token", PERMIT_TOKENS)
def test_settle_moves_exactly_the_intent_to_the_payee(world: World, token: str) -> None:
    payment = Payment(world, token)
    before = world.balances(payment.token, *holders(world, payment))

    receipt = payment.settle()

    value = payment.intent.value
    assert world.balances(payment.token, *holders(world, payment)) == [
        before[0] - value,
        before[1] + value,
        before[2],
        before[3],
        before[4],
    ]
    assert world.settlement.functions.intentState(payment.intent.from_, payment.intent.nonce).call()
    assert (
        payment.token.functions.allowance(payment.intent.from_, world.settlement.address).call()
        == 0
    )
    settled = world.chain.events(world.settlement, "PaymentSettled", receipt)
    assert [tuple(e.args.values()) for e in settled] == [
        (
            payment.intent.from_,
            world.payee.address,
            payment.token.address,
            value,
            payment.intent.nonce,
        )
    ]


def test_settlement_pulls_only_the_intent_value_from_a_larger_permit(world: World) -> None:
    payment = Payment(world, "MegaUSD", value=1_000_000, permit_value=5_000_000)
    assert_settles(world, payment)


@pytest.mark.parametrize("token", PERMIT_TOKENS)
def test_front_run_permit_does_not_block_the_payment(world: World, token: str) -> None:
    """Someone copies the permit out of the payment and submits it first: the permit call
    inside settle then fails (nonce spent), but the allowance is there and it pays."""
    payment = Payment(world, token)
    payment.front_run_permit(world.mallory)
    assert_settles(world, payment)


def test_a_front_run_permit_alone_moves_nothing(world: World) -> None:
    """The permit's spender is the settlement contract: holding it lets nobody else pull."""
    payment = Payment(world, "USD1")
    payment.front_run_permit(world.mallory)

    assert reverts(
        lambda: world.chain.send(
            payment.token.functions.transferFrom(payment.intent.from_, world.mallory.address, 1),
            world.mallory,
        )
    ) == (
        "ERC20InsufficientAllowance",
        (world.mallory.address, 0, 1),
    )


def test_replayed_intent(world: World) -> None:
    payment = Payment(world, "MegaUSD", permit_value=10**12)  # allowance left after the first
    payment.settle()

    assert_refused(world, payment, ("IntentUsed", (payment.intent.from_, payment.intent.nonce)))


def test_cancelled_intent(world: World) -> None:
    payment = Payment(world, "MegaUSD")
    receipt = world.chain.send(
        world.settlement.functions.cancelIntent(payment.intent.nonce), world.payer
    )
    events = world.chain.events(world.settlement, "IntentCanceled", receipt)
    assert [(e.args["from"], e.args.nonce) for e in events] == [
        (world.payer.address, payment.intent.nonce)
    ]
    assert world.settlement.functions.intentState(world.payer.address, payment.intent.nonce).call()

    assert_refused(world, payment, ("IntentUsed", (payment.intent.from_, payment.intent.nonce)))


def test_cancel_twice_is_refused(world: World) -> None:
    nonce = random_nonce()
    world.chain.send(world.settlement.functions.cancelIntent(nonce), world.payer)
    assert reverts(
        lambda: world.chain.send(world.settlement.functions.cancelIntent(nonce), world.payer)
    ) == (
        "IntentUsed",
        (world.payer.address, nonce),
    )


def test_expired_intent(world: World) -> None:
    payment = Payment(world, "USD1", valid_before=world.chain.timestamp())
    assert_refused(world, payment, ("IntentExpired", (payment.intent.valid_before,)))


def test_not_yet_valid_intent(world: World) -> None:
    payment = Payment(world, "USD1", valid_after=world.chain.timestamp() + 600)
    assert_refused(world, payment, ("IntentNotYetValid", (payment.intent.valid_after,)))


def test_wrong_recipient(world: World) -> None:
    payment = Payment(world, "MegaUSD")
    assert_refused(
        world, payment, ("InvalidSignature", ()), replace(payment.intent, to=world.mallory.address)
    )


def test_wrong_value(world: World) -> None:
    payment = Payment(world, "MegaUSD", permit_value=10**12)
    assert_refused(
        world,
        payment,
        ("InvalidSignature", ()),
        replace(payment.intent, value=payment.intent.value + 1),
    )


def test_wrong_token(world: World) -> None:
    """An intent for USDm cannot be redeemed against the payer's USD1."""
    payment = Payment(world, "MegaUSD")
    assert_refused(
        world,
        payment,
        ("InvalidSignature", ()),
        replace(payment.intent, token=world.tokens["USD1"].address),
    )


def test_intent_signed_by_another_key(world: World) -> None:
    payment = Payment(world, "MegaUSD", intent_signer=world.mallory)
    assert_refused(world, payment, ("InvalidSignature", ()))


def test_intent_signed_for_another_chain(world: World) -> None:
    payment = Payment(world, "MegaUSD")
    domain = world.settlement_domain()
    payment.intent_signature = payment.intent.sign(
        world.payer, replace(domain, chain_id=4326)
    ).packed
    assert_refused(world, payment, ("InvalidSignature", ()))


def test_bad_permit_and_no_allowance(world: World) -> None:
    """A valid intent with a permit signed by someone else: the permit is skipped and the
    missing allowance stops the payment."""
    payment = Payment(world, "USD1", permit_signer=world.mallory)
    assert_refused(world, payment, ("InsufficientAllowance", (0, payment.intent.value)))


def test_insufficient_balance(world: World) -> None:
    balance = world.tokens["MegaUSD"].functions.balanceOf(world.payer.address).call()
    payment = Payment(world, "MegaUSD", value=balance + 1)
    assert_refused(
        world, payment, ("ERC20InsufficientBalance", (world.payer.address, balance, balance + 1))
    )
    # The whole settlement reverted: the permit did not stick either.
    assert payment.token.functions.nonces(world.payer.address).call() == 0


def test_smart_wallet_payer(world: World) -> None:
    payment = Payment(world, "USD1", payer=world.wallet_owner, from_=world.wallet.address)
    assert_settles(world, payment)


def test_smart_wallet_refuses_a_stranger_intent(world: World) -> None:
    payment = Payment(
        world,
        "USD1",
        payer=world.wallet_owner,
        from_=world.wallet.address,
        intent_signer=world.mallory,
    )
    assert_refused(world, payment, ("InvalidSignature", ()))


def test_smart_wallet_cancels_through_execute(world: World) -> None:
    payment = Payment(world, "USD1", payer=world.wallet_owner, from_=world.wallet.address)
    cancel = world.settlement.functions.cancelIntent(
        payment.intent.nonce
    )._encode_transaction_data()
    world.chain.send(
        world.wallet.functions.execute(world.settlement.address, 0, cancel), world.wallet_owner
    )

    assert reverts(
        lambda: world.chain.send(
            world.wallet.functions.execute(world.settlement.address, 0, cancel), world.mallory
        )
    ) == ("NotOwner", (world.mallory.address,))
    assert_refused(world, payment, ("IntentUsed", (world.wallet.address, payment.intent.nonce)))


def test_hash_intent_matches_the_signed_digest(world: World) -> None:
    """`hashIntent` (what clients may use to check their encoding) equals EIP-712."""
    payment = Payment(world, "MegaUSD")
    expected = payment.intent.digest(world.settlement_domain())
    assert world.settlement.functions.hashIntent(payment.intent.args).call() == expected
