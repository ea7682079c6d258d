"""Where a job's credits are held while it runs.

Two sources, one interface (``Hold``): credits a wallet bought on-chain sit in
its ``job_escrow`` credit account, and the lock, settlement and refund are
transactions signed by the gateway as the program's settlement authority;
credits held by the facilitator's ledger (x402 top-ups, change from per-call
payments) are taken and returned by ledger entries, each with a reference
that makes it happen once.

A job first locks its maximum cost; when it ends, ``settle(used)`` charges
what was used and frees the rest, or ``refund()`` frees all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from facilitator.credits.ledger import CreditLedger
from facilitator.store import InsufficientCredits
from pyclients.solana.escrow import EscrowClient, errors as escrow_errors


@dataclass
class Outcome:
    """What one money movement of a job did."""

    transaction: str | None
    #: Credits charged (settle) or returned (refund / unused part).
    charged: int = 0
    returned: int = 0
    #: USDC base units paid to the worker and owed to the treasury (escrow only).
    worker_amount: int | None = None
    treasury_amount: int | None = None


class Hold(Protocol):
    source: str
    wallet: str
    max_credits: int
    lock_tx: str | None

    async def settle(self, used_credits: int) -> Outcome: ...
    async def refund(self) -> Outcome: ...


class NotEnoughCredits(Exception):
    def __init__(self, wallet: str, wanted: int, available: int) -> None:
        super().__init__(f"wallet {wallet} has {available} credits available, this job may "
                         f"cost up to {wanted}")
        self.wallet, self.wanted, self.available = wallet, wanted, available


# --- on-chain: job_escrow ------------------------------------------------------------------
@dataclass
class EscrowHold:
    credits: EscrowCredits
    wallet: str
    job_id: int
    max_credits: int
    lock_tx: str | None
    source: str = "escrow"

    async def settle(self, used_credits: int) -> Outcome:
        res = await self.credits.client.settle_job(self.credits.authority, Pubkey.from_string(
            self.wallet), job_id=self.job_id, used_credits=used_credits)
        worker = treasury = None
        for name, data in self.credits.client.program.events(res.logs):
            if name == "JobSettled":
                worker = int(data.get("worker_amount", 0))
                treasury = int(data.get("treasury_amount", 0))
        return Outcome(str(res.signature), used_credits, self.max_credits - used_credits,
                       worker, treasury)

    async def refund(self) -> Outcome:
        res = await self.credits.client.refund_job(self.credits.authority,
                                                   Pubkey.from_string(self.wallet),
                                                   job_id=self.job_id)
        return Outcome(str(res.signature), 0, self.max_credits)


class EscrowCredits:
    """Credits in ``job_escrow``, moved by the settlement authority."""

    def __init__(self, client: EscrowClient, authority: Keypair) -> None:
        self.client = client
        self.authority = authority

    async def available(self, wallet: str) -> int:
        try:
            key = Pubkey.from_string(wallet)
        except ValueError:
            return 0  # not a Solana wallet: it has no credit account
        return (await self.client.balance(key)).available

    async def lock(self, wallet: str, job_id: int, max_credits: int, worker: str) -> EscrowHold:
        try:
            res = await self.client.lock_job(self.authority, Pubkey.from_string(wallet),
                                             job_id=job_id, max_credits=max_credits,
                                             worker=Pubkey.from_string(worker))
        except escrow_errors.InsufficientCredits as exc:
            raise NotEnoughCredits(wallet, max_credits, await self.available(wallet)) from exc
        return EscrowHold(self, wallet, job_id, max_credits, str(res.signature))

    async def open_jobs(self) -> list[tuple[str, int]]:
        """(wallet, job id) of every job still locked in escrow, read from the
        chain (needs an RPC transport: getProgramAccounts)."""
        rpc = getattr(self.client.transport, "client", None)
        if rpc is None:
            return []
        from pyclients.solana.escrow import CreditAccount, Job

        resp = await rpc.get_program_accounts(self.client.program.program_id, encoding="base64",
                                              filters=[Job.size()])
        out = []
        for keyed in resp.value:
            job = Job.decode(bytes(keyed.account.data))
            credit = await self.client.transport.get_account(job.credit)
            if credit is not None:
                out.append((str(CreditAccount.decode(bytes(credit.data)).wallet), job.job_id))
        return out


# --- off-chain: the facilitator's ledger ------------------------------------------------------
@dataclass
class LedgerHold:
    ledger: CreditLedger
    wallet: str
    job: str
    max_credits: int
    lock_tx: str | None = None
    source: str = "ledger"
    _done: bool = field(default=False, repr=False)

    async def settle(self, used_credits: int) -> Outcome:
        back = self.max_credits - used_credits
        if back:
            await self.ledger.add(self.wallet, back, kind="grid_release",
                                  reference=f"grid:{self.job}:release")
        return Outcome(None, used_credits, back)

    async def refund(self) -> Outcome:
        await self.ledger.add(self.wallet, self.max_credits, kind="grid_refund",
                              reference=f"grid:{self.job}:refund")
        return Outcome(None, 0, self.max_credits)


class LedgerCredits:
    def __init__(self, ledger: CreditLedger) -> None:
        self.ledger = ledger

    async def available(self, wallet: str) -> int:
        return (await self.ledger.balance(wallet)).credits

    async def lock(self, wallet: str, job: str, max_credits: int) -> LedgerHold:
        try:
            await self.ledger.spend(wallet, max_credits, kind="grid_lock",
                                    reference=f"grid:{job}:lock")
        except InsufficientCredits as exc:
            raise NotEnoughCredits(wallet, max_credits, exc.balance) from exc
        return LedgerHold(self.ledger, wallet, job, max_credits)
