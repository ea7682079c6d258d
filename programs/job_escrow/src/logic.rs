//! The instruction logic as pure state transitions, free of any runtime.
//!
//! Processors validate accounts, then call exactly these functions on the
//! zero-copy views; the host tests and the native differential library call
//! the same functions on plain byte buffers. Every function checks all its
//! preconditions before writing anything, so an error leaves state as it was.
//! Arithmetic is `u64`/`i64` with checked operations only.

use crate::errors::EscrowError;
use gridpay_sdk::Pubkey;

use crate::state::{Config, CreditAccount, Job, JobStatus};

/// USDC base units per credit (1 credit = 0.01 USDC with 6 decimals).
pub const BASE_UNITS_PER_CREDIT: u64 = 10_000;
/// Basis points in 100 %.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Decimals the USDC mint must have for the credit unit to be 0.01 USDC.
pub const USDC_DECIMALS: u8 = 6;
/// Longest job timeout the admin may configure, in seconds.
pub const MAX_JOB_TIMEOUT: i64 = 86_400;
/// Default worker share (80 %).
pub const DEFAULT_WORKER_BPS: u16 = 8_000;
/// Default job timeout in seconds.
pub const DEFAULT_JOB_TIMEOUT: i64 = 120;
/// Default minimum purchase in credits (1.00 USDC).
pub const DEFAULT_MIN_PURCHASE_CREDITS: u64 = 100;

// The worker share is `used * 10_000 * bps / 10_000`; with one credit worth
// a whole multiple of the bps denominator this is `used * bps * k` exactly,
// with no rounding and no 128-bit intermediate.
const WORKER_UNITS_PER_BPS_CREDIT: u64 = BASE_UNITS_PER_CREDIT / BPS_DENOMINATOR;
const _: () = assert!(BASE_UNITS_PER_CREDIT % BPS_DENOMINATOR == 0);

type Result<T> = core::result::Result<T, EscrowError>;

#[inline(always)]
fn add(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or(EscrowError::ArithmeticOverflow)
}

#[inline(always)]
fn sub(a: u64, b: u64) -> Result<u64> {
    a.checked_sub(b).ok_or(EscrowError::ArithmeticOverflow)
}

/// Checked multiply through a division bound: upstream BPF has no 128-bit
/// multiply, which `u64::checked_mul` lowers to.
#[inline(always)]
fn mul(a: u64, b: u64) -> Result<u64> {
    if b != 0 && a > u64::MAX / b {
        return Err(EscrowError::ArithmeticOverflow);
    }
    Ok(a * b)
}

/// Credits to USDC base units.
#[inline(always)]
pub fn credits_to_base_units(credits: u64) -> Result<u64> {
    if credits > u64::MAX / BASE_UNITS_PER_CREDIT {
        return Err(EscrowError::ArithmeticOverflow);
    }
    Ok(credits * BASE_UNITS_PER_CREDIT)
}

/// The settings the admin controls (besides keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub worker_bps: u16,
    pub job_timeout: i64,
    pub min_purchase_credits: u64,
}

impl Params {
    /// Refuses settings that would make the program unusable or unfair:
    /// a worker share above 100 %, a timeout outside 1 s..=1 day (a long
    /// timeout would keep users' locks out of reach), a zero minimum or one
    /// whose USDC amount does not fit a token amount.
    pub fn validate(&self) -> Result<()> {
        if self.worker_bps as u64 > BPS_DENOMINATOR {
            return Err(EscrowError::InvalidWorkerShare);
        }
        if self.job_timeout < 1 || self.job_timeout > MAX_JOB_TIMEOUT {
            return Err(EscrowError::InvalidTimeout);
        }
        if self.min_purchase_credits == 0 || credits_to_base_units(self.min_purchase_credits).is_err() {
            return Err(EscrowError::InvalidMinimumPurchase);
        }
        Ok(())
    }

