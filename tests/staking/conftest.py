"""Fixtures for the staking tests: the SBF build (once per session), and a
fresh LiteSVM world per test with the program deployed at its IDL address,
an SGL mint, an initialized config, and funded operators."""

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
from pyclients.solana.common.token import (
    MINT_LEN,
    associated_token_address,
    create_ata_idempotent,
    create_mint_instructions,
    mint_to,
)
from pyclients.solana.common.transport import LiteSvmTransport, TxResult, failure_from_error
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
    """One LiteSVM with staking deployed and initialized."""

    svm: LiteSVM
    client: staking.StakingClient
    admin: Keypair
    mint: Pubkey
    mint_authority: Keypair
    penalty_vault: Pubkey
    params: staking.Params
    operators: list[Keypair] = field(default_factory=list)

    @property
    def program(self) -> staking.StakingProgram:
        return self.client.program

    @property
    def vault(self) -> Pubkey:
        return self.program.vault_address(self.mint)

    async def send(self, ixs: Sequence[Instruction], signers: Sequence[Keypair]) -> TxResult:
        """Raw send through the client's error decoding."""
        return await self.client._send(ixs, signers)

    def balance(self, token_account: Pubkey) -> int:
        account = self.svm.get_account(token_account)
        if account is None:
            return 0
        return int.from_bytes(bytes(account.data)[64:72], "little")

    def now(self) -> int:
        return self.svm.get_clock().unix_timestamp

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
        op = Keypair()
        self.svm.airdrop(op.pubkey(), 10**10)
        await self.client.transport.send(
            [create_ata_idempotent(op.pubkey(), op.pubkey(), self.mint),
             mint_to(self.mint, associated_token_address(op.pubkey(), self.mint),
                     self.mint_authority.pubkey(), sgl, DECIMALS)],
            [op, self.mint_authority], payer=op)
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


class _Transport(LiteSvmTransport):
    """LiteSvmTransport for solders 0.27, where transaction metadata fields
    are methods (``logs()``, ``err()``). Remove once common/transport.py reads
    them that way itself."""

    async def send(self, instructions, signers, *, payer=None):  # type: ignore[no-untyped-def]
        from pyclients.solana.common import transport as t

        self.svm.expire_blockhash()
        result = self.svm.send_transaction(t._signed(instructions, signers, payer, self.svm.latest_blockhash()))
        if hasattr(result, "err"):
            err = result.err() if callable(result.err) else result.err
            meta = result.meta() if callable(result.meta) else result.meta
            logs = meta.logs() if callable(meta.logs) else meta.logs
            raise failure_from_error(err, logs)
        logs = result.logs() if callable(result.logs) else result.logs
        sig = result.signature() if callable(result.signature) else result.signature
        units = result.compute_units_consumed
        units = units() if callable(units) else units
        return TxResult(sig, units, list(logs))


def default_params() -> staking.Params:
    p = staking.Params.default(DECIMALS)
    return staking.Params(p.min_stake, (COOLDOWN, 86_400, 0, staking.MAX_COOLDOWN_SECONDS), p.slash_cap_bps)


async def make_world(so: Path, params: staking.Params | None = None, *, initialize: bool = True) -> World:
    svm = LiteSVM()
    svm.add_program(staking.PROGRAM_ID, so.read_bytes())
    c = svm.get_clock()
    svm.set_clock(Clock(1, T0, 0, 0, T0))
    del c
    admin, mint_kp, authority, treasury = Keypair(), Keypair(), Keypair(), Keypair()
    for kp in (admin, authority, treasury):
        svm.airdrop(kp.pubkey(), 10**11)
    transport = _Transport(svm)
    rent = svm.minimum_balance_for_rent_exemption(MINT_LEN)
    await transport.send(create_mint_instructions(admin.pubkey(), mint_kp.pubkey(), authority.pubkey(),
                                                  DECIMALS, rent), [admin, mint_kp])
    await transport.send([create_ata_idempotent(treasury.pubkey(), treasury.pubkey(), mint_kp.pubkey())],
                         [treasury])
    world = World(svm, staking.StakingClient(transport), admin, mint_kp.pubkey(), authority,
                  associated_token_address(treasury.pubkey(), mint_kp.pubkey()), params or default_params())
    if initialize:
        await world.client.initialize(admin, sgl_mint=world.mint, penalty_vault=world.penalty_vault,
                                      params=world.params)
    return world


@pytest.fixture
async def world(staking_so: Path) -> World:
    return await make_world(staking_so)
