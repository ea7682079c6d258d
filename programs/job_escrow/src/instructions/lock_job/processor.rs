use gridpay_sdk::cpi::system::{CreateRentExempt, SYSTEM_PROGRAM_ID};
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::sysvars::clock::Clock;
use gridpay_sdk::{seeds, AccountView, ProgramResult, Pubkey};

use super::{LockJobAccounts, LockJobData};
use crate::errors::EscrowError;
use crate::events::JobLocked;
use crate::logic::{self, LockParams};
use crate::state::{Config, CreditAccount, Job};
use crate::utils::{load, load_mut, verify_pda_hash, JOB_SEED};

/// Opens the job PDA and moves `max_credits` from available to locked.
pub fn process_lock_job(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = LockJobAccounts::try_from(accounts)?;
    let d = LockJobData::try_from(data)?;

    let job_timeout = {
        let config = load::<Config>(a.config, program_id)?;
        if a.authority.key() != &config.settlement_authority {
            return Err(EscrowError::NotSettlementAuthority.into());
        }
        if config.paused.get() {
            return Err(EscrowError::ProgramPaused.into());
        }
        config.job_timeout.get()
    };
    // A credit account before anything is created for it.
    drop(load::<CreditAccount>(a.credit, program_id)?);

    if !a.job.is_owned_by(&SYSTEM_PROGRAM_ID) || !a.job.data_is_empty() {
        return Err(EscrowError::AlreadyInitialized.into());
    }
    let id = d.job_id.to_le_bytes();
    let bump = [d.job_bump];
    verify_pda_hash(a.job, &[JOB_SEED, a.credit.key().as_ref(), &id, &bump], program_id)?;
    let signer_seeds = seeds!(JOB_SEED, a.credit.key().as_ref(), &id, &bump);
    CreateRentExempt { payer: a.authority, account: a.job, space: Job::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer_seeds)])?;

    let now = Clock::get()?.unix_timestamp;
    let (available, locked, expires_at) = {
        let mut credit = load_mut::<CreditAccount>(a.credit, program_id)?;
        let mut job = Job::init(a.job, program_id).map_err(|_| EscrowError::InvalidAccountData)?;
        logic::lock(
            &mut credit,
            &mut job,
            &LockParams {
                credit_key: a.credit.key(),
                worker: &d.worker,
                rent_payer: a.authority.key(),
                job_id: d.job_id,
                max_credits: d.max_credits,
                now,
                job_timeout,
                bump: d.job_bump,
            },
        )?;
        (credit.available.get(), credit.locked.get(), job.expires_at.get())
    };

    JobLocked {
        credit: *a.credit.key(),
        job_id: d.job_id,
        max_credits: d.max_credits,
        worker: d.worker,
        expires_at,
        available,
        locked,
    }
    .emit()
}
