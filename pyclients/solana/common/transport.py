"""Where transactions go: a Solana JSON-RPC URL or an in-process LiteSVM.

Program clients talk to a :class:`Transport` only, so the same high-level
code runs against a real cluster, the local RPC, or LiteSVM inside a test
(fast, with clock control and exact compute units). Both implementations
sign with the given keypairs, raise :class:`TransactionFailed` with the
runtime's error and the logs, and return the compute units consumed.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from solders.account import Account
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.sysvar import CLOCK
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata
from solders.transaction_status import (
    InstructionErrorCustom,
    TransactionErrorInstructionError,
)

from pyclients.solana.common.errors import TransactionFailed

_UNIX_TIMESTAMP = struct.Struct("<q")
#: Offset of ``unix_timestamp`` in the Clock sysvar (slot, epoch_start_timestamp,
#: epoch, leader_schedule_epoch come first).
_CLOCK_UNIX_TIMESTAMP_OFFSET = 32


@dataclass(frozen=True)
class TxResult:
    """A landed transaction."""

    signature: Signature
    compute_units: int
    logs: list[str] = field(default_factory=list)


class Transport(Protocol):
    """What a program client needs from a cluster."""

    async def get_account(self, address: Pubkey) -> Account | None:
        """The account, or None if it does not exist."""
        ...

    async def send(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair],
        *,
        payer: Keypair | None = None,
    ) -> TxResult:
        """Signs (the payer, default the first signer, pays the fee), sends,
        waits for confirmation; raises :class:`TransactionFailed`."""
        ...

    async def unix_timestamp(self) -> int:
        """The cluster clock's unix time (the Clock sysvar programs read)."""
        ...

    async def minimum_balance(self, data_len: int) -> int:
        """Lamports for a rent-exempt account of ``data_len`` bytes."""
        ...


def _signed(
    instructions: Sequence[Instruction], signers: Sequence[Keypair], payer: Keypair | None, blockhash: Hash
) -> Transaction:
    if not signers and payer is None:
        raise ValueError("a transaction needs a fee payer")
    fee_payer = payer or signers[0]
    keys: list[Keypair] = [fee_payer] + [s for s in signers if s.pubkey() != fee_payer.pubkey()]
    unique = list({k.pubkey(): k for k in keys}.values())
    message = Message.new_with_blockhash(list(instructions), fee_payer.pubkey(), blockhash)
    return Transaction(unique, message, blockhash)


def failure_from_error(err: Any, logs: Sequence[str]) -> TransactionFailed:
    """A :class:`TransactionFailed` from a solders transaction error."""
    index = code = None
    if isinstance(err, TransactionErrorInstructionError):
        index = err.index
        if isinstance(err.err, InstructionErrorCustom):
            code = err.err.code
    return TransactionFailed(
        f"transaction failed: {err}", instruction_index=index, custom_code=code, logs=list(logs), error=err
    )


class _SigningTransport:
    """What both transports share: sign with a fresh blockhash, then submit."""

    async def send(
        self,
        instructions: Sequence[Instruction],
        signers: Sequence[Keypair],
        *,
        payer: Keypair | None = None,
    ) -> TxResult:
        return await self._submit(_signed(instructions, signers, payer, await self._blockhash()))

    async def _blockhash(self) -> Hash:
        raise NotImplementedError

    async def _submit(self, tx: Transaction) -> TxResult:
        """Sends a signed transaction and waits until it lands."""
        raise NotImplementedError


