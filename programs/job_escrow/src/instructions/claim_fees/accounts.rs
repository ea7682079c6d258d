use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_token_program, verify_writable};

/// Accounts of `claim_fees` (anyone may call it: the destination is fixed).
///
/// 0. `[writable]` config — PDA `["config"]`
/// 1. `[writable]` vault
/// 2. `[writable]` treasury — the configured treasury
/// 3. `[]` usdc_mint
/// 4. `[]` token_program — SPL Token
pub struct ClaimFeesAccounts<'a> {
    pub config: &'a AccountView,
    pub vault: &'a AccountView,
    pub treasury: &'a AccountView,
    pub usdc_mint: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for ClaimFeesAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [config, vault, treasury, usdc_mint, token_program, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Writable
        verify_writable(config)?;
        verify_writable(vault)?;
        verify_writable(treasury)?;
        // 2. Programs
        verify_token_program(token_program)?;
        Ok(Self { config, vault, treasury, usdc_mint })
    }
}
