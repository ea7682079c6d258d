use gridpay_sdk::sysvars::clock::Clock;
use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::UnstakeRequested;
use crate::state::{Config, StakePosition};

/// Moves stake into cooldown with the role's cooldown snapshotted. Works
/// while the program is paused.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { amount } = Data::parse(data)?;
    let config = checks::load::<Config>(a.config, program_id)?;
    let mut stake = checks::load_mut::<StakePosition>(a.stake, program_id)?;
    if &stake.operator != a.operator.key() {
        return Err(StakingError::NotStakeOperator.into());
    }
    // Roles are checked when a position is created; indexing cannot fail.
    let cooldown = config.cooldown_seconds[stake.role as usize % crate::logic::ROLE_COUNT].get();
    let now = Clock::get()?.unix_timestamp;
    let available_at = stake.request_unstake(amount, now, cooldown)?;
    let event = UnstakeRequested { operator: stake.operator, role: stake.role, amount, available_at };
    drop(stake);
    drop(config);
    event.emit()
}
