"""Every instruction's happy path on the SBF build in LiteSVM: balances,
account state and events, with compute units recorded."""

from __future__ import annotations

from anchorpy import Idl as AnchorIdl
from anchorpy.coder.coder import Coder
from solders.keypair import Keypair

from pyclients.solana import escrow
from pyclients.solana.common import token
from tests.escrow.harness import START_TIME, WALLET_USDC, Env, program_units

CREDIT = escrow.BASE_UNITS_PER_CREDIT


async def _buy(env: Env, wallet: Keypair, credits: int) -> None:
    first = env.credit(wallet) is None
    result = await env.client.buy_credits(wallet, credits)
    env.record("deposit (first: creates credit account)" if first else "deposit", result)


async def _lock(env: Env, wallet: Keypair, job_id: int, max_credits: int, worker: Keypair | None = None) -> None:
    env.track_job(wallet, job_id)
    result = await env.client.lock_job(env.authority, wallet.pubkey(), job_id=job_id, max_credits=max_credits,
                                       worker=(worker or env.workers[0]).pubkey())
    env.record("lock_job", result)


async def test_initialize_binds_mint_vault_treasury_and_defaults(env: Env) -> None:
    cfg = env.config()
    assert (cfg.admin, cfg.usdc_mint, cfg.vault, cfg.treasury, cfg.settlement_authority) == (
        env.admin.pubkey(), env.mint, env.vault, env.treasury, env.authority.pubkey())
    assert (cfg.worker_bps, cfg.job_timeout, cfg.min_purchase_credits, cfg.paused, cfg.fees_owed) == (
        8_000, 120, 100, False, 0)
    vault = env.svm.get_account(env.vault)
    assert token.TokenAccount.decode(bytes(vault.data)).owner == env.program.config_address()


async def test_deposit_buys_exact_credits_and_creates_the_account_once(env: Env) -> None:
    wallet = env.wallets[0]
    result = await env.client.buy_credits(wallet, 250)
    env.record("deposit (first: creates credit account)", result)
    assert env.credit(wallet).available == 250
    assert env.program.events(result.logs) == [
        ("CreditsDeposited", {"wallet": wallet.pubkey(), "amount": 250 * CREDIT, "credits": 250, "available": 250})]
    await _buy(env, wallet, 100)
    credit = env.credit(wallet)
    assert (credit.wallet, credit.available, credit.locked, credit.total_deposited) == (wallet.pubkey(), 350, 0, 350)
    assert credit.last_topup_at == START_TIME
    assert env.usdc(env.vault) == 350 * CREDIT
    assert env.usdc(env.ata(wallet)) == WALLET_USDC - 350 * CREDIT
    balance = await env.client.balance(wallet.pubkey())
    assert (balance.available, balance.locked, balance.usdc_value) == (350, 0, 350 * CREDIT)


async def test_lock_moves_max_cost_to_locked_and_opens_the_job(env: Env) -> None:
    wallet, worker = env.wallets[0], env.workers[1]
    await _buy(env, wallet, 500)
    before = env.svm.get_balance(env.authority.pubkey())
    env.track_job(wallet, 7)
    result = await env.client.lock_job(env.authority, wallet.pubkey(), job_id=7, max_credits=40,
                                       worker=worker.pubkey())
    env.record("lock_job", result)
    job = env.job(wallet, 7)
    credit_key = env.program.credit_address(wallet.pubkey())
    assert (job.credit, job.worker, job.rent_payer, job.job_id, job.max_credits) == (
        credit_key, worker.pubkey(), env.authority.pubkey(), 7, 40)
    assert (job.started_at, job.expires_at, job.status) == (START_TIME, START_TIME + 120, 1)
    assert (env.credit(wallet).available, env.credit(wallet).locked, env.credit(wallet).open_jobs) == (460, 40, 1)
    rent = env.svm.minimum_balance_for_rent_exemption(escrow.Job.size())
    assert before - env.svm.get_balance(env.authority.pubkey()) >= rent
    assert env.program.events(result.logs) == [("JobLocked", {
        "credit": credit_key, "job_id": 7, "max_credits": 40, "expires_at": START_TIME + 120})]


