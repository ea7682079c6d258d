use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::sysvars::clock::Clock;
use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::state::{Config, StakePosition};

/// Pays the amount in cooldown out of the vault once the snapshotted
/// cooldown has passed. Works while paused.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    Data::parse(data)?;
    let (mint, bump) = {
        let config = checks::load::<Config>(a.config, program_id)?;
        checks::address(a.vault, &config.vault, StakingError::InvalidVault)?;
        (config.sgl_mint, config.bump)
    };
    let decimals = checks::mint_decimals(a.sgl_mint, &mint)?;
    checks::receiving_token_account(a.destination, &mint)?;
    let (amount, role) = {
        let mut stake = checks::load_mut::<StakePosition>(a.stake, program_id)?;
        if &stake.operator != a.operator.key() {
            return Err(StakingError::NotStakeOperator.into());
        }
        let now = Clock::get()?.unix_timestamp;
        (stake.withdraw(now)?, stake.role)
    };

    let bump_seed = [bump];
    let seeds = crate::config_signer_seeds!(&bump_seed);
    TransferChecked { from: a.vault, mint: a.sgl_mint, to: a.destination, authority: a.config, amount, decimals }
        .invoke_signed(&[Signer::from(&seeds)])?;

    Withdrawn { operator: *a.operator.key(), role, amount, destination: *a.destination.key() }.emit()
}
