"""The tokens as plain ERC-20s: metadata, transfers, allowances, the one-time minter."""

from __future__ import annotations

import pytest

from tests.contracts.chain import reverts
from tests.contracts.conftest import TOKENS, World

pytestmark = pytest.mark.evm

ZERO = "0x" + "00" * 20
MAX = 2**256 - 1


@pytest.mark.parametrize("token", list(TOKENS))
def test_metadata(world: World, token: str) -> None:
    name, version, symbol, decimals = TOKENS[token]
    f = world.tokens[token].functions
    assert (f.name().call(), f.symbol().call(), f.decimals().call(), f.version().call()) == (
        name,
        symbol,
        decimals,
        version,
    )


def test_transfer(world: World) -> None:
    usdc = world.usdc
    before = world.balances(usdc, world.payer.address, world.payee.address)
    receipt = world.chain.send(usdc.functions.transfer(world.payee.address, 42), world.payer)
    assert world.balances(usdc, world.payer.address, world.payee.address) == [
        before[0] - 42,
        before[1] + 42,
    ]
    [event] = world.chain.events(usdc, "Transfer", receipt)
    assert (event.args["from"], event.args.to, event.args.value) == (
        world.payer.address,
        world.payee.address,
        42,
    )


def test_transfer_refusals(world: World) -> None:
    usdc, payer = world.usdc, world.payer
    balance = usdc.functions.balanceOf(payer.address).call()
    assert reverts(
        lambda: world.chain.send(usdc.functions.transfer(world.payee.address, balance + 1), payer)
    ) == (
        "ERC20InsufficientBalance",
        (payer.address, balance, balance + 1),
    )
    assert reverts(lambda: world.chain.send(usdc.functions.transfer(ZERO, 1), payer)) == (
        "ERC20InvalidReceiver",
        (ZERO,),
    )
    assert reverts(lambda: world.chain.send(usdc.functions.approve(ZERO, 1), payer)) == (
        "ERC20InvalidSpender",
        (ZERO,),
    )
    assert usdc.functions.balanceOf(payer.address).call() == balance


def test_allowance_is_spent_and_unlimited_allowance_is_kept(world: World) -> None:
    usdm, payer, spender = world.tokens["MegaUSD"], world.payer, world.relayer
    world.chain.send(usdm.functions.approve(spender.address, 100), payer)
    world.chain.send(usdm.functions.transferFrom(payer.address, world.payee.address, 60), spender)
    assert usdm.functions.allowance(payer.address, spender.address).call() == 40
    assert reverts(
        lambda: world.chain.send(
            usdm.functions.transferFrom(payer.address, world.payee.address, 41), spender
        )
    ) == ("ERC20InsufficientAllowance", (spender.address, 40, 41))

    world.chain.send(usdm.functions.approve(spender.address, MAX), payer)
    world.chain.send(usdm.functions.transferFrom(payer.address, world.payee.address, 60), spender)
    assert usdm.functions.allowance(payer.address, spender.address).call() == MAX


@pytest.mark.parametrize("token", list(TOKENS))
def test_initialize_only_once(world: World, token: str) -> None:
    contract = world.tokens[token]
    assert contract.functions.minter().call() == world.minter.address
    for caller in (world.minter, world.mallory):
        assert reverts(
            lambda: world.chain.send(contract.functions.initialize(caller.address), caller)
        ) == (
            "AlreadyInitialized",
            (),
        )
    assert contract.functions.minter().call() == world.minter.address


@pytest.mark.parametrize("token", list(TOKENS))
def test_only_the_minter_mints(world: World, token: str) -> None:
    contract = world.tokens[token]
    supply = contract.functions.totalSupply().call()
    assert reverts(
        lambda: world.chain.send(
            contract.functions.mint(world.mallory.address, 10**30), world.mallory
        )
    ) == (
        "NotMinter",
        (world.mallory.address,),
    )
    assert contract.functions.totalSupply().call() == supply
    assert contract.functions.balanceOf(world.mallory.address).call() == 0

    world.chain.send(contract.functions.mint(world.payee.address, 5), world.minter)
    assert contract.functions.totalSupply().call() == supply + 5


def test_fresh_token_initialization(world: World) -> None:
    fresh = world.chain.deploy("USD1", sender=world.mallory)
    assert fresh.functions.minter().call() == ZERO
    assert reverts(
        lambda: world.chain.send(fresh.functions.mint(world.mallory.address, 1), world.mallory)
    ) == (
        "NotMinter",
        (world.mallory.address,),
    )
    assert reverts(lambda: world.chain.send(fresh.functions.initialize(ZERO), world.mallory)) == (
        "InvalidMinter",
        (),
    )

    receipt = world.chain.send(fresh.functions.initialize(world.minter.address), world.mallory)
    [event] = world.chain.events(fresh, "MinterConfigured", receipt)
    assert event.args.minter == world.minter.address
    assert fresh.functions.minter().call() == world.minter.address
