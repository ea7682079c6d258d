use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::instructions::settle_job::SettlementAccounts;

/// Accounts of `settle_jobs`.
///
/// 0. `[signer]` settlement_authority
/// 1. `[writable]` config
/// 2. `[writable]` vault
/// 3. `[]` usdc_mint
/// 4. `[]` token_program — SPL Token
///
/// then, for each job in the order of `used_credits`, four writable
/// accounts: credit, job, worker_token, rent_receiver (as in `settle_job`).
pub struct SettleJobsAccounts<'a> {
    pub settlement: SettlementAccounts<'a>,
    /// Groups of four accounts, one group per job.
    pub jobs: &'a [AccountView],
}

impl<'a> TryFrom<&'a [AccountView]> for SettleJobsAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [authority, config, vault, usdc_mint, token_program, jobs @ ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        let settlement = SettlementAccounts::new(authority, config, vault, usdc_mint, token_program)?;
        Ok(Self { settlement, jobs })
    }
}
