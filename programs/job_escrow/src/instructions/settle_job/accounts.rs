use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_token_program, verify_writable};

/// Accounts of `settle_job`.
///
/// 0. `[signer]` settlement_authority
/// 1. `[writable]` config — PDA `["config"]` (treasury fees accrue here)
/// 2. `[writable]` credit — the job's credit account
/// 3. `[writable]` job — the open job (closed by this instruction)
/// 4. `[writable]` worker_token — USDC token account owned by the job's worker
/// 5. `[writable]` rent_receiver — the job's rent payer
/// 6. `[writable]` vault
/// 7. `[]` usdc_mint
/// 8. `[]` token_program — SPL Token
pub struct SettleJobAccounts<'a> {
    pub settlement: SettlementAccounts<'a>,
    pub job: JobAccounts<'a>,
}

/// The accounts every settlement shares (`settle_job` and `settle_jobs`).
pub struct SettlementAccounts<'a> {
    pub authority: &'a AccountView,
    pub config: &'a AccountView,
    pub vault: &'a AccountView,
    pub usdc_mint: &'a AccountView,
}

/// The four accounts of one job being settled.
pub struct JobAccounts<'a> {
    pub credit: &'a AccountView,
    pub job: &'a AccountView,
    pub worker_token: &'a AccountView,
    pub rent_receiver: &'a AccountView,
}

impl<'a> SettlementAccounts<'a> {
    /// Validation shared by both settle instructions.
    #[inline(always)]
    pub fn new(
        authority: &'a AccountView,
        config: &'a AccountView,
        vault: &'a AccountView,
        usdc_mint: &'a AccountView,
        token_program: &'a AccountView,
    ) -> Result<Self, EscrowError> {
        // 1. Signers
        verify_signer(authority)?;
        // 2. Writable
        verify_writable(config)?;
        verify_writable(vault)?;
        // 3. Programs
        verify_token_program(token_program)?;
        Ok(Self { authority, config, vault, usdc_mint })
    }
}

impl<'a> JobAccounts<'a> {
    /// The four job accounts (credit, job, worker_token, rent_receiver),
    /// all writable.
    #[inline(always)]
    pub fn new(group: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [credit, job, worker_token, rent_receiver] = group else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        for account in group {
            verify_writable(account)?;
        }
        Ok(Self { credit, job, worker_token, rent_receiver })
    }
}

impl<'a> TryFrom<&'a [AccountView]> for SettleJobAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [authority, config, job_group @ .., vault, usdc_mint, token_program] = accounts.get(..9).unwrap_or(&[])
        else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        let settlement = SettlementAccounts::new(authority, config, vault, usdc_mint, token_program)?;
        let job = JobAccounts::new(job_group)?;
        Ok(Self { settlement, job })
    }
}
