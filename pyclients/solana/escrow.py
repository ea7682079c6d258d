"""Client of the ``job_escrow`` program: PDAs, typed instruction builders,
account decoders, named errors, and an async high-level client.

Everything about the wire format comes from the IDL checked in beside the
program (``programs/job_escrow/idl.json``): discriminators, account order
and flags, argument layouts, account layouts, error codes. The tests check
the IDL against the program binary.

Amounts: deposits are USDC base units (6 decimals); everything else is in
credits (1 credit = 10,000 base units = 0.01 USDC).

    transport = LiteSvmTransport(svm)            # or RpcTransport(url)
    client = EscrowClient(transport)
    await client.buy_credits(wallet, credits=500)
    await client.lock_job(authority, wallet.pubkey(), job_id=7, max_credits=40, worker=w)
    await client.settle_job(authority, wallet.pubkey(), job_id=7, used_credits=25)
    (await client.balance(wallet.pubkey())).available   # 475
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from gridpay.keys import local_program_keypair
from pyclients.solana.common import logs as _logs
from pyclients.solana.common.errors import ProgramError, ProgramErrors, TransactionFailed
from pyclients.solana.common.idl import ProgramIdl
from pyclients.solana.common.litesvm import LocalChain
from pyclients.solana.common.pda import find_pda, u64_seed
from pyclients.solana.common.program import (
    CONFIG_SEED,
    IdlAccount,
    LocalDeployment,
    ProgramBuilder,
    ProgramClient,
)
from pyclients.solana.common.token import associated_token_address, create_ata_idempotent
from pyclients.solana.common.transport import Transport, TxResult

IDL_PATH = Path(__file__).resolve().parents[2] / "programs" / "job_escrow" / "idl.json"
IDL = ProgramIdl.load(IDL_PATH)
#: The program id the IDL declares (the local deploy key, see :func:`program_keypair`).
PROGRAM_ID: Pubkey = IDL.address

BASE_UNITS_PER_CREDIT = 10_000
USDC_DECIMALS = 6
CREDIT_SEED = b"credit"
JOB_SEED = b"job"
#: Most jobs one ``settle_jobs`` instruction accepts.
MAX_BATCH = 32


def program_keypair() -> Keypair:
    """The keypair local deployments put the program at (``gridpay.keys``:
    derived from a public seed, an address for local chains, not a secret)."""
    return local_program_keypair("job_escrow")


class EscrowError(ProgramError):
    """job_escrow refused an instruction (a subclass names the check)."""


#: ``errors.InsufficientCredits`` etc.: one exception class per IDL error.
errors = ProgramErrors(IDL, EscrowError)


# --- accounts --------------------------------------------------------------

class _Account(IdlAccount):
    IDL = IDL


@dataclass(frozen=True)
class Config(_Account):
    """Program-wide settings (the config PDA)."""

    IDL_NAME: ClassVar[str] = "Config"
    admin: Pubkey
    usdc_mint: Pubkey
    vault: Pubkey
    treasury: Pubkey
    settlement_authority: Pubkey
    fees_owed: int
    min_purchase_credits: int
    job_timeout: int
    worker_bps: int
    paused: bool
    bump: int


@dataclass(frozen=True)
class CreditAccount(_Account):
    """A wallet's credits (amounts in credits)."""

    IDL_NAME: ClassVar[str] = "CreditAccount"
    wallet: Pubkey
    available: int
    locked: int
    total_deposited: int
    total_spent: int
    total_withdrawn: int
    total_refunded: int
    last_topup_at: int
    open_jobs: int
    bump: int

    @property
    def usdc_value(self) -> int:
        """Available credits in USDC base units."""
        return self.available * BASE_UNITS_PER_CREDIT


@dataclass(frozen=True)
class Job(_Account):
    """An open job's lock."""

    IDL_NAME: ClassVar[str] = "Job"
    credit: Pubkey
    worker: Pubkey
    rent_payer: Pubkey
    job_id: int
    max_credits: int
    started_at: int
    expires_at: int
    status: int
    bump: int


