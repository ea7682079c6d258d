"""Fixtures: a fresh local validator per test, and unmodified solana-py clients on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair

from localnet.solana_chain import wallet
from localnet.solana_rpc import SolanaLocalnet


@pytest.fixture
async def net() -> AsyncIterator[SolanaLocalnet]:
    async with SolanaLocalnet.start(port=0) as running:
        yield running


@pytest.fixture
async def client(net: SolanaLocalnet) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(net.url, commitment=Confirmed) as rpc:
        yield rpc


@pytest.fixture
def payer() -> Keypair:
    return wallet("payer")


@pytest.fixture
def alice() -> Keypair:
    return wallet("alice")

