"""Facilitator fixtures: a store on each backend (SQLite file, real PostgreSQL),
the three local EVM chains, a Solana localnet, and a facilitator served over
real HTTP (uvicorn on a loopback port) in the session's event loop."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from eth_account.signers.local import LocalAccount

from facilitator.api.app import create_app
from facilitator.service import Facilitator, Keys, build_mechanisms, local_networks
from facilitator.settings import FacilitatorSettings, NetworkConfig
from facilitator.store import Store
from localnet.deploy_evm import ChainDeployment
from tests.facilitator.postgres import create_database, postgres_server

_db_names = itertools.count()


# --- stores ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def _store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'facilitator-{next(_db_names)}.sqlite3'}"
    admin = request.getfixturevalue("postgres_url")
    return create_database(admin, f"t{next(_db_names)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    return _store_url(request.param, tmp_path, request)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store.open(store_url)
    yield s
    s.close()


# --- chains ---------------------------------------------------------------------------
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def local_evm(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """Base (EIP-3009 USDC), MegaETH (USDm) and BSC (USD1) on anvil, deployed."""
    from localnet.anvil import LocalEvm

    evm = await LocalEvm.launch(state_dir=tmp_path_factory.mktemp("anvil"))
    yield evm
    await evm.stop()


@dataclass
class EvmWorld:
    """The local chains as the facilitator sees them, plus named accounts."""

    deployments: dict[str, ChainDeployment]
    chains: dict[str, Any]

    def networks(self) -> tuple[list[NetworkConfig], Keys]:
        return local_networks({"evm": {n: d.to_json() for n, d in self.deployments.items()}})

    def account(self, name: str, index: int) -> LocalAccount:
        return self.deployments[name].dev_account(index)

    def payer(self, name: str) -> LocalAccount:
        return self.account(name, 1)

    def payee(self, name: str) -> LocalAccount:
        return self.account(name, 2)


@pytest.fixture(scope="session")
def evm_world(local_evm: Any) -> EvmWorld:
    return EvmWorld(local_evm.deployments, local_evm.chains)


# --- the service ------------------------------------------------------------------------
def make_settings(**overrides: Any) -> FacilitatorSettings:
    base = dict(settle_wait_seconds=10.0, claim_lease_seconds=30.0,
                reconcile_interval_seconds=0.5, rate_limit_per_minute=100_000)
    base.update(overrides)
    return FacilitatorSettings(**base)


@pytest_asyncio.fixture(loop_scope="session")
async def build_facilitator(tmp_path: Path) -> AsyncIterator[Callable[..., Facilitator]]:
    """Builds facilitators over given networks and keys (the caller starts them);
    every one built is closed at the end."""
    built: list[Facilitator] = []

    def build(networks: list[NetworkConfig], keys: Keys, *, database_url: str | None = None,
              settings: FacilitatorSettings | None = None, worker: str | None = None
              ) -> Facilitator:
        settings = settings or make_settings()
        url = database_url or f"sqlite:///{tmp_path / 'facilitator.sqlite3'}"
        f = Facilitator.create(settings, build_mechanisms(networks, settings, keys),
                               database_url=url, worker=worker)
        built.append(f)
        return f

    yield build
    for f in built:
        await f.close()


@asynccontextmanager
async def serve(service: Facilitator, *, manage_lifecycle: bool = True) -> AsyncIterator[str]:
    """Serve ``service`` with uvicorn on a free loopback port in this event loop;
    yields the base URL."""
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets (else +40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(service, manage_lifecycle=manage_lifecycle),
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