class LiteSvmTransport(_SigningTransport):
    """Runs transactions in an in-process ``solders.litesvm.LiteSVM``.

    Each send gets a fresh blockhash, so identical transactions (a retried
    settle, a repeated deposit) are distinct, as on a live cluster."""

    def __init__(self, svm: Any) -> None:
        self.svm = svm

    async def get_account(self, address: Pubkey) -> Account | None:
        account = self.svm.get_account(address)
        if account is None or (account.lamports == 0 and not account.data):
            return None
        return account

    async def _blockhash(self) -> Hash:
        self.svm.expire_blockhash()
        return self.svm.latest_blockhash()

    async def _submit(self, tx: Transaction) -> TxResult:
        result = self.svm.send_transaction(tx)
        # solders 0.27 exposes metadata fields as methods.
        if isinstance(result, FailedTransactionMetadata):
            raise failure_from_error(result.err(), result.meta().logs())
        return TxResult(result.signature(), result.compute_units_consumed(), list(result.logs()))

    async def unix_timestamp(self) -> int:
        return self.svm.get_clock().unix_timestamp

    async def minimum_balance(self, data_len: int) -> int:
        return self.svm.minimum_balance_for_rent_exemption(data_len)


class RpcTransport(_SigningTransport):
    """Talks to any Solana JSON-RPC endpoint through solana-py's AsyncClient.

    Preflight simulation is on, so a refused instruction fails fast with its
    logs; landed transactions are read back for their compute units."""

    def __init__(self, url: str, *, commitment: str = "confirmed", timeout: float = 30.0) -> None:
        from solana.rpc.async_api import AsyncClient
        from solana.rpc.commitment import Commitment

        self.url = url
        self._commitment = Commitment(commitment)
        self._timeout = timeout
        self.client = AsyncClient(url, commitment=self._commitment, timeout=timeout)

    async def close(self) -> None:
        await self.client.close()

    async def __aenter__(self) -> RpcTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def get_account(self, address: Pubkey) -> Account | None:
        resp = await self.client.get_account_info(address)
        return resp.value

    async def _blockhash(self) -> Hash:
        return (await self.client.get_latest_blockhash()).value.blockhash

    async def _submit(self, tx: Transaction) -> TxResult:
        from solana.rpc.core import RPCException
        from solana.rpc.models import TxOpts

        try:
            resp = await self.client.send_raw_transaction(
                bytes(tx), opts=TxOpts(skip_confirmation=True, preflight_commitment=self._commitment)
            )
        except RPCException as exc:
            raise _failure_from_rpc_exception(exc) from exc
        signature = resp.value
        await self.client.confirm_transaction(signature, commitment=self._commitment)
        return await self._landed(signature)

    async def _landed(self, signature: Signature) -> TxResult:
        deadline = asyncio.get_running_loop().time() + self._timeout
        while True:
            resp = await self.client.get_transaction(
                signature, commitment=self._commitment, max_supported_transaction_version=0
            )
            if resp.value is not None:
                meta = resp.value.transaction.meta
                logs = list(meta.log_messages or []) if meta else []
                if meta is not None and meta.err is not None:
                    raise failure_from_error(meta.err, logs)
                units = meta.compute_units_consumed if meta else None
                return TxResult(signature, units or 0, logs)
            if asyncio.get_running_loop().time() > deadline:
                raise TransactionFailed(f"transaction {signature} not found after confirmation")
            await asyncio.sleep(0.05)

    async def unix_timestamp(self) -> int:
        account = await self.get_account(CLOCK)
        if account is None:
            raise TransactionFailed("the cluster has no Clock sysvar account")
        return _UNIX_TIMESTAMP.unpack_from(bytes(account.data), _CLOCK_UNIX_TIMESTAMP_OFFSET)[0]

    async def minimum_balance(self, data_len: int) -> int:
        return (await self.client.get_minimum_balance_for_rent_exemption(data_len)).value


def _failure_from_rpc_exception(exc: Exception) -> TransactionFailed:
    """Preflight failures carry the simulated error and logs."""
    data = exc.args[0] if exc.args else None
    inner = getattr(data, "data", None)
    err = getattr(inner, "err", None)
    logs = list(getattr(inner, "logs", None) or [])
    if err is not None:
        return failure_from_error(err, logs)
    return TransactionFailed(f"RPC refused the transaction: {getattr(data, 'message', exc)}", logs=logs, error=data)
