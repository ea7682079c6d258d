use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `update_config` and `set_paused`:
///
/// 0. `[signer]` admin — the config's admin
/// 1. `[writable]` config — PDA `["config"]`
pub struct Accounts<'a> {
    pub admin: &'a AccountView,
    pub config: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [admin, config, ..] = accounts else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        checks::signer(admin)?;
        checks::writable(config)?;
        Ok(Self { admin, config })
    }
}
