"""Fixtures for the EVM payment clients.

Every test that takes ``env`` runs on each network (base: EIP-3009 USDC;
megaeth, bsc: the permit path) on both backends: eth-tester in-process and a
real anvil. Contracts are deployed once per session per backend; each test runs
inside an ``evm_snapshot`` that is reverted afterwards, so tests do not see
each other's payments.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from eth_account import Account
from eth_account.signers.local import LocalAccount

from localnet.deploy_evm import (
    NETWORKS,
    ChainDeployment,
    deploy_contract,
    deploy_in_process,
    payment_path,
)
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.payment import PaymentPath, Requirements
from pyclients.evm.permit import PermitPayment
from pyclients.evm.relayer import Relayer

BACKENDS = ("ethtester", "anvil")
PERMIT_NETWORKS = [n for n, spec in NETWORKS.items() if spec.transfer_method == "gridpay-permit"]
ENV_PARAMS = [(b, n) for b in BACKENDS for n in NETWORKS]
PERMIT_ENV_PARAMS = [(b, n) for b in BACKENDS for n in PERMIT_NETWORKS]


class Backends:
    """Chains per backend, started on first use: a run that selects only
    eth-tester tests never starts anvil."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._ethtester: dict[str, tuple[EvmChain, ChainDeployment]] = {}
        self._anvil: Any = None
        self._lock = asyncio.Lock()

    async def get(self, backend: str, name: str) -> tuple[EvmChain, ChainDeployment]:
        async with self._lock:
            if backend == "ethtester":
                if name not in self._ethtester:
                    self._ethtester[name] = await deploy_in_process(NETWORKS[name])
                return self._ethtester[name]
            if self._anvil is None:
                from localnet.anvil import LocalEvm

                self._anvil = await LocalEvm.launch(state_dir=self.state_dir)
            return self._anvil.chains[name], self._anvil.deployments[name]

    async def close(self) -> None:
        for chain, _ in self._ethtester.values():
            await chain.close()
        if self._anvil is not None:
            await self._anvil.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def backends(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backends]:
    b = Backends(tmp_path_factory.mktemp("anvil-state"))
    yield b
    await b.close()


async def rpc(chain: EvmChain, method: str, *params: Any) -> Any:
    response = await chain.w3.provider.make_request(method, list(params))
    assert "error" not in response, response
    return response["result"]


def _dev_account(index: int) -> property:
    return property(lambda env: env.dep.dev_account(index))


@dataclass
class Env:
    """One network on one backend, with the path client and named accounts."""

    backend: str
    name: str
    chain: EvmChain
    dep: ChainDeployment
    path: PaymentPath
    relayer: Relayer

    # The deployment's funded dev accounts, by role.
    minter = _dev_account(0)
    payer = _dev_account(1)
    payee = _dev_account(2)
    stranger = _dev_account(3)

    @property
    def is_permit(self) -> bool:
        return isinstance(self.path, PermitPayment)

    @property
    def token(self) -> str:
        return self.dep.token.address

    @property
    def amount(self) -> int:
        """0.01 token in base units, whatever the decimals."""
        return 10 ** (self.dep.token.decimals - 2)

    def req(
        self,
        *,
        amount: int | None = None,
        pay_to: str | None = None,
        network: str | None = None,
        asset: str | None = None,
    ) -> Requirements:
        return Requirements(
            network=network or self.dep.network,
            asset=asset or self.token,
            pay_to=pay_to or self.payee.address,
            amount=self.amount if amount is None else amount,
            max_timeout_seconds=120,
        )

    async def sign(
        self,
        *,
        signer: LocalAccount | None = None,
        payer: str | None = None,
        to: str | None = None,
        value: int | None = None,
        valid_after: int | None = None,
        valid_before: int | None = None,
        path: PaymentPath | None = None,
        **permit: Any,
    ) -> Any:
        """A payment signed through the path client, valid now unless told otherwise."""
        path = path or self.path
        signer = signer or self.payer
        now = await self.chain.now()
        kwargs: dict[str, Any] = dict(
            to=to or self.payee.address,
            value=self.amount if value is None else value,
            valid_after=now - 600 if valid_after is None else valid_after,
            valid_before=now + 120 if valid_before is None else valid_before,
            payer=payer,
        )
        if isinstance(path, PermitPayment):
            owner = payer or signer.address
            permit.setdefault("permit_nonce", await self.chain.read(self.token, abi.NONCES, owner))
            kwargs.update(permit)
        return path.sign(signer, **kwargs)

    async def balances(self, *accounts: str) -> list[int]:
        return [await self.chain.read(self.token, abi.BALANCE_OF, a) for a in accounts]

    async def mint(self, to: str, amount: int) -> None:
        await self.relayer.transact(self.token, abi.MINT.encode(to, amount), action="mint")

    async def send_as(self, account: LocalAccount, to: str, data: bytes) -> None:
        """A transaction from ``account`` itself (not the relayer)."""
        await Relayer(self.chain, account).transact(to, data, action="direct")

    async def deploy_wallet(self, owner: str) -> str:
        return await deploy_contract(self.relayer, "SmartWallet", owner)

    def fresh_account(self) -> LocalAccount:
        return Account.create()


async def _env(backends: Backends, backend: str, name: str) -> AsyncIterator[Env]:
    chain, dep = await backends.get(backend, name)
    snapshot = await rpc(chain, "evm_snapshot")
    try:
        yield Env(
            backend,
            name,
            chain,
            dep,
            await payment_path(chain, dep),
            Relayer(chain, dep.dev_account(0)),
        )
    finally:
        await rpc(chain, "evm_revert", snapshot)


@pytest_asyncio.fixture(loop_scope="session", params=ENV_PARAMS, ids=lambda p: f"{p[0]}-{p[1]}")
async def env(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Env]:
    async for e in _env(backends, *request.param):
        yield e


@pytest_asyncio.fixture(loop_scope="session", params=list(NETWORKS))
async def anvil_env(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Env]:
    async for e in _env(backends, "anvil", request.param):
        yield e


@pytest_asyncio.fixture(loop_scope="session", params=list(NETWORKS))
async def fast_env(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Env]:
    """eth-tester only: for checks that do not depend on the node."""
    async for e in _env(backends, "ethtester", request.param):
        yield e


@pytest_asyncio.fixture(
    loop_scope="session", params=PERMIT_ENV_PARAMS, ids=lambda p: f"{p[0]}-{p[1]}"
)
async def permit_env(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Env]:
    """The permit-path networks on both backends."""
    async for e in _env(backends, *request.param):
        yield e


@pytest_asyncio.fixture(loop_scope="session", params=PERMIT_NETWORKS)
async def fast_permit_env(request: pytest.FixtureRequest, backends: Backends) -> AsyncIterator[Env]:
    async for e in _env(backends, "ethtester", request.param):
        yield e