async def test_settle_pays_worker_accrues_fee_returns_unused_and_closes_job(env: Env) -> None:
    wallet, worker = env.wallets[0], env.workers[0]
    await _buy(env, wallet, 500)
    await _lock(env, wallet, 1, 40, worker)
    authority_before = env.svm.get_balance(env.authority.pubkey())
    job_rent = env.svm.get_balance(env.program.job_address(wallet.pubkey(), 1))
    result = await env.client.settle_job(env.authority, wallet.pubkey(), job_id=1, used_credits=25)
    env.record("settle_job", result)
    assert env.usdc(env.ata(worker)) == 25 * 8_000  # 80 % of 25 credits
    assert env.config().fees_owed == 25 * 2_000
    assert env.usdc(env.vault) == 500 * CREDIT - 25 * 8_000
    credit = env.credit(wallet)
    assert (credit.available, credit.locked, credit.total_spent, credit.total_refunded, credit.open_jobs) == (
        475, 0, 25, 15, 0)
    assert env.job(wallet, 1) is None
    assert env.svm.get_account(env.program.job_address(wallet.pubkey(), 1)) is None
    # The authority paid the job's rent and the transaction fee; it gets the rent back.
    assert env.svm.get_balance(env.authority.pubkey()) == authority_before + job_rent - 5_000
    (name, event), = env.program.events(result.logs)
    assert name == "JobSettled"
    assert (event["used_credits"], event["worker_amount"], event["treasury_amount"],
            event["available"], event["locked"]) == (25, 200_000, 50_000, 475, 0)


async def test_settle_zero_used_refunds_everything_without_a_transfer(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 100)
    await _lock(env, wallet, 1, 100)
    result = await env.client.settle_job(env.authority, wallet.pubkey(), job_id=1, used_credits=0)
    env.record("settle_job (nothing used)", result)
    assert env.credit(wallet).available == 100
    assert env.usdc(env.ata(env.workers[0])) == 0
    assert not any("Tokenkeg" in line for line in result.logs)