    /// Writes validated settings into the config.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        self.validate()?;
        config.worker_bps.set(self.worker_bps);
        config.job_timeout.set(self.job_timeout);
        config.min_purchase_credits.set(self.min_purchase_credits);
        Ok(())
    }
}

/// Credits bought by `amount` USDC base units: exact, never rounded.
pub fn credits_for_deposit(amount: u64, min_purchase_credits: u64) -> Result<u64> {
    if amount == 0 {
        return Err(EscrowError::ZeroAmount);
    }
    if amount % BASE_UNITS_PER_CREDIT != 0 {
        return Err(EscrowError::NotWholeCredits);
    }
    let credits = amount / BASE_UNITS_PER_CREDIT;
    if credits < min_purchase_credits {
        return Err(EscrowError::BelowMinimumPurchase);
    }
    Ok(credits)
}

/// Binds a freshly created credit account to its wallet.
pub fn open_credit(credit: &mut CreditAccount, wallet: &Pubkey, bump: u8) {
    credit.wallet = *wallet;
    credit.bump = bump;
}

/// Adds bought credits to a (possibly fresh) credit account.
pub fn deposit(credit: &mut CreditAccount, credits: u64, now: i64) -> Result<()> {
    let available = add(credit.available.get(), credits)?;
    let total = add(credit.total_deposited.get(), credits)?;
    credit.available.set(available);
    credit.total_deposited.set(total);
    credit.last_topup_at.set(now);
    Ok(())
}

/// Everything a lock writes into a fresh job account.
#[derive(Clone, Copy, Debug)]
pub struct LockParams<'a> {
    pub credit_key: &'a Pubkey,
    pub worker: &'a Pubkey,
    pub rent_payer: &'a Pubkey,
    pub job_id: u64,
    pub max_credits: u64,
    pub now: i64,
    pub job_timeout: i64,
    pub bump: u8,
}

/// Moves a job's maximum cost from available to locked and opens the job.
#[inline(always)]
pub fn lock(credit: &mut CreditAccount, job: &mut Job, p: &LockParams<'_>) -> Result<()> {
    if p.max_credits == 0 {
        return Err(EscrowError::ZeroAmount);
    }
    let available = credit
        .available
        .get()
        .checked_sub(p.max_credits)
        .ok_or(EscrowError::InsufficientCredits)?;
    let locked = add(credit.locked.get(), p.max_credits)?;
    let open_jobs = add(credit.open_jobs.get(), 1)?;
    let expires_at = p.now.checked_add(p.job_timeout).ok_or(EscrowError::ArithmeticOverflow)?;

    credit.available.set(available);
    credit.locked.set(locked);
    credit.open_jobs.set(open_jobs);

    job.credit = *p.credit_key;
    job.worker = *p.worker;
    job.rent_payer = *p.rent_payer;
    job.job_id.set(p.job_id);
    job.max_credits.set(p.max_credits);
    job.started_at.set(p.now);
    job.expires_at.set(expires_at);
    job.status = JobStatus::Locked as u8;
    job.bump = p.bump;
    Ok(())
}

/// USDC base units a settlement pays out of the vault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payout {
    /// To the worker's token account now.
    pub worker: u64,
    /// Owed to the treasury (accrued in the config, paid by `claim_fees`).
    pub treasury: u64,
}

/// Splits `used` credits between worker and treasury, in base units.
pub fn split(used_credits: u64, worker_bps: u16) -> Result<Payout> {
    if worker_bps as u64 > BPS_DENOMINATOR {
        return Err(EscrowError::InvalidWorkerShare);
    }
    let gross = credits_to_base_units(used_credits)?;
    let worker = mul(mul(used_credits, worker_bps as u64)?, WORKER_UNITS_PER_BPS_CREDIT)?;
    Ok(Payout { worker, treasury: sub(gross, worker)? })
}

