"""One in-process chain (chain id 8453, as Base) with every gridpay contract deployed and
funded, reverted to that state after each test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest
from eth_account.signers.local import LocalAccount
from web3.contract import Contract

from tests.contracts.chain import Chain
from tests.contracts.signing import Domain

CHAIN_ID = 8453

#: contract -> (EIP-712 name, EIP-712 version, symbol, decimals), per contracts/README.md
TOKENS = {
    "FiatTokenUSDC": ("USD Coin", "2", "USDC", 6),
    "MegaUSD": ("MegaUSD", "1", "USDm", 6),
    "USD1": ("World Liberty Financial USD", "1", "USD1", 18),
}
SETTLEMENT_DOMAIN = ("gridpay PermitSettlement", "1")

#: what each payer starts with, in whole tokens
FUNDING = 1_000


@dataclass
class World:
    chain: Chain
    tokens: dict[str, Contract]
    settlement: Contract
    wallet: Contract  # SmartWallet owned by `wallet_owner`
    minter: LocalAccount
    payer: LocalAccount
    payee: LocalAccount
    relayer: LocalAccount
    mallory: LocalAccount
    wallet_owner: LocalAccount

    @property
    def usdc(self) -> Contract:
        return self.tokens["FiatTokenUSDC"]

    def token_domain(self, name: str, *, chain_id: int | None = None) -> Domain:
        eip712_name, version, _, _ = TOKENS[name]
        return Domain(eip712_name, version, chain_id or CHAIN_ID, self.tokens[name].address)

    def settlement_domain(self) -> Domain:
        return Domain(*SETTLEMENT_DOMAIN, CHAIN_ID, self.settlement.address)

    def units(self, name: str, whole: int) -> int:
        return whole * 10 ** TOKENS[name][3]

    def balances(self, token: Contract, *holders: str) -> list[int]:
        return [token.functions.balanceOf(h).call() for h in holders]


def _deploy_world() -> tuple[World, int]:
    chain = Chain.start(CHAIN_ID)
    roles = chain.accounts[:6]  # in World's order: minter, payer, payee, relayer, mallory, owner
    minter, wallet_owner = roles[0], roles[5]
    tokens = {name: chain.deploy(name, sender=minter) for name in TOKENS}
    world = World(
        chain,
        tokens,
        chain.deploy("PermitSettlement", sender=minter),
        chain.deploy("SmartWallet", wallet_owner.address, sender=minter),
        *roles,
    )
    for name, token in tokens.items():
        chain.send(token.functions.initialize(minter.address), minter)
        for holder in (world.payer.address, world.wallet.address):
            chain.send(token.functions.mint(holder, world.units(name, FUNDING)), minter)
    return world, chain.tester.take_snapshot()


@pytest.fixture(scope="session")
def _world_at_genesis() -> tuple[World, int]:
    return _deploy_world()


@pytest.fixture
def world(_world_at_genesis: tuple[World, int]) -> Iterator[World]:
    world, snapshot = _world_at_genesis
    world.chain.tester.revert_to_snapshot(snapshot)
    yield world
    world.chain.set_chain_id(CHAIN_ID)
    world.chain.tester.revert_to_snapshot(snapshot)
