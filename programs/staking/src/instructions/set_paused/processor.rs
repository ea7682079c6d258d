use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::PausedSet;
use crate::state::Config;

/// Admin: pause or resume new stakes and slashes. Unstake requests, cancels
/// and withdrawals never look at this flag.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { paused } = Data::parse(data)?;
    let mut config = checks::load_mut::<Config>(a.config, program_id)?;
    if &config.admin != a.admin.key() {
        return Err(StakingError::NotAdmin.into());
    }
    config.paused.set(paused);
    drop(config);
    PausedSet { paused }.emit()
}
