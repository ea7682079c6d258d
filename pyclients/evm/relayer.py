"""The settling account: sends transactions for payers and pays their gas.

Concurrent settlements from one key must never collide on a nonce. The relayer
keeps the next nonce locally and hands it out under an asyncio lock held only
while a transaction is signed and accepted by the node (never while waiting for
a receipt), so sends are serialised and confirmations overlap. A transaction
the node rejects does not consume its nonce; "nonce too low" (someone else used
the key) resynchronises from the node and retries.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from eth_account.signers.local import LocalAccount
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import TxReceipt

from pyclients.evm.abi import revert_data
from pyclients.evm.chain import EvmChain
from pyclients.evm.errors import RelayerError, SettlementFailed, from_revert

# Node messages meaning "this nonce is taken": resync and retry.
_NONCE_TAKEN = (
    "nonce too low",
    "already known",
    "replacement transaction underpriced",
    "nonce has already been used",
)
_MAX_NONCE_RETRIES = 3


class Relayer:
    """A funded account on ``chain`` that submits settlement transactions."""

    def __init__(
        self,
        chain: EvmChain,
        account: LocalAccount,
        *,
        receipt_timeout: float = 60.0,
        fee_ttl: float = 1.0,
        gas_headroom: float = 1.25,
    ) -> None:
        self.chain = chain
        self.account = account
        self.receipt_timeout = receipt_timeout
        self.fee_ttl = fee_ttl
        self.gas_headroom = gas_headroom
        self._lock = asyncio.Lock()
        self._next_nonce: int | None = None
        self._fees: tuple[float, dict[str, int]] | None = None

    @property
    def address(self) -> str:
        return self.account.address

    async def simulate(self, to: str | None, data: bytes, *, action: str) -> None:
        """eth_call the transaction as this relayer on the pending block (the one it
        would land in: its timestamp is what time windows are checked against);
        the typed error if it would revert."""
        try:
            await self.chain.w3.eth.call(self._base_tx(to, data), "pending")
        except ContractLogicError as exc:
            raise from_revert(revert_data(exc), action) from exc

    async def transact(
        self,
        to: str | None,
        data: bytes,
        *,
        action: str,
        simulate: bool = True,
        gas: int | None = None,
    ) -> TxReceipt:
        """Simulate, estimate gas, send, wait for the receipt (``to=None`` deploys
        ``data`` as init code). SettlementFailed when the transaction is mined but
        reverted (e.g. a competing settlement of the same payment got in first)."""
        if simulate:
            await self.simulate(to, data, action=action)
        tx = self._base_tx(to, data)
        if gas is None:
            try:
                estimate = await self.chain.w3.eth.estimate_gas(tx)
            except ContractLogicError as exc:  # state changed since the simulation
                raise from_revert(revert_data(exc), action) from exc
            gas = int(estimate * self.gas_headroom)
        tx.update(gas=gas, chainId=await self.chain.chain_id(), **await self._fee_fields())
        tx_hash = await self._send(tx, action)
        try:
            receipt = await self.chain.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.receipt_timeout, poll_latency=0.05
            )
        except TimeExhausted as exc:
            raise SettlementFailed(
                f"{action} 0x{tx_hash.hex()} not mined within {self.receipt_timeout}s",
                tx_hash="0x" + tx_hash.hex(),
            ) from exc
        if receipt["status"] != 1:
            raise SettlementFailed(
                f"{action} 0x{tx_hash.hex()} reverted in block {receipt['blockNumber']}",
                tx_hash="0x" + tx_hash.hex(),
            )
        return receipt

    def _base_tx(self, to: str | None, data: bytes) -> dict[str, Any]:
        tx: dict[str, Any] = {"from": self.address, "data": data}
        if to is not None:
            tx["to"] = to
        return tx

    async def _send(self, tx: dict[str, Any], action: str) -> bytes:
        for _ in range(_MAX_NONCE_RETRIES):
            async with self._lock:
                if self._next_nonce is None:
                    await self._resync()
                assert self._next_nonce is not None
                signed = self.account.sign_transaction({**tx, "nonce": self._next_nonce})
                try:
                    tx_hash = await self.chain.w3.eth.send_raw_transaction(signed.raw_transaction)
                except Web3RPCError as exc:
                    if any(m in str(exc).lower() for m in _NONCE_TAKEN):
                        self._next_nonce = None  # resync under the lock on the next try
                        continue
                    raise RelayerError(f"node refused {action} from {self.address}: {exc}") from exc
                self._next_nonce += 1
                return bytes(tx_hash)
        raise RelayerError(f"{action}: nonce kept colliding after {_MAX_NONCE_RETRIES} resyncs")

    async def _resync(self) -> None:
        self._next_nonce = int(
            await self.chain.w3.eth.get_transaction_count(self.address, "pending")
        )

    async def _fee_fields(self) -> dict[str, int]:
        """EIP-1559 fees, refreshed at most every ``fee_ttl`` seconds: twice the base
        fee plus the node's suggested tip survives several full blocks."""
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > self.fee_ttl:
            block, tip = await asyncio.gather(
                self.chain.w3.eth.get_block("latest"), self.chain.w3.eth.max_priority_fee
            )
            base = int(block.get("baseFeePerGas", 0))
            self._fees = (
                now,
                {"maxFeePerGas": 2 * base + int(tip), "maxPriorityFeePerGas": int(tip), "type": 2},
            )
        return self._fees[1]
