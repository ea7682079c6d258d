use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::UnstakeCancelled;
use crate::state::StakePosition;

/// Returns the amount in cooldown to the active stake. No tokens move, so
/// it works while paused too.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    Data::parse(data)?;
    let mut stake = checks::load_mut::<StakePosition>(a.stake, program_id)?;
    if &stake.operator != a.operator.key() {
        return Err(StakingError::NotStakeOperator.into());
    }
    let amount = stake.cancel_unstake()?;
    let event = UnstakeCancelled { operator: stake.operator, role: stake.role, amount, staked: stake.staked.get() };
    drop(stake);
    event.emit()
}
