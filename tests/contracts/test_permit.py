"""EIP-2612 permit on each token (USDC, USDm, USD1): allowance by signature, nonces,
expiry, EIP-1271 owners."""

from __future__ import annotations

import pytest

from tests.contracts.chain import reverts
from tests.contracts.conftest import TOKENS, World
from tests.contracts.signing import Signature, sign_permit

pytestmark = pytest.mark.evm

PERMIT_VRS = "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"
PERMIT_BYTES = "permit(address,address,uint256,uint256,bytes)"


def permit_call(
    world: World,
    token: str,
    owner: str,
    spender: str,
    value: int,
    deadline: int,
    signature: Signature,
    fn: str = PERMIT_VRS,
):
    contract = world.tokens[token]
    sig_args = signature.vrs if fn == PERMIT_VRS else (signature.packed,)
    return contract.get_function_by_signature(fn)(owner, spender, value, deadline, *sig_args)


@pytest.mark.parametrize("token", list(TOKENS))
@pytest.mark.parametrize("fn", [PERMIT_VRS, PERMIT_BYTES])
def test_permit_sets_allowance_and_spends_nonce(world: World, token: str, fn: str) -> None:
    contract = world.tokens[token]
    owner, spender = world.payer, world.relayer
    value, deadline = world.units(token, 7), world.chain.timestamp() + 600
    nonce = contract.functions.nonces(owner.address).call()
    signature = sign_permit(
        owner, world.token_domain(token), owner.address, spender.address, value, nonce, deadline
    )

    receipt = world.chain.send(
        permit_call(world, token, owner.address, spender.address, value, deadline, signature, fn),
        world.mallory,
    )  # anyone may submit

    assert contract.functions.allowance(owner.address, spender.address).call() == value
    assert contract.functions.nonces(owner.address).call() == nonce + 1
    approvals = world.chain.events(contract, "Approval", receipt)
    assert [(e.args.owner, e.args.spender, e.args.value) for e in approvals] == [
        (owner.address, spender.address, value)
    ]
    # The spender can now pull exactly that much.
    world.chain.send(
        contract.functions.transferFrom(owner.address, world.payee.address, value), spender
    )
    assert contract.functions.balanceOf(world.payee.address).call() == value
    assert reverts(
        lambda: world.chain.send(
            contract.functions.transferFrom(owner.address, world.payee.address, 1), spender
        )
    ) == ("ERC20InsufficientAllowance", (spender.address, 0, 1))


def test_permit_replay_is_refused(world: World) -> None:
    token, owner, spender = "MegaUSD", world.payer, world.relayer
    deadline = world.chain.timestamp() + 600
    signature = sign_permit(
        owner, world.token_domain(token), owner.address, spender.address, 5, 0, deadline
    )
    call = lambda: permit_call(world, token, owner.address, spender.address, 5, deadline, signature)  # noqa: E731
    world.chain.send(call(), world.relayer)
    world.chain.send(world.tokens[token].functions.approve(spender.address, 0), owner)

    # The nonce moved on: the same signature now hashes to another digest.
    assert reverts(lambda: world.chain.send(call(), world.relayer)) == ("InvalidSignature", ())
    assert world.tokens[token].functions.allowance(owner.address, spender.address).call() == 0


@pytest.mark.parametrize("token", list(TOKENS))
def test_permit_attacks(world: World, token: str) -> None:
    contract = world.tokens[token]
    owner, spender = world.payer, world.relayer
    domain = world.token_domain(token)
    now = world.chain.timestamp()

    def refused(signature: Signature, deadline: int, value: int = 5) -> tuple:
        return reverts(
            lambda: world.chain.send(
                permit_call(
                    world, token, owner.address, spender.address, value, deadline, signature
                ),
                world.relayer,
            )
        )

    expired = now
    assert refused(
        sign_permit(owner, domain, owner.address, spender.address, 5, 0, expired), expired
    ) == (
        "PermitExpired",
        (expired,),
    )
    deadline = now + 600
    by_stranger = sign_permit(world.mallory, domain, owner.address, spender.address, 5, 0, deadline)
    assert refused(by_stranger, deadline) == ("InvalidSignature", ())
    signed_for_5 = sign_permit(owner, domain, owner.address, spender.address, 5, 0, deadline)
    assert refused(signed_for_5, deadline, value=500) == ("InvalidSignature", ())
    other_chain = type(domain)(
        domain.name, domain.version, 56 if domain.chain_id != 56 else 1, domain.verifying_contract
    )
    assert refused(
        sign_permit(owner, other_chain, owner.address, spender.address, 5, 0, deadline), deadline
    ) == ("InvalidSignature", ())

    assert contract.functions.allowance(owner.address, spender.address).call() == 0
    assert contract.functions.nonces(owner.address).call() == 0


@pytest.mark.parametrize("fn", [PERMIT_BYTES, PERMIT_VRS])
def test_smart_wallet_permit(world: World, fn: str) -> None:
    token, wallet = "USD1", world.wallet.address
    deadline = world.chain.timestamp() + 600
    domain = world.token_domain(token)
    good = sign_permit(world.wallet_owner, domain, wallet, world.relayer.address, 9, 0, deadline)
    bad = sign_permit(world.mallory, domain, wallet, world.relayer.address, 9, 0, deadline)

    assert reverts(
        lambda: world.chain.send(
            permit_call(world, token, wallet, world.relayer.address, 9, deadline, bad, fn),
            world.relayer,
        )
    ) == ("InvalidSignature", ())
    world.chain.send(
        permit_call(world, token, wallet, world.relayer.address, 9, deadline, good, fn),
        world.relayer,
    )
    assert world.tokens[token].functions.allowance(wallet, world.relayer.address).call() == 9