/// Settles a job for the credits it used: the unused part of the lock goes
/// back to available. The caller closes the job account and moves the
/// payout.
///
/// A job past its timeout may still be settled until someone refunds it: a
/// job that finished in time must not go unpaid because its settlement
/// landed late, and from the timeout on the user can refund it themselves.
pub fn settle(credit: &mut CreditAccount, job: &Job, used_credits: u64, worker_bps: u16) -> Result<Payout> {
    check_open(job)?;
    let max = job.max_credits.get();
    if used_credits > max {
        return Err(EscrowError::SettleAboveLock);
    }
    let payout = split(used_credits, worker_bps)?;
    let unused = max - used_credits;
    let locked = sub(credit.locked.get(), max)?;
    let available = add(credit.available.get(), unused)?;
    let spent = add(credit.total_spent.get(), used_credits)?;
    let refunded = add(credit.total_refunded.get(), unused)?;
    let open_jobs = sub(credit.open_jobs.get(), 1)?;

    credit.locked.set(locked);
    credit.available.set(available);
    credit.total_spent.set(spent);
    credit.total_refunded.set(refunded);
    credit.open_jobs.set(open_jobs);
    Ok(payout)
}

/// Refunds a job's whole lock. The settlement authority may do so at any
/// time; anyone else only once the job has expired. Returns the credits
/// refunded; the caller closes the job account.
#[inline(always)]
pub fn refund(credit: &mut CreditAccount, job: &Job, by_authority: bool, now: i64) -> Result<u64> {
    check_open(job)?;
    if !by_authority && now < job.expires_at.get() {
        return Err(EscrowError::TimeoutNotReached);
    }
    let max = job.max_credits.get();
    let locked = sub(credit.locked.get(), max)?;
    let available = add(credit.available.get(), max)?;
    let refunded = add(credit.total_refunded.get(), max)?;
    let open_jobs = sub(credit.open_jobs.get(), 1)?;

    credit.locked.set(locked);
    credit.available.set(available);
    credit.total_refunded.set(refunded);
    credit.open_jobs.set(open_jobs);
    Ok(max)
}

/// Takes `credits` out of available; returns the USDC base units to pay.
pub fn withdraw(credit: &mut CreditAccount, credits: u64) -> Result<u64> {
    if credits == 0 {
        return Err(EscrowError::ZeroAmount);
    }
    let available = credit
        .available
        .get()
        .checked_sub(credits)
        .ok_or(EscrowError::InsufficientCredits)?;
    let amount = credits_to_base_units(credits)?;
    let withdrawn = add(credit.total_withdrawn.get(), credits)?;
    credit.available.set(available);
    credit.total_withdrawn.set(withdrawn);
    Ok(amount)
}

/// A credit account may close only when it holds nothing and no job is open.
pub fn check_closable(credit: &CreditAccount) -> Result<()> {
    if credit.available.get() != 0 || credit.locked.get() != 0 || credit.open_jobs.get() != 0 {
        return Err(EscrowError::CreditAccountNotEmpty);
    }
    Ok(())
}

/// Adds a settlement's treasury share to the fees the vault owes.
pub fn accrue_fees(config: &mut Config, amount: u64) -> Result<()> {
    let owed = add(config.fees_owed.get(), amount)?;
    config.fees_owed.set(owed);
    Ok(())
}

/// Takes all owed fees for payment to the treasury.
pub fn take_fees(config: &mut Config) -> Result<u64> {
    let owed = config.fees_owed.get();
    if owed == 0 {
        return Err(EscrowError::NoFeesToClaim);
    }
    config.fees_owed.set(0);
    Ok(owed)
}

