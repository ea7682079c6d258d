"""Fixtures for the staking tests: the SBF build (once per session), and a
fresh LiteSVM world per test (``LocalStaking``: the program at its IDL
address, an SGL mint, an initialized config) with funded operators."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from solders.account import Account
from solders.clock import Clock
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from gridpay import ROOT
from pyclients.solana import staking
from pyclients.solana.common.transport import TxResult
from pyclients.solana.receipts import Receipt, SignedReceipt, sign_receipt
from toolchain.sbf import build_program

CRATE = ROOT / "programs" / "staking"
DECIMALS = 6
SGL = 10**DECIMALS
MIN_STAKE = staking.MIN_COMPUTE_STAKE_SGL * SGL
#: A fixed start time so receipts and cooldowns are reproducible.
T0 = 1_767_225_600
COOLDOWN = 3 * 86_400


@pytest.fixture(scope="session")
def staking_so() -> Path:
    """target/deploy/staking.so, built through toolchain/sbf (incremental)."""
    return build_program(CRATE)


@dataclass
class World:
    """A :class:`~pyclients.solana.staking.LocalStaking` deployment with the
    handles and chain-editing helpers the tests use."""

    local: staking.LocalStaking
    operators: list[Keypair] = field(default_factory=list)

    @property
    def svm(self) -> LiteSVM:
        return self.local.chain.svm

    @property
    def client(self) -> staking.StakingClient:
        return self.local.client

    @property
    def program(self) -> staking.StakingProgram:
        return self.local.program

    @property
    def admin(self) -> Keypair:
        return self.local.admin

    @property
    def program_key(self) -> Keypair:
        return self.local.program_key

    @property
    def mint(self) -> Pubkey:
        return self.local.mint

    @property
    def mint_authority(self) -> Keypair:
        return self.local.chain.mint_authority

    @property
    def vault(self) -> Pubkey:
        return self.local.vault

    @property
    def penalty_vault(self) -> Pubkey:
        return self.local.penalty_vault

    @property
    def params(self) -> staking.Params:
        return self.local.params

    async def send(self, ixs: Sequence[Instruction], signers: Sequence[Keypair]) -> TxResult:
        """Raw send through the client's error decoding."""
        return await self.client._send(ixs, signers)

    def balance(self, token_account: Pubkey) -> int:
        return self.local.chain.token_balance(token_account)

    def now(self) -> int:
        return self.local.chain.now()

    def warp(self, seconds: int) -> None:
        self.set_now(self.now() + seconds)

    def set_now(self, unix_timestamp: int) -> None:
        """Sets the Clock sysvar's unix time (next slot, so transactions differ)."""
        c = self.svm.get_clock()
        self.svm.set_clock(Clock(c.slot + 1, c.epoch_start_timestamp, c.epoch, c.leader_schedule_epoch,
                                 unix_timestamp))

    def set_balance(self, token_account: Pubkey, amount: int) -> None:
        """Overwrites a token account's amount (tests that need exact vault balances)."""
        acc = self.svm.get_account(token_account)
        data = bytearray(acc.data)
        data[64:72] = amount.to_bytes(8, "little")
        self.svm.set_account(token_account, Account(acc.lamports, bytes(data), acc.owner, acc.executable,
                                                    acc.rent_epoch))

    def write_program_account(self, address: Pubkey, data: bytes) -> None:
        """Puts ``data`` at ``address`` as an account of the staking program, rent-exempt."""
        lamports = self.svm.minimum_balance_for_rent_exemption(len(data))
        self.svm.set_account(address, Account(lamports, bytes(data), self.program.program_id, False, 0))

    async def new_operator(self, sgl: int = 100_000 * SGL) -> Keypair:
        """A funded wallet with ``sgl`` base units of SGL in its associated account."""
        op = await self.local.operator(sgl)
        self.operators.append(op)
        return op

    def receipt(self, operator: Keypair, *, job: bytes = b"job-1", output: bytes = b"the answer",
                completion_tokens: int = 7, price: int = 80_000, signed_at: int | None = None,
                payer: Pubkey | None = None) -> SignedReceipt:
        """A receipt signed by ``operator`` (same job and content by default)."""
        r = Receipt.for_job(
            job_id=hashlib.sha256(job).digest(), payer=payer or Pubkey.from_bytes(bytes(32)),
            operator=operator.pubkey(), model_id="llama-3.2-3b", prompt=b"hello", output=output,
            prompt_tokens=5, completion_tokens=completion_tokens, price=price,
            signed_at=self.now() if signed_at is None else signed_at)
        return sign_receipt(r, operator)


def default_params() -> staking.Params:
    p = staking.Params.default(DECIMALS)
    return staking.Params(p.min_stake, (COOLDOWN, 86_400, 0, staking.MAX_COOLDOWN_SECONDS), p.slash_cap_bps)


async def make_world(so: Path, params: staking.Params | None = None, *, initialize: bool = True) -> World:
    return World(await staking.LocalStaking.deploy(so, params=params or default_params(), initialize=initialize,
                                                   decimals=DECIMALS, start_time=T0))


@pytest.fixture
async def world(staking_so: Path) -> World:
    return await make_world(staking_so)
