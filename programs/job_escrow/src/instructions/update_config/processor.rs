use gridpay_sdk::token::TokenAccount;
use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{UpdateConfigAccounts, UpdateConfigData};
use crate::errors::EscrowError;
use crate::state::Config;
use crate::utils::load_mut;

/// Applies new settings after checking the admin and every value.
pub fn process_update_config(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = UpdateConfigAccounts::try_from(accounts)?;
    let d = UpdateConfigData::try_from(data)?;

    let mut config = load_mut::<Config>(a.config, program_id)?;
    if a.admin.key() != &config.admin {
        return Err(EscrowError::NotAdmin.into());
    }
    if a.treasury.key() == &config.vault {
        return Err(EscrowError::DuplicateAccount.into());
    }
    {
        let treasury = TokenAccount::from_account(a.treasury).map_err(|_| EscrowError::InvalidTreasury)?;
        if treasury.mint() != &config.usdc_mint {
            return Err(EscrowError::InvalidTreasury.into());
        }
    }
    d.params.apply(&mut config)?;
    config.admin = d.new_admin;
    config.settlement_authority = d.settlement_authority;
    config.treasury = *a.treasury.key();
    config.paused.set(d.paused);
    Ok(())
}
