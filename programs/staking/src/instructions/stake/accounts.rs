use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `stake`:
///
/// 0. `[signer]` operator — signs the transfer
/// 1. `[]` config
/// 2. `[writable]` stake — `create_with_seed(operator, "stake:<role>",
///    program_id)`; on first use, created for this program earlier in the
///    same transaction by the operator (System `CreateAccountWithSeed`)
/// 3. `[writable]` operator_token — SGL token account the stake comes from,
///    owned by the operator, holding the amount
/// 4. `[writable]` vault — the config's vault
/// 5. `[]` sgl_mint
/// 6. `[]` token_program
pub struct Accounts<'a> {
    pub operator: &'a AccountView,
    pub config: &'a AccountView,
    pub stake: &'a AccountView,
    pub operator_token: &'a AccountView,
    pub vault: &'a AccountView,
    pub sgl_mint: &'a AccountView,
    pub token_program: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [operator, config, stake, operator_token, vault, sgl_mint, token_program, ..] =
            accounts
        else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        // 1. signers and writable
        checks::signer(operator)?;
        checks::writable(stake)?;
        checks::writable(operator_token)?;
        checks::writable(vault)?;
        // 2. programs
        checks::token_program(token_program)?;
        // 3. the source is not the vault itself
        checks::distinct(operator_token, vault)?;
        Ok(Self { operator, config, stake, operator_token, vault, sgl_mint, token_program })
    }
}
