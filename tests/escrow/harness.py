"""A job_escrow deployment in an in-process LiteSVM, with everything around
it a test needs: a 6-decimal USDC mint, admin, settlement authority,
treasury, funded wallets and workers, the high-level client, clock control,
and snapshots to prove a refused instruction moved nothing."""

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
from pyclients.solana.common import logs, token
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.transport import LiteSvmTransport, TxResult

#: A realistic cluster time to start from (LiteSVM starts at 0).
START_TIME = 1_750_000_000
WALLET_USDC = 1_000 * 10**6


@dataclass
class Env:
    svm: LiteSVM
    transport: LiteSvmTransport
    client: escrow.EscrowClient
    program: escrow.EscrowProgram
    admin: Keypair
    authority: Keypair
    mint: Pubkey
    treasury: Pubkey
    wallets: list[Keypair]
    workers: list[Keypair]
    #: Compute units of landed transactions, by label.
    cu: dict[str, list[int]] = field(default_factory=dict)
    #: Job accounts a test created (included in snapshots).
    jobs_seen: set[Pubkey] = field(default_factory=set)

    # --- accounts -------------------------------------------------------

    def ata(self, owner: Pubkey | Keypair) -> Pubkey:
        key = owner.pubkey() if isinstance(owner, Keypair) else owner
        return token.associated_token_address(key, self.mint)

    @property
    def vault(self) -> Pubkey:
        return self.program.vault_address(self.mint)

    def usdc(self, account: Pubkey) -> int:
        """Token balance of a USDC token account (0 when it does not exist)."""
        acc = self.svm.get_account(account)
        return 0 if acc is None or not acc.data else token.TokenAccount.decode(bytes(acc.data)).amount

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

    # --- time -----------------------------------------------------------

    def now(self) -> int:
        return self.svm.get_clock().unix_timestamp

    def warp(self, seconds: int) -> None:
        clock = self.svm.get_clock()
        clock.unix_timestamp += seconds
        clock.slot += max(1, seconds * 2)
        self.svm.set_clock(clock)

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
        """Records the compute units of job_escrow's own top-level
        invocation (CPIs included, other instructions of the transaction
        not)."""
        self.cu.setdefault(label, []).append(program_units(result))
        return result

    async def new_funded_wallet(self, usdc: int = WALLET_USDC, keypair: Keypair | None = None) -> Keypair:
        kp = keypair or Keypair()
        self.svm.airdrop(kp.pubkey(), 10 * 10**9)
        await self.transport.send(
            [token.create_ata_idempotent(self.admin.pubkey(), kp.pubkey(), self.mint),
             token.mint_to(self.mint, self.ata(kp), self.admin.pubkey(), usdc, 6)],
            [self.admin],
        )
        return kp

    # --- "nothing moved" ------------------------------------------------

    def snapshot(self, *extra: Pubkey) -> dict[Pubkey, tuple[int, bytes, Pubkey] | None]:
        """Lamports, data and owner of every account the program touches
        (config, vault, treasury, credit and job accounts, token accounts),
        plus ``extra``. Fee payers are left out: fees are charged even for
        failed transactions."""
        keys = {self.program.config_address(), self.vault, self.treasury, *extra}
        for kp in self.wallets + self.workers:
            keys.add(self.ata(kp))
            keys.add(self.program.credit_address(kp.pubkey()))
        keys |= self.jobs_seen
        out = {}
        for k in keys:
            acc = self.svm.get_account(k)
            out[k] = None if acc is None else (acc.lamports, bytes(acc.data), acc.owner)
        return out

    def track_job(self, wallet: Pubkey | Keypair, job_id: int) -> Pubkey:
        key = wallet.pubkey() if isinstance(wallet, Keypair) else wallet
        address = self.program.job_address(key, job_id)
        self.jobs_seen.add(address)
        return address

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
    svm = LiteSVM()
    svm.add_program_from_file(escrow.PROGRAM_ID, so_path)
    clock = svm.get_clock()
    clock.unix_timestamp = START_TIME
    svm.set_clock(clock)
    transport = LiteSvmTransport(svm)
    admin, authority, mint_kp, treasury_owner = Keypair(), Keypair(), Keypair(), Keypair()
    for kp in (admin, authority):
        svm.airdrop(kp.pubkey(), 100 * 10**9)
    rent = svm.minimum_balance_for_rent_exemption(token.MINT_LEN)
    await transport.send(
        token.create_mint_instructions(admin.pubkey(), mint_kp.pubkey(), admin.pubkey(), 6, rent),
        [admin, mint_kp],
    )
    mint = mint_kp.pubkey()
    treasury = token.associated_token_address(treasury_owner.pubkey(), mint)
    await transport.send([token.create_ata_idempotent(admin.pubkey(), treasury_owner.pubkey(), mint)], [admin])
    client = escrow.EscrowClient(transport)
    init = await client.initialize(admin, usdc_mint=mint, treasury=treasury,
                                   settlement_authority=authority.pubkey(), **params)
    env = Env(svm, transport, client, client.program, admin, authority, mint, treasury, [], [])
    # Includes creating the vault (associated token account) in the same transaction.
    env.record("initialize (+ vault ATA)", init)
    for _ in range(wallets):
        env.wallets.append(await env.new_funded_wallet())
    for _ in range(workers):
        env.workers.append(await env.new_funded_wallet(0))
    return env


def program_units(result: TxResult, program_id: Pubkey = escrow.PROGRAM_ID) -> int:
    """Compute units job_escrow's top-level invocations consumed."""
    return sum(i.compute_units for i in logs.invocations(result.logs)
               if i.depth == 1 and i.program == str(program_id))


_LOOP = asyncio.new_event_loop()


def run(coro: Awaitable[Any]) -> Any:
    """Runs a coroutine from synchronous code (hypothesis state machines);
    LiteSVM is in-process, so one private loop serves every call."""
    return _LOOP.run_until_complete(coro)
