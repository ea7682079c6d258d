use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{SettleJobsAccounts, SettleJobsData};
use crate::errors::EscrowError;
use crate::instructions::settle_job::{JobAccounts, Settlement};

/// Settles every listed job; one failure fails the whole batch.
pub fn process_settle_jobs(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = SettleJobsAccounts::try_from(accounts)?;
    let d = SettleJobsData::try_from(data)?;
    if a.jobs.len() != d.len() * 4 {
        return Err(EscrowError::InvalidBatch.into());
    }
    let settlement = Settlement::begin(program_id, &a.settlement)?;
    let mut fees = 0u64;
    for (i, group) in a.jobs.chunks_exact(4).enumerate() {
        let job = JobAccounts::new(group)?;
        let owed = settlement.settle(program_id, &a.settlement, &job, d.used_credits(i))?;
        fees = fees.checked_add(owed).ok_or(EscrowError::ArithmeticOverflow)?;
    }
    settlement.finish(program_id, &a.settlement, fees)
}