async def test_settle_jobs_settles_a_batch_across_wallets_and_workers(env: Env) -> None:
    a, b = env.wallets[0], env.wallets[1]
    w0, w1 = env.workers
    await _buy(env, a, 1_000)
    await _buy(env, b, 1_000)
    plan = [(a, 1, 50, 10, w0), (a, 2, 60, 60, w1), (b, 1, 70, 7, w0), (b, 2, 80, 33, w0)]
    for wallet, job_id, max_credits, _, worker in plan:
        await _lock(env, wallet, job_id, max_credits, worker)
    result = await env.client.settle_jobs(
        env.authority, [escrow.Settlement(w.pubkey(), job_id, used) for w, job_id, _, used, _ in plan])
    env.record("settle_jobs (4 jobs)", result)
    env.cu.setdefault("settle_jobs (per job, 4-job batch)", []).append(program_units(result) // len(plan))
    assert env.usdc(env.ata(w0)) == (10 + 7 + 33) * 8_000
    assert env.usdc(env.ata(w1)) == 60 * 8_000
    assert env.config().fees_owed == (10 + 60 + 7 + 33) * 2_000
    assert (env.credit(a).available, env.credit(a).locked) == (1_000 - 70, 0)
    assert (env.credit(b).available, env.credit(b).locked) == (1_000 - 40, 0)
    assert all(env.job(w, j) is None for w, j, *_ in plan)
    assert [e["job_id"] for n, e in env.program.events(result.logs) if n == "JobSettled"] == [1, 2, 1, 2]


async def test_refund_by_authority_at_any_time(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 100)
    await _lock(env, wallet, 9, 30)
    result = await env.client.refund_job(env.authority, wallet.pubkey(), job_id=9)
    env.record("refund_job", result)
    assert (env.credit(wallet).available, env.credit(wallet).locked, env.credit(wallet).total_refunded) == (
        100, 0, 30)
    assert env.job(wallet, 9) is None
    assert env.program.events(result.logs) == [("JobRefunded", {
        "credit": env.program.credit_address(wallet.pubkey()), "job_id": 9, "credits": 30, "by_timeout": False})]


async def test_anyone_refunds_after_the_timeout(env: Env) -> None:
    wallet, stranger = env.wallets[0], env.wallets[2]
    await _buy(env, wallet, 100)
    await _lock(env, wallet, 9, 30)
    env.warp(120)
    result = await env.client.refund_job(stranger, wallet.pubkey(), job_id=9)
    env.record("refund_job (timeout, by anyone)", result)
    assert env.credit(wallet).available == 100
    assert env.program.events(result.logs) == [("JobRefunded", {
        "credit": env.program.credit_address(wallet.pubkey()), "job_id": 9, "credits": 30, "by_timeout": True})]


async def test_the_wallet_itself_refunds_after_the_timeout_even_while_paused(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 100)
    await _lock(env, wallet, 3, 100)
    await env.client.update_config(env.admin, paused=True)
    env.warp(500)
    await env.client.refund_job(wallet, wallet.pubkey(), job_id=3)
    await env.client.withdraw(wallet)
    assert env.usdc(env.ata(wallet)) == WALLET_USDC


async def test_withdraw_pays_available_credits_without_fee(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 300)
    await _lock(env, wallet, 1, 100)
    result = await env.client.withdraw(wallet, 150)
    env.record("withdraw", result)
    assert env.usdc(env.ata(wallet)) == WALLET_USDC - 300 * CREDIT + 150 * CREDIT
    credit = env.credit(wallet)
    assert (credit.available, credit.locked, credit.total_withdrawn) == (50, 100, 150)
    assert env.program.events(result.logs) == [("CreditsWithdrawn", {
        "wallet": wallet.pubkey(), "credits": 150, "amount": 150 * CREDIT, "available": 50})]


async def test_withdraw_works_while_paused(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 200)
    await env.client.update_config(env.admin, paused=True)
    await env.client.withdraw(wallet)
    assert env.usdc(env.ata(wallet)) == WALLET_USDC
    assert env.credit(wallet).available == 0


async def test_close_empty_credit_account_returns_rent(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 100)
    await env.client.withdraw(wallet)
    credit_key = env.program.credit_address(wallet.pubkey())
    rent = env.svm.get_balance(credit_key)
    before = env.svm.get_balance(wallet.pubkey())
    result = await env.client.close_credit_account(wallet)
    env.record("close_credit_account", result)
    assert env.svm.get_account(credit_key) is None
    assert env.svm.get_balance(wallet.pubkey()) == before + rent - 5_000
    # Buying again opens a fresh account.
    await _buy(env, wallet, 100)
    assert env.credit(wallet).total_deposited == 100


async def test_claim_fees_pays_the_treasury(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 100)
    await _lock(env, wallet, 1, 100)
    await env.client.settle_job(env.authority, wallet.pubkey(), job_id=1, used_credits=100)
    result = await env.client.claim_fees(env.wallets[2])
    env.record("claim_fees", result)
    assert env.usdc(env.treasury) == 100 * 2_000
    assert env.config().fees_owed == 0
    assert env.usdc(env.vault) == 0


async def test_update_config_changes_settings_but_not_open_jobs(env: Env) -> None:
    wallet = env.wallets[0]
    await _buy(env, wallet, 500)
    await _lock(env, wallet, 1, 10)
    new_admin = Keypair()
    env.svm.airdrop(new_admin.pubkey(), 10**9)
    result = await env.client.update_config(env.admin, worker_bps=7_500, job_timeout=60, min_purchase_credits=200,
                                            new_admin=new_admin.pubkey())
    env.record("update_config", result)
    cfg = env.config()
    assert (cfg.worker_bps, cfg.job_timeout, cfg.min_purchase_credits, cfg.admin) == (
        7_500, 60, 200, new_admin.pubkey())
    assert env.job(wallet, 1).expires_at == START_TIME + 120  # snapshotted at lock time
    await _lock(env, wallet, 2, 10)
    assert env.job(wallet, 2).expires_at == START_TIME + 60
    await env.client.settle_job(env.authority, wallet.pubkey(), job_id=2, used_credits=10)
    assert env.usdc(env.ata(env.workers[0])) == 10 * 7_500
    await env.client.update_config(new_admin, paused=True)
    assert env.config().paused is True


async def test_accounts_decode_the_same_with_anchorpy(env: Env) -> None:
    """Account data written by the program reads the same through anchorpy's
    coder as through the project's IDL codec."""
    coder = Coder(AnchorIdl.from_json(escrow.IDL_PATH.read_text()))
    wallet = env.wallets[0]
    await _buy(env, wallet, 123)
    await _lock(env, wallet, 5, 23)
    for name, address in [("Config", env.program.config_address()),
                          ("CreditAccount", env.program.credit_address(wallet.pubkey())),
                          ("Job", env.program.job_address(wallet.pubkey(), 5))]:
        data = bytes(env.svm.get_account(address).data)
        theirs = coder.accounts.decode(data)
        ours = escrow.IDL.decode_account(name, data)
        assert {k: getattr(theirs, k) for k in ours} == ours
