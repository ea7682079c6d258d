use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `cancel_unstake`:
///
/// 0. `[signer]` operator — the position's operator
/// 1. `[writable]` stake — the operator's position
pub struct Accounts<'a> {
    pub operator: &'a AccountView,
    pub stake: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [operator, stake, ..] = accounts else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        checks::signer(operator)?;
        checks::writable(stake)?;
        Ok(Self { operator, stake })
    }
}