@dataclass(frozen=True)
class Balance:
    """A wallet's balance; all zero when it never bought credits."""

    wallet: Pubkey
    available: int
    locked: int
    last_topup_at: int | None

    @property
    def usdc_value(self) -> int:
        return self.available * BASE_UNITS_PER_CREDIT


@dataclass(frozen=True)
class Settlement:
    """One job of a batch settlement."""

    wallet: Pubkey
    job_id: int
    used_credits: int


def credits_to_base_units(credits: int) -> int:
    return credits * BASE_UNITS_PER_CREDIT


# --- PDAs and instructions -------------------------------------------------


class EscrowProgram(ProgramBuilder):
    """PDAs and instruction builders for one deployment of job_escrow."""

    IDL = IDL

    def credit_address(self, wallet: Pubkey) -> Pubkey:
        return find_pda([CREDIT_SEED, wallet], self.program_id)[0]

    def job_pda(self, credit: Pubkey, job_id: int) -> tuple[Pubkey, int]:
        return find_pda([JOB_SEED, credit, u64_seed(job_id)], self.program_id)

    def job_address(self, wallet: Pubkey, job_id: int) -> Pubkey:
        return self.job_pda(self.credit_address(wallet), job_id)[0]

    def initialize(
        self,
        *,
        admin: Pubkey,
        usdc_mint: Pubkey,
        treasury: Pubkey,
        settlement_authority: Pubkey,
        worker_bps: int = 8_000,
        job_timeout: int = 120,
        min_purchase_credits: int = 100,
        vault: Pubkey | None = None,
    ) -> Instruction:
        return self._ix(
            "initialize",
            {
                "admin": admin,
                "program_key": self.program_id,
                "config": self.config_address(),
                "usdc_mint": usdc_mint,
                "vault": vault or self.vault_address(usdc_mint),
                "treasury": treasury,
            },
            {
                "settlement_authority": settlement_authority,
                "worker_bps": worker_bps,
                "job_timeout": job_timeout,
                "min_purchase_credits": min_purchase_credits,
            },
        )

    def update_config(
        self,
        *,
        admin: Pubkey,
        treasury: Pubkey,
        new_admin: Pubkey,
        settlement_authority: Pubkey,
        worker_bps: int,
        job_timeout: int,
        min_purchase_credits: int,
        paused: bool,
    ) -> Instruction:
        return self._ix(
            "update_config",
            {"admin": admin, "config": self.config_address(), "treasury": treasury},
            {
                "new_admin": new_admin,
                "settlement_authority": settlement_authority,
                "worker_bps": worker_bps,
                "job_timeout": job_timeout,
                "min_purchase_credits": min_purchase_credits,
                "paused": paused,
            },
        )

    def _wallet_transfer(self, name: str, wallet: Pubkey, usdc_mint: Pubkey, args: dict[str, Any],
                         wallet_token: Pubkey | None, vault: Pubkey | None) -> Instruction:
        """``deposit`` and ``withdraw``: USDC between a wallet's token account
        and the vault, the same six accounts in the same order."""
        return self._ix(
            name,
            {
                "wallet": wallet,
                "config": self.config_address(),
                "credit": self.credit_address(wallet),
                "wallet_token": wallet_token or associated_token_address(wallet, usdc_mint),
                "vault": vault or self.vault_address(usdc_mint),
                "usdc_mint": usdc_mint,
            },
            args,
        )

    def deposit(
        self, *, wallet: Pubkey, usdc_mint: Pubkey, amount: int,
        wallet_token: Pubkey | None = None, vault: Pubkey | None = None,
    ) -> Instruction:
        """Buys ``amount`` base units worth of credits."""
        return self._wallet_transfer("deposit", wallet, usdc_mint, {"amount": amount}, wallet_token, vault)

    def lock_job(
        self, *, settlement_authority: Pubkey, wallet: Pubkey, job_id: int, max_credits: int, worker: Pubkey,
    ) -> Instruction:
        credit = self.credit_address(wallet)
        job, bump = self.job_pda(credit, job_id)
        return self._ix(
            "lock_job",
            {
                "settlement_authority": settlement_authority,
                "config": self.config_address(),
                "credit": credit,
                "job": job,
            },
            {"job_id": job_id, "max_credits": max_credits, "worker": worker, "job_bump": bump},
        )

    def settle_job(
        self, *, settlement_authority: Pubkey, wallet: Pubkey, job_id: int, used_credits: int,
        worker_token: Pubkey, rent_receiver: Pubkey, usdc_mint: Pubkey, vault: Pubkey | None = None,
    ) -> Instruction:
        credit = self.credit_address(wallet)
        return self._ix(
            "settle_job",
            {
                "settlement_authority": settlement_authority,
                "config": self.config_address(),
                "credit": credit,
                "job": self.job_pda(credit, job_id)[0],
                "worker_token": worker_token,
                "rent_receiver": rent_receiver,
                "vault": vault or self.vault_address(usdc_mint),
                "usdc_mint": usdc_mint,
            },
            {"used_credits": used_credits},
        )

    def settle_jobs(
        self, *, settlement_authority: Pubkey, usdc_mint: Pubkey,
        jobs: Sequence[tuple[Settlement, Pubkey, Pubkey]], vault: Pubkey | None = None,
    ) -> Instruction:
        """``jobs``: (settlement, worker token account, rent receiver) each."""
        remaining: list[AccountMeta] = []
        for s, worker_token, rent_receiver in jobs:
            credit = self.credit_address(s.wallet)
            remaining += [
                AccountMeta(credit, is_signer=False, is_writable=True),
                AccountMeta(self.job_pda(credit, s.job_id)[0], is_signer=False, is_writable=True),
                AccountMeta(worker_token, is_signer=False, is_writable=True),
                AccountMeta(rent_receiver, is_signer=False, is_writable=True),
            ]
        return self._ix(
            "settle_jobs",
            {
                "settlement_authority": settlement_authority,
                "config": self.config_address(),
                "vault": vault or self.vault_address(usdc_mint),
                "usdc_mint": usdc_mint,
            },
            {"used_credits": [s.used_credits for s, _, _ in jobs]},
            remaining=tuple(remaining),
        )

    def refund_job(self, *, caller: Pubkey, wallet: Pubkey, job_id: int, rent_receiver: Pubkey) -> Instruction:
        credit = self.credit_address(wallet)
        return self._ix(
            "refund_job",
            {
                "caller": caller,
                "config": self.config_address(),
                "credit": credit,
                "job": self.job_pda(credit, job_id)[0],
                "rent_receiver": rent_receiver,
            },
        )

    def withdraw(
        self, *, wallet: Pubkey, usdc_mint: Pubkey, credits: int,
        wallet_token: Pubkey | None = None, vault: Pubkey | None = None,
    ) -> Instruction:
        return self._wallet_transfer("withdraw", wallet, usdc_mint, {"credits": credits}, wallet_token, vault)

    def close_credit_account(self, *, wallet: Pubkey) -> Instruction:
        return self._ix("close_credit_account", {"wallet": wallet, "credit": self.credit_address(wallet)})

    def claim_fees(self, *, usdc_mint: Pubkey, treasury: Pubkey, vault: Pubkey | None = None) -> Instruction:
        return self._ix(
            "claim_fees",
            {
                "config": self.config_address(),
                "vault": vault or self.vault_address(usdc_mint),
                "treasury": treasury,
                "usdc_mint": usdc_mint,
            },
        )


