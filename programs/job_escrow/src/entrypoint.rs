//! Instruction dispatch on the 8-byte Anchor discriminator.

use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use crate::discriminators as d;
use crate::errors::EscrowError;
use crate::instructions::{
    claim_fees::process_claim_fees, close_credit_account::process_close_credit_account, deposit::process_deposit,
    initialize::process_initialize, lock_job::process_lock_job, refund_job::process_refund_job,
    settle_job::process_settle_job, settle_jobs::process_settle_jobs, update_config::process_update_config,
    withdraw::process_withdraw,
};

/// Accounts the entrypoint accepts: a full `settle_jobs` batch
/// (5 fixed + 4 per job).
pub const MAX_ACCOUNTS: usize = 5 + 4 * crate::instructions::settle_jobs::MAX_BATCH;

// One u64 comparison per instruction instead of an 8-byte slice compare.
const INITIALIZE: u64 = u64::from_le_bytes(d::INITIALIZE);
const UPDATE_CONFIG: u64 = u64::from_le_bytes(d::UPDATE_CONFIG);
const DEPOSIT: u64 = u64::from_le_bytes(d::DEPOSIT);
const LOCK_JOB: u64 = u64::from_le_bytes(d::LOCK_JOB);
const SETTLE_JOB: u64 = u64::from_le_bytes(d::SETTLE_JOB);
const SETTLE_JOBS: u64 = u64::from_le_bytes(d::SETTLE_JOBS);
const REFUND_JOB: u64 = u64::from_le_bytes(d::REFUND_JOB);
const WITHDRAW: u64 = u64::from_le_bytes(d::WITHDRAW);
const CLOSE_CREDIT_ACCOUNT: u64 = u64::from_le_bytes(d::CLOSE_CREDIT_ACCOUNT);
const CLAIM_FEES: u64 = u64::from_le_bytes(d::CLAIM_FEES);

/// Routes an instruction to its processor.
pub fn process_instruction(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let Some((discriminator, args)) = data.split_first_chunk::<8>() else {
        return Err(EscrowError::UnknownInstruction.into());
    };
    match u64::from_le_bytes(*discriminator) {
        DEPOSIT => process_deposit(program_id, accounts, args),
        LOCK_JOB => process_lock_job(program_id, accounts, args),
        SETTLE_JOB => process_settle_job(program_id, accounts, args),
        SETTLE_JOBS => process_settle_jobs(program_id, accounts, args),
        REFUND_JOB => process_refund_job(program_id, accounts, args),
        WITHDRAW => process_withdraw(program_id, accounts, args),
        CLOSE_CREDIT_ACCOUNT => process_close_credit_account(program_id, accounts, args),
        CLAIM_FEES => process_claim_fees(program_id, accounts, args),
        INITIALIZE => process_initialize(program_id, accounts, args),
        UPDATE_CONFIG => process_update_config(program_id, accounts, args),
        _ => Err(EscrowError::UnknownInstruction.into()),
    }
}

#[cfg(any(target_os = "solana", target_arch = "bpf"))]
gridpay_sdk::entrypoint!(process_instruction, MAX_ACCOUNTS);
