//! `token_withdraw(amount: u64)`: the vault pays the user, signing with
//! its PDA seeds; an emptied vault is closed and its rent refunded to the
//! user. Returns the vault's remaining balance (u64 LE).
//!
//! Accounts:
//! 0. `[writable, signer]` user
//! 1. `[writable]` user's token account for `mint`
//! 2. `[]` mint
//! 3. `[writable]` vault, PDA `("vault", mint)`
//! 4. `[]` SPL Token program

use gridpay_sdk::cpi::token::{CloseAccount, TransferChecked, TOKEN_PROGRAM_ID};
use gridpay_sdk::log::set_return_data;
use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::token::{Mint, TokenAccount};
use gridpay_sdk::verify::{verify_program, verify_signer, verify_writable};
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

use super::token_deposit::verify_token_account;
use crate::errors::ExampleError;
use crate::state::VAULT_SEED;

/// Withdraws `amount` base units.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [user, user_token, mint, vault, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_signer(user)?;
    verify_writable(user)?;
    verify_writable(user_token)?;
    verify_writable(vault)?;
    verify_program(token_program, &TOKEN_PROGRAM_ID)?;
    verify_token_account(user_token, mint.key(), user.key())?;
    let (vault_address, bump) = find_program_address(&[VAULT_SEED, mint.key().as_ref()], program_id)?;
    if vault.key() != &vault_address {
        return Err(ProgramError::InvalidSeeds);
    }
    verify_token_account(vault, mint.key(), vault.key())?;
    let decimals = Mint::from_account(mint)?.decimals();
    let amount = super::read_u64_arg(args)?;
    let held = TokenAccount::from_account(vault)?.amount();
    if held < amount {
        return Err(ExampleError::InsufficientVaultBalance.into());
    }

    let bump_seed = [bump];
    let vault_seeds = seeds!(VAULT_SEED, mint.key().as_ref(), &bump_seed);
    let signer = [(&vault_seeds).into()];
    TransferChecked { from: vault, mint, to: user_token, authority: vault, amount, decimals }.invoke_signed(&signer)?;
    let remaining = held - amount;
    if remaining == 0 {
        CloseAccount { account: vault, destination: user, authority: vault }.invoke_signed(&signer)?;
    }
    set_return_data(&remaining.to_le_bytes());
    Ok(())
}