# --- high-level client -----------------------------------------------------


class EscrowClient(ProgramClient[EscrowProgram, Config]):
    """Async client over any :class:`Transport` (RPC URL or LiteSVM).

    Reads the config once (mint, vault, treasury) and refreshes it when asked;
    every method returns the landed :class:`TxResult` (signature, compute
    units, logs) and raises a named :class:`EscrowError` when the program
    refuses."""

    PROGRAM = EscrowProgram
    CONFIG = Config
    ERRORS = errors
    NAME = "job_escrow"

    # reads

    async def credit_account(self, wallet: Pubkey) -> CreditAccount | None:
        return await self._account(self.program.credit_address(wallet), CreditAccount)

    async def balance(self, wallet: Pubkey) -> Balance:
        credit = await self.credit_account(wallet)
        if credit is None:
            return Balance(wallet, 0, 0, None)
        return Balance(wallet, credit.available, credit.locked, credit.last_topup_at)

    async def job(self, wallet: Pubkey, job_id: int) -> Job | None:
        return await self._account(self.program.job_address(wallet, job_id), Job)

    # writes

    async def initialize(
        self, admin: Keypair, *, program_key: Keypair, usdc_mint: Pubkey, treasury: Pubkey,
        settlement_authority: Pubkey, worker_bps: int = 8_000, job_timeout: int = 120,
        min_purchase_credits: int = 100,
    ) -> TxResult:
        """Creates the vault (if needed) and the config in one transaction,
        co-signed by ``program_key``, the keypair the program was deployed at."""
        self._check_program_key(program_key)
        return await self._send_admin(
            [
                self.program.create_vault(admin.pubkey(), usdc_mint),
                self.program.initialize(
                    admin=admin.pubkey(), usdc_mint=usdc_mint, treasury=treasury,
                    settlement_authority=settlement_authority, worker_bps=worker_bps,
                    job_timeout=job_timeout, min_purchase_credits=min_purchase_credits,
                ),
            ],
            [admin, program_key],
        )

    async def update_config(self, admin: Keypair, **changes: Any) -> TxResult:
        """Changes the given settings, keeping the others (``new_admin``,
        ``settlement_authority``, ``treasury``, ``worker_bps``, ``job_timeout``,
        ``min_purchase_credits``, ``paused``)."""
        cfg = await self.config(refresh=True)
        allowed = {"new_admin", "settlement_authority", "treasury", "worker_bps", "job_timeout",
                   "min_purchase_credits", "paused"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        values = {
            "new_admin": cfg.admin, "settlement_authority": cfg.settlement_authority,
            "treasury": cfg.treasury, "worker_bps": cfg.worker_bps, "job_timeout": cfg.job_timeout,
            "min_purchase_credits": cfg.min_purchase_credits, "paused": cfg.paused,
        } | changes
        return await self._send_admin([self.program.update_config(admin=admin.pubkey(), **values)], [admin])

    async def buy_credits(self, wallet: Keypair, credits: int, *, wallet_token: Pubkey | None = None) -> TxResult:
        """Buys ``credits`` credits (``credits * 10_000`` USDC base units)."""
        if credits <= 0:
            raise ValueError(f"credits must be positive, got {credits}")
        cfg = await self.config()
        return await self._send(
            [self.program.deposit(wallet=wallet.pubkey(), usdc_mint=cfg.usdc_mint,
                                  amount=credits_to_base_units(credits), wallet_token=wallet_token,
                                  vault=cfg.vault)],
            [wallet],
        )

    async def lock_job(
        self, authority: Keypair, wallet: Pubkey, *, job_id: int, max_credits: int, worker: Pubkey,
    ) -> TxResult:
        return await self._send(
            [self.program.lock_job(settlement_authority=authority.pubkey(), wallet=wallet, job_id=job_id,
                                   max_credits=max_credits, worker=worker)],
            [authority],
        )

    async def _open_job(self, wallet: Pubkey, job_id: int) -> Job:
        job = await self.job(wallet, job_id)
        if job is None:
            raise errors.JobNotOpen(f"JobNotOpen: no open job {job_id} for wallet {wallet}")
        return job

    async def settle_job(
        self, authority: Keypair, wallet: Pubkey, *, job_id: int, used_credits: int,
        worker_token: Pubkey | None = None,
    ) -> TxResult:
        """Settles ``used_credits``; the worker's share goes to its associated
        token account unless ``worker_token`` says otherwise."""
        cfg = await self.config()
        job = await self._open_job(wallet, job_id)
        return await self._send(
            [self.program.settle_job(
                settlement_authority=authority.pubkey(), wallet=wallet, job_id=job_id,
                used_credits=used_credits,
                worker_token=worker_token or associated_token_address(job.worker, cfg.usdc_mint),
                rent_receiver=job.rent_payer, usdc_mint=cfg.usdc_mint, vault=cfg.vault,
            )],
            [authority],
        )

    async def settle_jobs(self, authority: Keypair, settlements: Sequence[Settlement]) -> TxResult:
        """Settles up to :data:`MAX_BATCH` jobs in one instruction."""
        cfg = await self.config()
        jobs = []
        for s in settlements:
            job = await self._open_job(s.wallet, s.job_id)
            jobs.append((s, associated_token_address(job.worker, cfg.usdc_mint), job.rent_payer))
        return await self._send(
            [self.program.settle_jobs(settlement_authority=authority.pubkey(), usdc_mint=cfg.usdc_mint,
                                      jobs=jobs, vault=cfg.vault)],
            [authority],
        )

    async def refund_job(self, caller: Keypair, wallet: Pubkey, *, job_id: int) -> TxResult:
        """Refunds a job: any time for the settlement authority, after the
        job's timeout for anyone."""
        job = await self._open_job(wallet, job_id)
        return await self._send(
            [self.program.refund_job(caller=caller.pubkey(), wallet=wallet, job_id=job_id,
                                     rent_receiver=job.rent_payer)],
            [caller],
        )

    async def withdraw(self, wallet: Keypair, credits: int | None = None, *,
                       wallet_token: Pubkey | None = None) -> TxResult:
        """Withdraws ``credits`` (all available when None) as USDC to the
        wallet's associated token account (created if missing)."""
        cfg = await self.config()
        if credits is None:
            credits = (await self.balance(wallet.pubkey())).available
        ixs = []
        if wallet_token is None:
            ixs.append(create_ata_idempotent(wallet.pubkey(), wallet.pubkey(), cfg.usdc_mint))
        ixs.append(self.program.withdraw(wallet=wallet.pubkey(), usdc_mint=cfg.usdc_mint, credits=credits,
                                         wallet_token=wallet_token, vault=cfg.vault))
        return await self._send(ixs, [wallet])

    async def close_credit_account(self, wallet: Keypair) -> TxResult:
        return await self._send([self.program.close_credit_account(wallet=wallet.pubkey())], [wallet])

    async def claim_fees(self, payer: Keypair) -> TxResult:
        cfg = await self.config(refresh=True)
        return await self._send(
            [self.program.claim_fees(usdc_mint=cfg.usdc_mint, treasury=cfg.treasury, vault=cfg.vault)], [payer]
        )


# --- in-process deployment ------------------------------------------------


@dataclass
class LocalEscrow(LocalDeployment):
    """job_escrow deployed and initialized in an in-process LiteSVM (a
    :class:`LocalChain` whose mint plays USDC), with funded wallets and
    workers: what tests, benchmarks and demos start from."""

    chain: LocalChain
    client: EscrowClient
    admin: Keypair
    authority: Keypair
    treasury: Pubkey
    wallets: list[Keypair]
    workers: list[Keypair]
    init: TxResult

    @classmethod
    async def deploy(
        cls, so_path: Path | str, *, wallets: int = 3, workers: int = 2, wallet_usdc: int = 1_000 * 10**6,
        program_key: Keypair | None = None, **params: Any,
    ) -> LocalEscrow:
        """Loads the ``.so`` at ``program_key``'s address (default: the local
        deploy key), initializes it (``params``: worker_bps, job_timeout,
        min_purchase_credits), funds ``wallets`` with ``wallet_usdc`` and
        gives ``workers`` token accounts."""
        program_key = program_key or program_keypair()
        program_id = program_key.pubkey()
        chain = await cls.start_chain(so_path, program_id, decimals=USDC_DECIMALS)
        admin = await chain.wallet(sol=100)
        authority = await chain.wallet(sol=100)
        treasury_owner = await chain.wallet()
        client = EscrowClient(chain.transport, EscrowProgram(program_id))
        init = await client.initialize(admin, program_key=program_key, usdc_mint=chain.mint, treasury=chain.ata(treasury_owner),
                                       settlement_authority=authority.pubkey(), **params)
        deployment = cls(chain, client, admin, authority, chain.ata(treasury_owner), [], [], init)
        deployment.wallets = [await chain.wallet(wallet_usdc) for _ in range(wallets)]
        deployment.workers = [await chain.wallet() for _ in range(workers)]
        return deployment

    def units(self, result: TxResult) -> int:
        """Compute units job_escrow itself consumed in a transaction."""
        return _logs.program_units(result.logs, self.program.program_id)
