use gridpay_sdk::cpi::system::CreateRentExempt;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

use super::{LockJobAccounts, LockJobData};
use crate::errors::EscrowError;
use crate::events::JobLocked;
use crate::logic::{self, LockParams};
use crate::state::{Config, CreditAccount, Job};
use crate::utils::{clock_unix_timestamp, init_created, load, load_mut, verify_job_address, JOB_SEED};

/// Opens the job PDA and moves `max_credits` from available to locked.
// Out of line: inlined, lock_job and refund_job share the dispatcher's frame
// with every other processor and the compiler spills more on every path
// (measured: 30-90 CU on lock_job, deposit, withdraw and settlements).
#[inline(never)]
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
    // The credit account is checked before anything is created for it, and
    // stays borrowed across the CPI (which does not touch it).
    let mut credit = load_mut::<CreditAccount>(a.credit, program_id)?;

    let id = d.job_id.to_le_bytes();
    let bump = [d.job_bump];
    verify_job_address(a.job, a.credit.key(), &id, d.job_bump, program_id)?;
    let signer_seeds = seeds!(JOB_SEED, a.credit.key().as_ref(), &id, &bump);
    // A job account that exists already (an id used twice) is refused by
    // the creation itself, before any CPI.
    CreateRentExempt { payer: a.authority, account: a.job, space: Job::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer_seeds)])
        .map_err(|e| match e {
            ProgramError::AccountAlreadyInitialized => EscrowError::AlreadyInitialized.into(),
            e => e,
        })?;

    let now = clock_unix_timestamp(a.clock)?;
    let expires_at = {
        let mut job = init_created::<Job>(a.job)?;
        logic::lock(
            &mut credit,
            &mut job,
            &LockParams {
                credit_key: a.credit.key(),
                worker: d.worker,
                rent_payer: a.authority.key(),
                job_id: d.job_id,
                max_credits: d.max_credits,
                now,
                job_timeout,
                bump: d.job_bump,
            },
        )?;
        job.expires_at.get()
    };
    drop(credit);

    JobLocked {
        credit: *a.credit.key(),
        job_id: d.job_id,
        max_credits: d.max_credits,
        expires_at,
    }
    .emit()
}
