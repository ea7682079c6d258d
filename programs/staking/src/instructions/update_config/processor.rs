use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::ConfigUpdated;
use crate::state::Config;

/// Admin: new minimum stakes, cooldowns and slash cap. Pending unstakes keep
/// the cooldown snapshotted when they were requested.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { params } = Data::parse(data)?;
    let mut config = checks::load_mut::<Config>(a.config, program_id)?;
    if &config.admin != a.admin.key() {
        return Err(StakingError::NotAdmin.into());
    }
    params.validate()?;
    config.set_params(&params);
    let admin = config.admin;
    drop(config);
    ConfigUpdated { admin, params }.emit()
}
