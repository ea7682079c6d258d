use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `withdraw_unstaked`:
///
/// 0. `[signer]` operator — the position's operator
/// 1. `[]` config
/// 2. `[writable]` stake — the operator's position
/// 3. `[writable]` vault — the config's vault
/// 4. `[writable]` destination — SGL token account the stake is paid to (any
///    initialized, unfrozen one but the vault)
/// 5. `[]` sgl_mint
/// 6. `[]` token_program
pub struct Accounts<'a> {
    pub operator: &'a AccountView,
    pub config: &'a AccountView,
    pub stake: &'a AccountView,
    pub vault: &'a AccountView,
    pub destination: &'a AccountView,
    pub sgl_mint: &'a AccountView,
    pub token_program: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [operator, config, stake, vault, destination, sgl_mint, token_program, ..] = accounts else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        // 1. signers and writable
        checks::signer(operator)?;
        checks::writable(stake)?;
        checks::writable(vault)?;
        checks::writable(destination)?;
        // 2. programs
        checks::token_program(token_program)?;
        // 3. paying the vault into itself would zero the claim and keep the SGL
        if destination.key() == vault.key() {
            return Err(StakingError::DestinationIsVault.into());
        }
        Ok(Self { operator, config, stake, vault, destination, sgl_mint, token_program })
    }
}
