"""A job_escrow deployment in an in-process LiteSVM
(:class:`pyclients.solana.escrow.LocalEscrow`) with what a test adds on top:
account readers, compute-unit recording, and snapshots proving a refused
instruction moved nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from pyclients.solana import escrow
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.litesvm import START_TIME
from pyclients.solana.common.logs import program_units as _program_units
from pyclients.solana.common.transport import LiteSvmTransport, TxResult

__all__ = ["START_TIME", "WALLET_USDC", "Env", "make_env", "program_units", "run"]

WALLET_USDC = 1_000 * 10**6


def program_units(result: TxResult, program_id: Pubkey = escrow.PROGRAM_ID) -> int:
    """Compute units a program's top-level invocations consumed."""
    return _program_units(result.logs, program_id)


@dataclass
class Env(escrow.LocalEscrow):
    #: Compute units of landed transactions, by label.
    cu: dict[str, list[int]] = field(default_factory=dict)
    #: Job accounts a test created (included in snapshots).
    jobs_seen: set[Pubkey] = field(default_factory=set)

    @property
    def svm(self) -> LiteSVM:
        return self.chain.svm

    @property
    def transport(self) -> LiteSvmTransport:
        return self.chain.transport

    # --- accounts -------------------------------------------------------

    def ata(self, owner: Pubkey | Keypair) -> Pubkey:
        return self.chain.ata(owner)

    def usdc(self, account: Pubkey) -> int:
        """Token balance of a USDC token account (0 when it does not exist)."""
        return self.chain.token_balance(account)

    def credit(self, wallet: Pubkey | Keypair) -> escrow.CreditAccount | None:
        key = wallet.pubkey() if isinstance(wallet, Keypair) else wallet
        acc = self.svm.get_account(self.program.credit_address(key))
        return None if acc is None or not acc.data else escrow.CreditAccount.decode(bytes(acc.data))

    def job(self, wallet: Pubkey | Keypair, job_id: int) -> escrow.Job | None:
        key = wallet.pubkey() if isinstance(wallet, Keypair) else wallet
        acc = self.svm.get_account(self.program.job_address(key, job_id))
        return None if acc is None or not acc.data else escrow.Job.decode(bytes(acc.data))

    def config(self) -> escrow.Config:
        return escrow.Config.decode(bytes(self.svm.get_account(self.program.config_address()).data))

    async def new_funded_wallet(self, usdc: int = WALLET_USDC, keypair: Keypair | None = None) -> Keypair:
        return await self.chain.wallet(usdc, keypair=keypair)

    # --- time -----------------------------------------------------------

    def now(self) -> int:
        return self.chain.now()

    def warp(self, seconds: int) -> None:
        self.chain.warp(seconds)

    # --- sending --------------------------------------------------------

    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Keypair],
                   *, label: str | None = None) -> TxResult:
        try:
            result = await self.transport.send(instructions, signers)
        except TransactionFailed as exc:
            raise escrow.errors.decode(exc) from exc
        if label:
            self.record(label, result)
        return result

    def record(self, label: str, result: TxResult) -> TxResult:
        """Records the compute units of job_escrow's own top-level invocation
        (CPIs included, other instructions of the transaction not)."""
        self.cu.setdefault(label, []).append(program_units(result))
        return result

    # --- "nothing moved" ------------------------------------------------

    def track_job(self, wallet: Pubkey | Keypair, job_id: int) -> Pubkey:
        key = wallet.pubkey() if isinstance(wallet, Keypair) else wallet
        address = self.program.job_address(key, job_id)
        self.jobs_seen.add(address)
        return address

    def snapshot(self, *extra: Pubkey) -> dict[Pubkey, tuple[int, bytes, Pubkey] | None]:
        """Lamports, data and owner of every account the program touches
        (config, vault, treasury, credit and job accounts, token accounts),
        plus ``extra``. Fee payers are left out: fees are charged even for
        failed transactions."""
        keys = {self.program.config_address(), self.vault, self.treasury, *extra, *self.jobs_seen}
        for kp in self.wallets + self.workers:
            keys.add(self.ata(kp))
            keys.add(self.program.credit_address(kp.pubkey()))
        out = {}
        for k in keys:
            acc = self.svm.get_account(k)
            out[k] = None if acc is None else (acc.lamports, bytes(acc.data), acc.owner)
        return out

    async def refused(self, action: Awaitable[Any], error: type[Exception], *extra: Pubkey) -> Exception:
        """Runs ``action``, which must fail with exactly ``error`` and leave
        every tracked account as it was."""
        before = self.snapshot(*extra)
        with pytest.raises(error) as info:
            await action
        assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}: {info.value}"
        assert self.snapshot(*extra) == before, "a refused instruction changed state"
        return info.value


async def make_env(so_path: Path, *, wallets: int = 3, workers: int = 2, **params: Any) -> Env:
    env = await Env.deploy(so_path, wallets=wallets, workers=workers, wallet_usdc=WALLET_USDC, **params)
    # Includes creating the vault (associated token account) in the same transaction.
    env.record("initialize (+ vault ATA)", env.init)
    return env


_LOOP = asyncio.new_event_loop()


def run(coro: Awaitable[Any]) -> Any:
    """Runs a coroutine from synchronous code (hypothesis state machines);
    LiteSVM is in-process, so one private loop serves every call."""
    return _LOOP.run_until_complete(coro)
