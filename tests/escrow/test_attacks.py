"""Attacks: each is a valid instruction with one thing changed, and each must
fail with its own named error while every account stays as it was."""

from __future__ import annotations

import struct

import pytest
from solders.account import Account
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from pyclients.solana import escrow
from pyclients.solana.common import token
from tests.escrow.harness import Env, make_env

E = escrow.errors
CREDIT = escrow.BASE_UNITS_PER_CREDIT


def swap(ix: Instruction, index: int, pubkey: Pubkey | None = None, *, signer: bool | None = None,
         writable: bool | None = None) -> Instruction:
    """The instruction with account ``index`` replaced or its flags changed."""
    metas = list(ix.accounts)
    m = metas[index]
    metas[index] = AccountMeta(pubkey or m.pubkey, m.is_signer if signer is None else signer,
                               m.is_writable if writable is None else writable)
    return Instruction(ix.program_id, ix.data, metas)


def with_data(ix: Instruction, data: bytes) -> Instruction:
    return Instruction(ix.program_id, data, list(ix.accounts))


def fake_token_account(env: Env, owner: Pubkey, mint: Pubkey | None = None, amount: int = 0) -> Pubkey:
    """A token account (not an associated one) written straight into LiteSVM."""
    key = Keypair().pubkey()
    data = struct.pack("<32s32sQI32sBIQQI32s", bytes(mint or env.mint), bytes(owner), amount, 0, bytes(32), 1,
                       0, 0, 0, 0, bytes(32))
    env.svm.set_account(key, Account(env.svm.minimum_balance_for_rent_exemption(165), data,
                                     token.TOKEN_PROGRAM_ID, False, 0))
    return key


def forge(env: Env, address: Pubkey, name: str, **changes) -> None:
    """Rewrites fields of a program account (to reach states no honest
    sequence reaches, like balances near u64::MAX)."""
    acc = env.svm.get_account(address)
    fields = escrow.IDL.decode_account(name, bytes(acc.data)) | changes
    env.svm.set_account(address, Account(acc.lamports, escrow.IDL.encode_account(name, fields), acc.owner,
                                         False, 0))


@pytest.fixture
async def funded(env: Env) -> Env:
    """Wallet 0 holds 1,000 credits with job 1 (max 100) open; wallet 1 holds 500."""
    await env.client.buy_credits(env.wallets[0], 1_000)
    await env.client.buy_credits(env.wallets[1], 500)
    env.track_job(env.wallets[0], 1)
    await env.client.lock_job(env.authority, env.wallets[0].pubkey(), job_id=1, max_credits=100,
                              worker=env.workers[0].pubkey())
    return env


def settle_ix(env: Env, wallet: Keypair, job_id: int, used: int, **overrides) -> Instruction:
    args = dict(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=job_id,
                used_credits=used, worker_token=env.ata(env.workers[0]), rent_receiver=env.authority.pubkey(),
                usdc_mint=env.mint) | overrides
    return env.program.settle_job(**args)


def refund_ix(env: Env, caller: Keypair, wallet: Keypair, job_id: int) -> Instruction:
    return env.program.refund_job(caller=caller.pubkey(), wallet=wallet.pubkey(), job_id=job_id,
                                  rent_receiver=env.authority.pubkey())


# --- signers ----------------------------------------------------------------


