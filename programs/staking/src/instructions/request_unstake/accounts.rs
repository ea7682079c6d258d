use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `request_unstake`:
///
/// 0. `[signer]` operator — the position's operator
/// 1. `[]` config — for the role's cooldown
/// 2. `[writable]` stake — the operator's position
pub struct Accounts<'a> {
    pub operator: &'a AccountView,
    pub config: &'a AccountView,
    pub stake: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [operator, config, stake, ..] = accounts else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        checks::signer(operator)?;
        checks::writable(stake)?;
        Ok(Self { operator, config, stake })
    }
}
