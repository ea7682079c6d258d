use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_system_program, verify_writable};

/// Accounts of `lock_job`.
///
/// 0. `[signer, writable]` settlement_authority — pays the job's rent
/// 1. `[]` config — PDA `["config"]`
/// 2. `[writable]` credit — the wallet's credit account
/// 3. `[writable]` job — PDA `["job", credit, job_id]`, not created yet
/// 4. `[]` system_program
/// 5. `[]` clock — the Clock sysvar (the job's start time)
pub struct LockJobAccounts<'a> {
    pub authority: &'a AccountView,
    pub config: &'a AccountView,
    pub credit: &'a AccountView,
    pub job: &'a AccountView,
    pub clock: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for LockJobAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [authority, config, credit, job, system_program, clock, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(authority)?;
        // 2. Writable
        verify_writable(authority)?;
        verify_writable(credit)?;
        verify_writable(job)?;
        // 3. Programs
        verify_system_program(system_program)?;
        // The clock's key is checked where it is read.
        Ok(Self { authority, config, credit, job, clock })
    }
}