#[inline(always)]
fn check_open(job: &Job) -> Result<()> {
    if job.status != JobStatus::Locked as u8 {
        return Err(EscrowError::JobNotOpen);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{init_view, view, view_mut};
    use gridpay_sdk::state::AccountState;

    fn credit_buf() -> [u8; CreditAccount::SPACE] {
        let mut b = [0u8; CreditAccount::SPACE];
        init_view::<CreditAccount>(&mut b).unwrap().wallet = Pubkey([1; 32]);
        b
    }

    fn job_buf() -> [u8; Job::SPACE] {
        let mut b = [0u8; Job::SPACE];
        init_view::<Job>(&mut b).unwrap();
        b
    }

    const KEY: Pubkey = Pubkey([9; 32]);

    fn lock_params(max: u64, now: i64) -> LockParams<'static> {
        LockParams {
            credit_key: &KEY,
            worker: &Pubkey([2; 32]),
            rent_payer: &Pubkey([3; 32]),
            job_id: 42,
            max_credits: max,
            now,
            job_timeout: 120,
            bump: 254,
        }
    }

    #[test]
    fn deposit_is_exact_whole_credits_above_minimum() {
        assert_eq!(credits_for_deposit(1_000_000, 100), Ok(100));
        assert_eq!(credits_for_deposit(1_230_000, 100), Ok(123));
        assert_eq!(credits_for_deposit(1_000_001, 100), Err(EscrowError::NotWholeCredits));
        assert_eq!(credits_for_deposit(9_999, 1), Err(EscrowError::NotWholeCredits));
        assert_eq!(credits_for_deposit(990_000, 100), Err(EscrowError::BelowMinimumPurchase));
        assert_eq!(credits_for_deposit(0, 100), Err(EscrowError::ZeroAmount));
        assert_eq!(credits_for_deposit(u64::MAX - u64::MAX % 10_000, 1), Ok(u64::MAX / 10_000));
    }

    #[test]
    fn deposit_adds_and_stamps_time() {
        let mut b = credit_buf();
        let c = view_mut::<CreditAccount>(&mut b).unwrap();
        deposit(c, 150, 1_700_000_000).unwrap();
        deposit(c, 50, 1_700_000_100).unwrap();
        assert_eq!(c.available.get(), 200);
        assert_eq!(c.total_deposited.get(), 200);
        assert_eq!(c.last_topup_at.get(), 1_700_000_100);
    }

    #[test]
    fn deposit_overflow_changes_nothing() {
        let mut b = credit_buf();
        let c = view_mut::<CreditAccount>(&mut b).unwrap();
        c.available.set(u64::MAX - 1);
        let before = b;
        let c = view_mut::<CreditAccount>(&mut b).unwrap();
        assert_eq!(deposit(c, 2, 5), Err(EscrowError::ArithmeticOverflow));
        assert_eq!(b, before);
    }

    #[test]
    fn lock_then_settle_pays_split_and_returns_unused() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 1_000, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        lock(c, j, &lock_params(40, 1_000)).unwrap();
        assert_eq!((c.available.get(), c.locked.get(), c.open_jobs.get()), (960, 40, 1));
        assert_eq!(j.expires_at.get(), 1_120);
        assert_eq!(j.status, JobStatus::Locked as u8);

        let p = settle(c, j, 25, 8_000).unwrap();
        assert_eq!(p, Payout { worker: 25 * 8_000, treasury: 25 * 2_000 });
        assert_eq!(p.worker + p.treasury, 25 * BASE_UNITS_PER_CREDIT);
        assert_eq!((c.available.get(), c.locked.get(), c.open_jobs.get()), (975, 0, 0));
        assert_eq!((c.total_spent.get(), c.total_refunded.get()), (25, 15));
    }

    #[test]
    fn lock_needs_available_credits_and_a_positive_amount() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 10, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        assert_eq!(lock(c, j, &lock_params(11, 0)), Err(EscrowError::InsufficientCredits));
        assert_eq!(lock(c, j, &lock_params(0, 0)), Err(EscrowError::ZeroAmount));
        let mut p = lock_params(10, i64::MAX);
        p.job_timeout = 1;
        assert_eq!(lock(c, j, &p), Err(EscrowError::ArithmeticOverflow));
        assert_eq!((c.available.get(), c.locked.get()), (10, 0));
        assert_eq!(j.status, 0);
    }

    #[test]
    fn settle_refuses_above_lock_but_not_after_expiry() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 100, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        lock(c, j, &lock_params(30, 0)).unwrap();
        assert_eq!(settle(c, j, 31, 8_000), Err(EscrowError::SettleAboveLock));
        assert_eq!(settle(c, j, u64::MAX, 8_000), Err(EscrowError::SettleAboveLock));
        assert_eq!((c.available.get(), c.locked.get()), (70, 30));
        // Past expires_at (120): still settleable while nobody refunded.
        assert_eq!(settle(c, j, 30, 8_000).map(|p| p.worker), Ok(30 * 8_000));
    }

    #[test]
    fn refund_by_anyone_only_after_timeout() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 100, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        lock(c, j, &lock_params(30, 1_000)).unwrap();
        assert_eq!(refund(c, j, false, 1_119), Err(EscrowError::TimeoutNotReached));
        assert_eq!(refund(c, j, false, 1_120), Ok(30));
        assert_eq!((c.available.get(), c.locked.get(), c.open_jobs.get()), (100, 0, 0));
    }

    #[test]
    fn refund_by_authority_any_time() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 100, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        lock(c, j, &lock_params(30, 1_000)).unwrap();
        assert_eq!(refund(c, j, true, 1_000), Ok(30));
    }

    #[test]
    fn closed_job_cannot_be_settled_or_refunded() {
        let mut cb = credit_buf();
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 100, 0).unwrap();
        // A job view whose status is not Locked (a closed job's bytes are
        // all zero; here only the discriminator is restored).
        let mut forged = [0u8; Job::SPACE];
        forged[..8].copy_from_slice(&Job::DISCRIMINATOR);
        let j = view::<Job>(&forged).unwrap();
        assert_eq!(settle(c, j, 0, 8_000), Err(EscrowError::JobNotOpen));
        assert_eq!(refund(c, j, true, 0), Err(EscrowError::JobNotOpen));
    }

    #[test]
    fn withdraw_only_available() {
        let (mut cb, mut jb) = (credit_buf(), job_buf());
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        deposit(c, 100, 0).unwrap();
        let j = view_mut::<Job>(&mut jb).unwrap();
        lock(c, j, &lock_params(30, 0)).unwrap();
        assert_eq!(withdraw(c, 71), Err(EscrowError::InsufficientCredits));
        assert_eq!(withdraw(c, 0), Err(EscrowError::ZeroAmount));
        assert_eq!(withdraw(c, 70), Ok(700_000));
        assert_eq!((c.available.get(), c.locked.get(), c.total_withdrawn.get()), (0, 30, 70));
        assert_eq!(check_closable(c), Err(EscrowError::CreditAccountNotEmpty));
        refund(c, j, true, 0).unwrap();
        withdraw(c, 30).unwrap();
        assert_eq!(check_closable(c), Ok(()));
    }

    #[test]
    fn withdraw_overflow_amount() {
        let mut cb = credit_buf();
        let c = view_mut::<CreditAccount>(&mut cb).unwrap();
        c.available.set(u64::MAX);
        assert_eq!(withdraw(c, u64::MAX / 10_000 + 1), Err(EscrowError::ArithmeticOverflow));
        assert_eq!(c.available.get(), u64::MAX);
    }

    #[test]
    fn split_is_exact() {
        for bps in [0u16, 1, 7_500, 8_000, 8_500, 10_000] {
            for used in [0u64, 1, 7, 1_000, u64::MAX / 10_000] {
                let p = split(used, bps).unwrap();
                assert_eq!(p.worker as u128, used as u128 * 10_000 * bps as u128 / 10_000);
                assert_eq!(p.worker as u128 + p.treasury as u128, used as u128 * 10_000);
            }
        }
        assert_eq!(split(u64::MAX / 10_000 + 1, 8_000), Err(EscrowError::ArithmeticOverflow));
        assert_eq!(split(1, 10_001), Err(EscrowError::InvalidWorkerShare));
    }

    #[test]
    fn params_validation() {
        let ok = Params { worker_bps: 8_000, job_timeout: 120, min_purchase_credits: 100 };
        assert_eq!(ok.validate(), Ok(()));
        let bad = |p: Params| p.validate().unwrap_err();
        assert_eq!(bad(Params { worker_bps: 10_001, ..ok }), EscrowError::InvalidWorkerShare);
        assert_eq!(bad(Params { job_timeout: 0, ..ok }), EscrowError::InvalidTimeout);
        assert_eq!(bad(Params { job_timeout: 86_401, ..ok }), EscrowError::InvalidTimeout);
        assert_eq!(bad(Params { min_purchase_credits: 0, ..ok }), EscrowError::InvalidMinimumPurchase);
        assert_eq!(
            bad(Params { min_purchase_credits: u64::MAX / 10_000 + 1, ..ok }),
            EscrowError::InvalidMinimumPurchase
        );
    }

    #[test]
    fn fees_accrue_and_are_taken_once() {
        let mut b = [0u8; Config::SPACE];
        let cfg = init_view::<Config>(&mut b).unwrap();
        assert_eq!(take_fees(cfg), Err(EscrowError::NoFeesToClaim));
        accrue_fees(cfg, 5).unwrap();
        accrue_fees(cfg, 7).unwrap();
        assert_eq!(take_fees(cfg), Ok(12));
        assert_eq!(cfg.fees_owed.get(), 0);
    }

    #[test]
    fn init_refuses_live_data() {
        let mut b = credit_buf();
        assert_eq!(init_view::<CreditAccount>(&mut b).unwrap_err(), EscrowError::AlreadyInitialized);
        let mut short = [0u8; 10];
        assert_eq!(init_view::<CreditAccount>(&mut short).unwrap_err(), EscrowError::InvalidAccountData);
        assert_eq!(view::<Job>(&b).unwrap_err(), EscrowError::InvalidAccountData);
    }

    /// A long random walk (xorshift, fixed seed): credits are conserved —
    /// deposited = available + locked + spent + withdrawn — and locked equals
    /// the sum of open jobs' maxima after every step.
    #[test]
    fn random_walk_conserves_credits() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut cb = credit_buf();
        let mut jobs: std::vec::Vec<[u8; Job::SPACE]> = std::vec::Vec::new();
        let mut now = 0i64;
        for _ in 0..20_000 {
            let c = view_mut::<CreditAccount>(&mut cb).unwrap();
            now += rnd(30) as i64;
            match rnd(5) {
                0 => {
                    let _ = deposit(c, rnd(500), now);
                }
                1 => {
                    let mut jb = job_buf();
                    let j = view_mut::<Job>(&mut jb).unwrap();
                    if lock(c, j, &lock_params(rnd(200), now)).is_ok() {
                        jobs.push(jb);
                    }
                }
                2 if !jobs.is_empty() => {
                    let i = rnd(jobs.len() as u64) as usize;
                    let j = view::<Job>(&jobs[i]).unwrap();
                    let used = rnd(j.max_credits.get() + 2);
                    if settle(c, j, used, rnd(10_001) as u16).is_ok() {
                        jobs.swap_remove(i);
                    }
                }
                3 if !jobs.is_empty() => {
                    let i = rnd(jobs.len() as u64) as usize;
                    let j = view::<Job>(&jobs[i]).unwrap();
                    if refund(c, j, rnd(2) == 0, now).is_ok() {
                        jobs.swap_remove(i);
                    }
                }
                _ => {
                    let _ = withdraw(c, rnd(300));
                }
            }
            let c = view::<CreditAccount>(&cb).unwrap();
            let open: u64 = jobs.iter().map(|b| view::<Job>(b).unwrap().max_credits.get()).sum();
            assert_eq!(c.locked.get(), open);
            assert_eq!(c.open_jobs.get(), jobs.len() as u64);
            assert_eq!(
                c.total_deposited.get(),
                c.available.get() + c.locked.get() + c.total_spent.get() + c.total_withdrawn.get()
            );
        }
    }
}
