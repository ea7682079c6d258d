"""A hypothesis state machine over the SBF build: several wallets and workers,
random deposits, locks, settlements (single and batched), refunds by the
authority and by strangers after clock warps, withdrawals, fee claims,
pauses and unauthorized attempts. After every step:

- the vault holds exactly the sum of every wallet's available and locked
  credits in base units plus the treasury fees not yet claimed;
- each wallet's credit account, each wallet's and worker's USDC, and the
  treasury match a plain Python model;
- so no wallet's money moved without its signature (withdraw) or a lock
  taken from it by the settlement authority.

At least 10,000 steps run in one test session (asserted at the end)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)
from solders.instruction import AccountMeta, Instruction

from pyclients.solana import escrow
from tests.escrow.harness import WALLET_USDC, Env, make_env, run

pytestmark = pytest.mark.properties

CREDIT = escrow.BASE_UNITS_PER_CREDIT
WALLETS, WORKERS = 3, 2
MIN_STEPS = 10_000
EXAMPLES, STEPS_PER_EXAMPLE = 200, 80


@dataclass
class OpenJob:
    wallet: int
    job_id: int
    max_credits: int
    worker: int
    expires_at: int


class EscrowMachine(RuleBasedStateMachine):
    so_path: Path
    steps = 0

    jobs = Bundle("jobs")

    @initialize()
    def deploy(self) -> None:
        self.env: Env = run(make_env(self.so_path, wallets=WALLETS, workers=WORKERS))
        self.available = [0] * WALLETS
        self.locked = [0] * WALLETS
        self.wallet_usdc = [WALLET_USDC] * WALLETS
        self.worker_usdc = [0] * WORKERS
        self.fees_owed = 0
        self.claimed = 0
        self.paused = False
        self.bps = 8_000
        self.next_job = 0
        self.open: dict[int, OpenJob] = {}
        self.deployed = False

    def _send(self, action, error: type[Exception] | None = None) -> bool:
        """Runs an action; ``error`` is the named error the model expects
        (None: success)."""
        if error is None:
            run(action)
            return True
        with pytest.raises(error):
            run(action)
        return False

    # --- rules -----------------------------------------------------------

    @rule(w=st.integers(0, WALLETS - 1), credits=st.integers(1, 400))
    def deposit(self, w: int, credits: int) -> None:
        amount = credits * CREDIT
        if amount > self.wallet_usdc[w]:
            return  # SPL Token would refuse it: not the escrow's decision
        if self.paused:
            error = escrow.errors.ProgramPaused
        elif credits < 100:
            error = escrow.errors.BelowMinimumPurchase
        else:
            error = None
        if self._send(self.env.client.buy_credits(self.env.wallets[w], credits), error):
            self.available[w] += credits
            self.wallet_usdc[w] -= amount

    @rule(target=jobs, w=st.integers(0, WALLETS - 1), worker=st.integers(0, WORKERS - 1),
          max_credits=st.integers(1, 150))
    def lock(self, w: int, worker: int, max_credits: int):
        job_id = self.next_job
        self.next_job += 1
        env = self.env
        env.track_job(env.wallets[w], job_id)
        if self.paused:
            error = escrow.errors.ProgramPaused
        elif self.env.credit(env.wallets[w]) is None:
            error = escrow.errors.InvalidAccountOwner
        elif max_credits > self.available[w]:
            error = escrow.errors.InsufficientCredits
        else:
            error = None
        ok = self._send(env.client.lock_job(env.authority, env.wallets[w].pubkey(), job_id=job_id,
                                            max_credits=max_credits, worker=env.workers[worker].pubkey()), error)
        if not ok:
            return multiple()
        self.available[w] -= max_credits
        self.locked[w] += max_credits
        self.open[job_id] = OpenJob(w, job_id, max_credits, worker, env.now() + env.config().job_timeout)
        return job_id

    def _settled(self, job: OpenJob, used: int) -> None:
        worker_amount = used * self.bps
        self.worker_usdc[job.worker] += worker_amount
        self.fees_owed += used * CREDIT - worker_amount
        self.locked[job.wallet] -= job.max_credits
        self.available[job.wallet] += job.max_credits - used
        del self.open[job.job_id]

    def _settle_closed(self, job_id: int) -> None:
        """A job already settled or refunded (by a batch or a stranger): the
        program itself must refuse it."""
        env = self.env
        if self.paused:
            return
        ix = env.program.settle_job(settlement_authority=env.authority.pubkey(), wallet=env.wallets[0].pubkey(),
                                    job_id=job_id, used_credits=0, worker_token=env.ata(env.workers[0]),
                                    rent_receiver=env.authority.pubkey(), usdc_mint=env.mint)
        self._send(env.send([ix], [env.authority]), escrow.errors.JobNotOpen)

    @rule(job_id=consumes(jobs), fraction=st.floats(0, 1.2))
    def settle(self, job_id: int, fraction: float) -> None:
        job = self.open.get(job_id)
        if job is None:
            return self._settle_closed(job_id)
        used = int(job.max_credits * fraction)
        env = self.env
        error = (escrow.errors.ProgramPaused if self.paused
                 else escrow.errors.SettleAboveLock if used > job.max_credits else None)
        if self._send(env.client.settle_job(env.authority, env.wallets[job.wallet].pubkey(), job_id=job_id,
                                            used_credits=used), error):
            self._settled(job, used)
        elif not self.paused:
            # Refused settlement leaves the job open: settle it fully.
            self._send(env.client.settle_job(env.authority, env.wallets[job.wallet].pubkey(), job_id=job_id,
                                             used_credits=job.max_credits))
            self._settled(job, job.max_credits)
        else:
            self._refund(job, by_authority=True)

    @rule(data=st.data())
    def settle_batch(self, data) -> None:
        if not self.open or self.paused:
            return
        ids = data.draw(st.lists(st.sampled_from(sorted(self.open)), min_size=1, max_size=5, unique=True))
        used = [data.draw(st.integers(0, self.open[i].max_credits)) for i in ids]
        env = self.env
        self._send(env.client.settle_jobs(env.authority, [
            escrow.Settlement(env.wallets[self.open[i].wallet].pubkey(), i, u) for i, u in zip(ids, used)]))
        for i, u in zip(ids, used):
            self._settled(self.open[i], u)

    def _refund(self, job: OpenJob, *, by_authority: bool) -> None:
        env = self.env
        caller = env.authority if by_authority else env.wallets[(job.wallet + 1) % WALLETS]
        self._send(env.client.refund_job(caller, env.wallets[job.wallet].pubkey(), job_id=job.job_id))
        self.locked[job.wallet] -= job.max_credits
        self.available[job.wallet] += job.max_credits
        del self.open[job.job_id]

    @rule(job_id=consumes(jobs))
    def refund_by_authority(self, job_id: int) -> None:
        if job_id in self.open:
            self._refund(self.open[job_id], by_authority=True)
        else:
            self._settle_closed(job_id)

    @rule(job_id=jobs)
    def refund_by_stranger(self, job_id: int) -> None:
        job = self.open.get(job_id)
        if job is None:
            return
        if self.env.now() < job.expires_at:
            stranger = self.env.wallets[(job.wallet + 1) % WALLETS]
            self._send(self.env.client.refund_job(stranger, self.env.wallets[job.wallet].pubkey(), job_id=job_id),
                       escrow.errors.TimeoutNotReached)
        else:
            self._refund(job, by_authority=False)

    @rule(seconds=st.integers(1, 150))
    def warp(self, seconds: int) -> None:
        self.env.warp(seconds)

    @rule(w=st.integers(0, WALLETS - 1), credits=st.integers(1, 500))
    def withdraw(self, w: int, credits: int) -> None:
        env = self.env
        if env.credit(env.wallets[w]) is None:
            return
        error = escrow.errors.InsufficientCredits if credits > self.available[w] else None
        if self._send(env.client.withdraw(env.wallets[w], credits), error):
            self.available[w] -= credits
            self.wallet_usdc[w] += credits * CREDIT

    @rule(thief=st.integers(0, WALLETS - 1), victim=st.integers(0, WALLETS - 1), credits=st.integers(1, 100))
    def steal(self, thief: int, victim: int, credits: int) -> None:
        """Another wallet (or a non-authority) tries to take a victim's credits."""
        env = self.env
        if thief == victim or env.credit(env.wallets[victim]) is None:
            return
        t, v = env.wallets[thief], env.wallets[victim]
        ix = env.program.withdraw(wallet=t.pubkey(), usdc_mint=env.mint, credits=credits)
        metas = list(ix.accounts)
        metas[2] = AccountMeta(env.program.credit_address(v.pubkey()), False, True)
        self._send(env.send([Instruction(ix.program_id, ix.data, metas)], [t]), escrow.errors.CreditAccountMismatch)
        self._send(env.client.lock_job(t, v.pubkey(), job_id=10**9 + self.next_job, max_credits=1,
                                       worker=t.pubkey()), escrow.errors.NotSettlementAuthority)

    @rule()
    def claim(self) -> None:
        error = None if self.fees_owed else escrow.errors.NoFeesToClaim
        if self._send(self.env.client.claim_fees(self.env.admin), error):
            self.claimed += self.fees_owed
            self.fees_owed = 0

    @rule(paused=st.booleans(), bps=st.sampled_from([7_500, 8_000, 8_500, 10_000, 0]))
    def configure(self, paused: bool, bps: int) -> None:
        self._send(self.env.client.update_config(self.env.admin, paused=paused, worker_bps=bps))
        self.paused, self.bps = paused, bps

    # --- invariants --------------------------------------------------------

    @invariant()
    def count_steps(self) -> None:
        # Invariants run after deploy and after every step.
        if self.deployed:
            EscrowMachine.steps += 1
        self.deployed = True

    @invariant()
    def vault_backs_every_credit(self) -> None:
        env = self.env
        total = sum(self.available) + sum(self.locked)
        assert env.usdc(env.vault) == total * CREDIT + self.fees_owed
        assert env.config().fees_owed == self.fees_owed

    @invariant()
    def balances_match_the_model(self) -> None:
        env = self.env
        for i, w in enumerate(env.wallets):
            credit = env.credit(w)
            got = (credit.available, credit.locked) if credit else (0, 0)
            assert got == (self.available[i], self.locked[i]), f"wallet {i}"
            assert env.usdc(env.ata(w)) == self.wallet_usdc[i]
            if credit:
                assert credit.open_jobs == sum(1 for j in self.open.values() if j.wallet == i)
        for i, k in enumerate(env.workers):
            assert env.usdc(env.ata(k)) == self.worker_usdc[i]
        assert env.usdc(env.treasury) == self.claimed


def test_escrow_state_machine(escrow_so: Path) -> None:
    EscrowMachine.so_path = escrow_so
    EscrowMachine.steps = 0
    machine = EscrowMachine.TestCase
    machine.settings = settings(max_examples=EXAMPLES, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
                                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    machine("runTest").runTest()
    print(f"escrow state machine: {EscrowMachine.steps} steps")
    assert EscrowMachine.steps >= MIN_STEPS, f"only {EscrowMachine.steps} steps ran"
