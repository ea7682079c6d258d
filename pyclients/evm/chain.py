"""One EVM network as the clients see it: an AsyncWeb3 plus the few reads every
payment path needs (raw ABI calls, code size, chain time, EIP-712 domains)."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncWeb3
from web3.exceptions import BlockNotFound, ContractLogicError, Web3RPCError
from web3.providers import AsyncHTTPProvider

from pyclients.evm import abi
from pyclients.evm.abi import Reverted, revert_data
from pyclients.evm.domain import Eip712Domain, read_domain

# Default web3 middleware the clients never need: they pass checksummed addresses,
# not ENS names, and sign every transaction locally with an explicit chainId. The
# two cost ~4x the time of an eth_call (validation asks the node for its chain id
# on every call).
_UNNEEDED_MIDDLEWARE = ("ens_name_to_address", "validation")


def lean_web3(provider: Any) -> AsyncWeb3:
    """AsyncWeb3 over ``provider`` without the middleware listed above."""
    w3 = AsyncWeb3(provider)
    for name in _UNNEEDED_MIDDLEWARE:
        if name in [n for _, n in w3.middleware_onion.middleware]:
            w3.middleware_onion.remove(name)
    return w3


class EvmChain:
    """An EVM network reached through ``w3``; caches what cannot change under it
    (the chain id, contracts' EIP-712 domains)."""

    def __init__(self, w3: AsyncWeb3) -> None:
        self.w3 = w3
        self._chain_id: int | None = None
        self._domains: dict[str, Eip712Domain] = {}

    @classmethod
    def connect(cls, rpc_url: str, *, timeout: float = 30.0) -> EvmChain:
        return cls(lean_web3(AsyncHTTPProvider(rpc_url, request_kwargs={"timeout": timeout})))

    async def close(self) -> None:
        disconnect = getattr(self.w3.provider, "disconnect", None)
        if disconnect is not None:
            await disconnect()

    async def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(await self.w3.eth.chain_id)
        return self._chain_id

    async def network(self) -> str:
        """CAIP-2 id, as x402 names networks: ``eip155:<chain id>``."""
        return f"eip155:{await self.chain_id()}"

    async def now(self) -> int:
        """The chain's clock: the timestamp of the block a transaction sent now would
        join (the pending block; the latest one where a node has no pending block).
        Time windows are checked against this, not the local wall clock, because
        the contract sees block.timestamp."""
        try:
            block = await self.w3.eth.get_block("pending")
        except (BlockNotFound, ValueError, Web3RPCError):
            block = None
        if block is None or block.get("timestamp") is None:
            block = await self.w3.eth.get_block("latest")
        return int(block["timestamp"])

    async def call(self, to: str, fn: abi.Function, *args: Any, sender: str | None = None) -> tuple:
        """eth_call ``fn(*args)`` on ``to`` at the latest block; Reverted on revert."""
        tx: dict[str, Any] = {"to": to, "data": fn.encode(*args)}
        if sender is not None:
            tx["from"] = sender
        try:
            out = bytes(await self.w3.eth.call(tx))
        except ContractLogicError as exc:
            raise Reverted(revert_data(exc), str(exc)) from exc
        if not fn.outputs:
            return ()
        if not out:
            raise Reverted(b"", f"{fn.name} returned nothing: no contract at {to}?")
        return fn.decode(out)

    async def read(self, to: str, fn: abi.Function, *args: Any) -> Any:
        """Single-valued view call."""
        return (await self.call(to, fn, *args))[0]

    async def code_size(self, address: str) -> int:
        return len(await self.w3.eth.get_code(to_checksum_address(address)))

    async def domain(self, contract: str) -> Eip712Domain:
        """The contract's EIP-712 domain via EIP-5267, cached per address."""
        key = to_checksum_address(contract)
        cached = self._domains.get(key)
        if cached is not None:
            return cached
        domain = await read_domain(self, key)
        self._domains[key] = domain
        return domain
