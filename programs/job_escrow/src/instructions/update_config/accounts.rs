use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_writable};

/// Accounts of `update_config`.
///
/// 0. `[signer]` admin — the config's current admin
/// 1. `[writable]` config — PDA `["config"]`
/// 2. `[]` treasury — the new (or current) treasury USDC token account
pub struct UpdateConfigAccounts<'a> {
    pub admin: &'a AccountView,
    pub config: &'a AccountView,
    pub treasury: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for UpdateConfigAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [admin, config, treasury, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(admin)?;
        // 2. Writable
        verify_writable(config)?;
        Ok(Self { admin, config, treasury })
    }
}
