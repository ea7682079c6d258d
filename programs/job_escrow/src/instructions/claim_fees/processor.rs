use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{ClaimFeesAccounts, ClaimFeesData};
use crate::errors::EscrowError;
use crate::events::FeesClaimed;
use crate::logic;
use crate::state::Config;
use crate::utils::{load_mut, pay_from_vault};

/// Pays every owed fee to the configured treasury.
pub fn process_claim_fees(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = ClaimFeesAccounts::try_from(accounts)?;
    ClaimFeesData::try_from(data)?;
    let (amount, bump) = {
        let mut config = load_mut::<Config>(a.config, program_id)?;
        if a.vault.key() != &config.vault {
            return Err(EscrowError::InvalidVault.into());
        }
        if a.usdc_mint.key() != &config.usdc_mint {
            return Err(EscrowError::InvalidMint.into());
        }
        if a.treasury.key() != &config.treasury {
            return Err(EscrowError::InvalidTreasury.into());
        }
        (logic::take_fees(&mut config)?, config.bump)
    };
    pay_from_vault(a.vault, a.usdc_mint, a.treasury, a.config, bump, amount)?;
    FeesClaimed { treasury: *a.treasury.key(), amount }.emit()
}
