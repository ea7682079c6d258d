use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{WithdrawAccounts, WithdrawData};
use crate::errors::EscrowError;
use crate::events::CreditsWithdrawn;
use crate::logic;
use crate::state::{Config, CreditAccount};
use crate::utils::{load, load_mut, pay_from_vault, verify_usdc_account};

/// Pays `credits × 10,000` USDC base units from the vault to the wallet's
/// own token account. No fee; works while paused.
pub fn process_withdraw(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = WithdrawAccounts::try_from(accounts)?;
    let d = WithdrawData::try_from(data)?;

    let config_bump = {
        let config = load::<Config>(a.config, program_id)?;
        if a.vault.key() != &config.vault {
            return Err(EscrowError::InvalidVault.into());
        }
        if a.usdc_mint.key() != &config.usdc_mint {
            return Err(EscrowError::InvalidMint.into());
        }
        config.bump
    };
    verify_usdc_account(a.wallet_token, a.usdc_mint.key(), a.wallet.key(), EscrowError::TokenAccountOwnerMismatch)?;
    let (amount, available) = {
        let mut credit = load_mut::<CreditAccount>(a.credit, program_id)?;
        if &credit.wallet != a.wallet.key() {
            return Err(EscrowError::CreditAccountMismatch.into());
        }
        let amount = logic::withdraw(&mut credit, d.credits)?;
        (amount, credit.available.get())
    };
    pay_from_vault(a.vault, a.usdc_mint, a.wallet_token, a.config, config_bump, amount)?;

    CreditsWithdrawn { wallet: *a.wallet.key(), credits: d.credits, amount, available }.emit()
}