async def test_lock_by_someone_else_than_the_settlement_authority(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    ix = env.program.lock_job(settlement_authority=mallory.pubkey(), wallet=env.wallets[0].pubkey(), job_id=2,
                              max_credits=10, worker=mallory.pubkey())
    await env.refused(env.send([ix], [mallory]), E.NotSettlementAuthority, env.track_job(env.wallets[0], 2))


async def test_settle_by_someone_else_than_the_settlement_authority(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    ix = settle_ix(env, env.wallets[0], 1, 100, settlement_authority=mallory.pubkey())
    await env.refused(env.send([ix], [mallory]), E.NotSettlementAuthority)


async def test_settlement_authority_key_without_its_signature(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    ix = swap(settle_ix(env, env.wallets[0], 1, 100), 0, signer=False)
    await env.refused(env.send([ix], [mallory]), E.MissingSignature)


async def test_deposit_without_the_wallets_signature(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    victim = env.wallets[0]
    ix = swap(env.program.deposit(wallet=victim.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT), 0,
              signer=False)
    await env.refused(env.send([ix], [mallory]), E.MissingSignature)


async def test_update_config_by_non_admin(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    ix = env.program.update_config(admin=mallory.pubkey(), treasury=env.treasury, new_admin=mallory.pubkey(),
                                   settlement_authority=mallory.pubkey(), worker_bps=10_000, job_timeout=1,
                                   min_purchase_credits=1, paused=False)
    await env.refused(env.send([ix], [mallory]), E.NotAdmin)


# --- owners, fake accounts, mints --------------------------------------------


async def test_fake_config_owned_by_another_program(funded: Env) -> None:
    env, mallory = funded, funded.wallets[2]
    real = env.svm.get_account(env.program.config_address())
    fake = Keypair().pubkey()
    # Same bytes, but mallory's settlement authority and not owned by job_escrow.
    fields = escrow.IDL.decode_account("Config", bytes(real.data)) | {"settlement_authority": mallory.pubkey()}
    env.svm.set_account(fake, Account(real.lamports, escrow.IDL.encode_account("Config", fields),
                                      token.TOKEN_PROGRAM_ID, False, 0))
    ix = swap(settle_ix(env, env.wallets[0], 1, 100, settlement_authority=mallory.pubkey()), 1, fake)
    await env.refused(env.send([ix], [mallory]), E.InvalidAccountOwner)


async def test_credit_account_not_owned_by_the_program(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = swap(env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=1), 2, env.ata(wallet))
    await env.refused(env.send([ix], [wallet]), E.InvalidAccountOwner)


async def test_job_account_of_the_wrong_type(funded: Env) -> None:
    env = funded
    credit = env.program.credit_address(env.wallets[1].pubkey())
    ix = swap(settle_ix(env, env.wallets[0], 1, 10), 3, credit)
    await env.refused(env.send([ix], [env.authority]), E.InvalidAccountData)


async def test_fake_vault_owned_by_the_config_pda(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    fake = fake_token_account(env, env.program.config_address())
    ix = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT, vault=fake)
    await env.refused(env.send([ix], [wallet]), E.InvalidVault, fake)
    ix = settle_ix(env, wallet, 1, 10, vault=fake)
    await env.refused(env.send([ix], [env.authority]), E.InvalidVault, fake)


async def test_wrong_mint(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    other_mint = Keypair()
    rent = env.svm.minimum_balance_for_rent_exemption(token.MINT_LEN)
    await env.transport.send(token.create_mint_instructions(env.admin.pubkey(), other_mint.pubkey(),
                                                            env.admin.pubkey(), 6, rent), [env.admin, other_mint])
    ix = swap(env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT), 5,
              other_mint.pubkey())
    await env.refused(env.send([ix], [wallet]), E.InvalidMint)
    # A token account of another mint as the source.
    foreign = fake_token_account(env, wallet.pubkey(), other_mint.pubkey(), 10**9)
    ix = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT, wallet_token=foreign)
    await env.refused(env.send([ix], [wallet]), E.InvalidMint, foreign)


async def test_fake_token_program(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = swap(env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=1), 6, escrow.PROGRAM_ID)
    await env.refused(env.send([ix], [wallet]), E.InvalidTokenProgram)


async def test_deposit_from_someone_elses_token_account(funded: Env) -> None:
    env, mallory, victim = funded, funded.wallets[2], funded.wallets[0]
    ix = env.program.deposit(wallet=mallory.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT,
                             wallet_token=env.ata(victim))
    await env.refused(env.send([ix], [mallory]), E.TokenAccountOwnerMismatch)


async def test_withdraw_to_someone_elses_token_account(funded: Env) -> None:
    env, wallet, other = funded, funded.wallets[0], funded.wallets[1]
    ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=10, wallet_token=env.ata(other))
    await env.refused(env.send([ix], [wallet]), E.TokenAccountOwnerMismatch)


async def test_settle_to_a_token_account_that_is_not_the_workers(funded: Env) -> None:
    env = funded
    ix = settle_ix(env, env.wallets[0], 1, 10, worker_token=env.ata(env.workers[1]))
    await env.refused(env.send([ix], [env.authority]), E.WrongWorker)


async def test_settle_rent_to_someone_else(funded: Env) -> None:
    env = funded
    ix = settle_ix(env, env.wallets[0], 1, 10, rent_receiver=env.wallets[2].pubkey())
    await env.refused(env.send([ix], [env.authority]), E.WrongRentReceiver)


# --- PDAs with other seeds ---------------------------------------------------


async def test_lock_into_a_pda_of_another_job_id(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=2,
                              max_credits=10, worker=env.workers[0].pubkey())
    other = env.track_job(wallet, 3)
    await env.refused(env.send([swap(ix, 3, other)], [env.authority]), E.InvalidPda)


async def test_first_deposit_into_a_pda_of_another_wallet(funded: Env) -> None:
    env, fresh = funded, await funded.new_funded_wallet()
    env.wallets.append(fresh)
    stranger = Keypair().pubkey()
    ix = swap(env.program.deposit(wallet=fresh.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT), 2,
              env.program.credit_address(stranger))
    await env.refused(env.send([ix], [fresh]), E.InvalidPda, env.program.credit_address(stranger))


async def test_settle_a_job_against_another_wallets_credit_account(funded: Env) -> None:
    env = funded
    ix = swap(settle_ix(env, env.wallets[0], 1, 10), 2, env.program.credit_address(env.wallets[1].pubkey()))
    await env.refused(env.send([ix], [env.authority]), E.JobCreditMismatch)


# --- duplicates ---------------------------------------------------------------


async def test_vault_passed_as_the_worker_token_account(funded: Env) -> None:
    env = funded
    ix = settle_ix(env, env.wallets[0], 1, 10, worker_token=env.vault)
    await env.refused(env.send([ix], [env.authority]), E.DuplicateAccount)


async def test_job_passed_as_its_own_rent_receiver(funded: Env) -> None:
    env = funded
    job = env.program.job_address(env.wallets[0].pubkey(), 1)
    ix = swap(refund_ix(env, env.authority, env.wallets[0], 1), 4, job)
    await env.refused(env.send([ix], [env.authority]), E.DuplicateAccount)


async def test_the_same_job_twice_in_one_batch(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    s = escrow.Settlement(wallet.pubkey(), 1, 10)
    worker_token = env.ata(env.workers[0])
    ix = env.program.settle_jobs(settlement_authority=env.authority.pubkey(), usdc_mint=env.mint,
                                 jobs=[(s, worker_token, env.authority.pubkey())] * 2)
    await env.refused(env.send([ix], [env.authority]), E.JobNotOpen)


async def test_treasury_set_to_the_vault(funded: Env) -> None:
    env = funded
    cfg = env.config()
    ix = env.program.update_config(admin=env.admin.pubkey(), treasury=env.vault, new_admin=cfg.admin,
                                   settlement_authority=cfg.settlement_authority, worker_bps=cfg.worker_bps,
                                   job_timeout=cfg.job_timeout, min_purchase_credits=cfg.min_purchase_credits,
                                   paused=False)
    await env.refused(env.send([ix], [env.admin]), E.DuplicateAccount)


# --- lifecycle ----------------------------------------------------------------


async def test_reinitialize(funded: Env) -> None:
    env = funded
    ix = env.program.initialize(admin=env.wallets[2].pubkey(), usdc_mint=env.mint, treasury=env.treasury,
                                settlement_authority=env.wallets[2].pubkey())
    await env.refused(env.send([ix], [env.wallets[2], escrow.program_keypair()]), E.AlreadyInitialized)


async def test_only_the_program_key_initializes(escrow_so) -> None:  # noqa: ANN001
    """A fresh deployment cannot be taken by whoever initializes it first:
    initialize needs the program's own key as a co-signer. Passed unsigned,
    or replaced by another signer, it is refused and no config appears."""
    env = await make_env(escrow_so, wallets=1, workers=0)
    program_key = Keypair()
    program = escrow.EscrowProgram(program_key.pubkey())
    env.svm.add_program_from_file(program.program_id, escrow_so)
    mallory = env.wallets[0]
    await env.send([program.create_vault(mallory.pubkey(), env.mint)], [mallory])
    ix = program.initialize(admin=mallory.pubkey(), usdc_mint=env.mint, treasury=env.ata(mallory),
                            settlement_authority=mallory.pubkey())
    for key in (AccountMeta(program.program_id, False, False), AccountMeta(mallory.pubkey(), True, False)):
        metas = list(ix.accounts)
        metas[1] = key
        await env.refused(env.send([Instruction(ix.program_id, bytes(ix.data), metas)], [mallory]),
                          E.NotProgramKey, program.config_address())
    assert env.svm.get_account(program.config_address()) is None
    await env.send([ix], [mallory, program_key])
    assert env.svm.get_account(program.config_address()).owner == program.program_id


@pytest.mark.parametrize("first", ["settle", "refund"])
async def test_closed_job_revived_in_the_same_transaction(funded: Env, first: str) -> None:
    """Close the job, send its rent straight back, and try to use it again:
    the closed account belongs to the System Program with no data, so the
    second use is refused and the whole transaction is undone."""
    env, wallet = funded, funded.wallets[0]
    job = env.program.job_address(wallet.pubkey(), 1)
    rent = env.svm.get_balance(job)
    close = settle_ix(env, wallet, 1, 50) if first == "settle" else refund_ix(env, env.authority, wallet, 1)
    revive = transfer(TransferParams(from_pubkey=env.authority.pubkey(), to_pubkey=job, lamports=rent))
    for again in (settle_ix(env, wallet, 1, 50), refund_ix(env, env.authority, wallet, 1)):
        await env.refused(env.send([close, revive, again], [env.authority]), E.JobNotOpen)
    assert env.job(wallet, 1).max_credits == 100


async def test_settle_above_the_lock(funded: Env) -> None:
    env = funded
    await env.refused(env.send([settle_ix(env, env.wallets[0], 1, 101)], [env.authority]), E.SettleAboveLock)


@pytest.mark.parametrize("first,second", [("settle", "settle"), ("settle", "refund"), ("refund", "refund"),
                                          ("refund", "settle")])
async def test_settling_or_refunding_twice(funded: Env, first: str, second: str) -> None:
    env, wallet = funded, funded.wallets[0]
    ixs = {"settle": settle_ix(env, wallet, 1, 40), "refund": refund_ix(env, env.authority, wallet, 1)}
    await env.send([ixs[first]], [env.authority])
    await env.refused(env.send([ixs[second]], [env.authority]), E.JobNotOpen)
    # ... and through the high-level client, which checks before sending.
    with pytest.raises(E.JobNotOpen):
        await env.client.refund_job(env.authority, wallet.pubkey(), job_id=1)


async def test_withdraw_locked_credits(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=901)
    await env.refused(env.send([ix], [wallet]), E.InsufficientCredits)


async def test_withdraw_another_wallets_credits(funded: Env) -> None:
    env, mallory, victim = funded, funded.wallets[2], funded.wallets[0]
    ix = swap(env.program.withdraw(wallet=mallory.pubkey(), usdc_mint=env.mint, credits=10), 2,
              env.program.credit_address(victim.pubkey()))
    await env.refused(env.send([ix], [mallory]), E.CreditAccountMismatch)


async def test_close_another_wallets_credit_account(funded: Env) -> None:
    env, mallory, victim = funded, funded.wallets[2], funded.wallets[1]
    ix = swap(env.program.close_credit_account(wallet=mallory.pubkey()), 1,
              env.program.credit_address(victim.pubkey()))
    await env.refused(env.send([ix], [mallory]), E.CreditAccountMismatch)


async def test_close_a_credit_account_that_holds_credits(funded: Env) -> None:
    env, wallet = funded, funded.wallets[1]
    await env.refused(env.send([env.program.close_credit_account(wallet=wallet.pubkey())], [wallet]),
                      E.CreditAccountNotEmpty)


async def test_timeout_refund_before_the_timeout(funded: Env) -> None:
    env, stranger, wallet = funded, funded.wallets[2], funded.wallets[0]
    env.warp(119)
    await env.refused(env.send([refund_ix(env, stranger, wallet, 1)], [stranger]), E.TimeoutNotReached)
    env.warp(1)
    await env.send([refund_ix(env, stranger, wallet, 1)], [stranger])


def fake_clock(env: Env, unix_timestamp: int) -> Pubkey:
    """An account laid out like the Clock sysvar, owned by the Sysvar
    program, at another address: its time is whatever its creator wrote."""
    address = Pubkey.new_unique()
    data = struct.pack("<QqQQq", 1, 0, 0, 0, unix_timestamp)
    env.svm.set_account(address, Account(lamports=10**9, data=data,
                                         owner=Pubkey.from_string("Sysvar1111111111111111111111111111111111111"),
                                         executable=False))
    return address


async def test_timeout_refund_against_a_fake_clock(funded: Env) -> None:
    env, stranger, wallet = funded, funded.wallets[2], funded.wallets[0]
    forged = fake_clock(env, 2**62)
    await env.refused(env.send([swap(refund_ix(env, stranger, wallet, 1), 5, forged)], [stranger]),
                      E.InvalidClockSysvar)


async def test_lock_against_a_fake_clock(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=2,
                              max_credits=10, worker=env.workers[0].pubkey())
    env.track_job(wallet, 2)
    await env.refused(env.send([swap(ix, 5, fake_clock(env, -(2**62)))], [env.authority]), E.InvalidClockSysvar)

async def test_lock_more_than_available(funded: Env) -> None:
    env, wallet = funded, funded.wallets[1]
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=1,
                              max_credits=501, worker=env.workers[0].pubkey())
    await env.refused(env.send([ix], [env.authority]), E.InsufficientCredits, env.track_job(wallet, 1))


async def test_lock_an_existing_job_id(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=1,
                              max_credits=5, worker=env.workers[0].pubkey())
    await env.refused(env.send([ix], [env.authority]), E.AlreadyInitialized)


# --- amounts -------------------------------------------------------------------


async def test_deposit_below_the_minimum_and_not_whole_credits(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    for amount, error in [(99 * CREDIT, E.BelowMinimumPurchase), (100 * CREDIT + 1, E.NotWholeCredits),
                          (0, E.ZeroAmount), (2**64 - 1, E.NotWholeCredits)]:
        ix = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=amount)
        await env.refused(env.send([ix], [wallet]), error)


async def test_overflowing_balances(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    credit = env.program.credit_address(wallet.pubkey())
    forge(env, credit, "CreditAccount", available=2**64 - 50)
    ix = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT)
    await env.refused(env.send([ix], [wallet]), E.ArithmeticOverflow)
    # Credits whose USDC value does not fit a u64.
    ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=2**64 // CREDIT + 1)
    await env.refused(env.send([ix], [wallet]), E.ArithmeticOverflow)
    # Locked near u64::MAX: one more lock overflows.
    forge(env, credit, "CreditAccount", locked=2**64 - 1)
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=2,
                              max_credits=1, worker=env.workers[0].pubkey())
    await env.refused(env.send([ix], [env.authority]), E.ArithmeticOverflow, env.track_job(wallet, 2))


async def test_zero_credit_lock_and_withdrawal(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=2,
                              max_credits=0, worker=env.workers[0].pubkey())
    await env.refused(env.send([ix], [env.authority]), E.ZeroAmount, env.track_job(wallet, 2))
    ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=0)
    await env.refused(env.send([ix], [wallet]), E.ZeroAmount)


# --- pause and settings -----------------------------------------------------------


async def test_paused_refuses_deposit_lock_and_settle(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    await env.client.update_config(env.admin, paused=True)
    deposit = env.program.deposit(wallet=wallet.pubkey(), usdc_mint=env.mint, amount=100 * CREDIT)
    await env.refused(env.send([deposit], [wallet]), E.ProgramPaused)
    lock = env.program.lock_job(settlement_authority=env.authority.pubkey(), wallet=wallet.pubkey(), job_id=2,
                                max_credits=1, worker=env.workers[0].pubkey())
    await env.refused(env.send([lock], [env.authority]), E.ProgramPaused, env.track_job(wallet, 2))
    await env.refused(env.send([settle_ix(env, wallet, 1, 1)], [env.authority]), E.ProgramPaused)


@pytest.mark.parametrize("change,error", [
    ({"worker_bps": 10_001}, "InvalidWorkerShare"),
    ({"job_timeout": 0}, "InvalidTimeout"),
    ({"job_timeout": 86_401}, "InvalidTimeout"),
    ({"min_purchase_credits": 0}, "InvalidMinimumPurchase"),
    ({"min_purchase_credits": 2**64 // CREDIT + 1}, "InvalidMinimumPurchase"),
])
async def test_invalid_settings(funded: Env, change: dict, error: str) -> None:
    env = funded
    await env.refused(env.client.update_config(env.admin, **change), getattr(E, error))


async def test_claim_without_fees(funded: Env) -> None:
    env = funded
    await env.refused(env.client.claim_fees(env.wallets[2]), E.NoFeesToClaim)


async def test_initialize_with_a_mint_that_is_not_six_decimals(escrow_so) -> None:
    env = await make_env(escrow_so, wallets=0, workers=0)
    # A fresh program id, so the config PDA is free.
    program_key = Keypair()
    program = escrow.EscrowProgram(program_key.pubkey())
    env.svm.add_program_from_file(program.program_id, escrow_so)
    mint9 = Keypair()
    rent = env.svm.minimum_balance_for_rent_exemption(token.MINT_LEN)
    await env.transport.send(token.create_mint_instructions(env.admin.pubkey(), mint9.pubkey(), env.admin.pubkey(),
                                                            9, rent), [env.admin, mint9])
    ixs = [program.create_vault(env.admin.pubkey(), mint9.pubkey()),
           program.initialize(admin=env.admin.pubkey(), usdc_mint=mint9.pubkey(), treasury=env.treasury,
                              settlement_authority=env.authority.pubkey())]
    await env.refused(env.send(ixs, [env.admin, program_key]), E.InvalidMint, program.config_address())


async def test_initialize_with_a_vault_someone_else_controls(escrow_so) -> None:
    env = await make_env(escrow_so, wallets=0, workers=0)
    program_key = Keypair()
    program = escrow.EscrowProgram(program_key.pubkey())
    env.svm.add_program_from_file(program.program_id, escrow_so)
    vault = env.ata(env.admin)  # owned by the admin, not the config PDA
    await env.transport.send([token.create_ata_idempotent(env.admin.pubkey(), env.admin.pubkey(), env.mint)],
                             [env.admin])
    ix = program.initialize(admin=env.admin.pubkey(), usdc_mint=env.mint, treasury=env.treasury,
                            settlement_authority=env.authority.pubkey(), vault=vault)
    await env.refused(env.send([ix], [env.admin, program_key]), E.InvalidVault, program.config_address())


# --- malformed instructions -------------------------------------------------------


async def test_malformed_instructions_are_named(funded: Env) -> None:
    env, wallet = funded, funded.wallets[0]
    ix = env.program.withdraw(wallet=wallet.pubkey(), usdc_mint=env.mint, credits=1)
    await env.refused(env.send([with_data(ix, b"\x00" * 8)], [wallet]), E.UnknownInstruction)
    await env.refused(env.send([with_data(ix, ix.data[:5])], [wallet]), E.UnknownInstruction)
    await env.refused(env.send([with_data(ix, ix.data + b"\x00")], [wallet]), E.InvalidInstructionData)
    await env.refused(env.send([with_data(ix, ix.data[:-1])], [wallet]), E.InvalidInstructionData)
    short = Instruction(ix.program_id, ix.data, list(ix.accounts)[:6])
    await env.refused(env.send([short], [wallet]), E.NotEnoughAccounts)
    await env.refused(env.send([swap(ix, 2, writable=False)], [wallet]), E.AccountNotWritable)
