//! `token_deposit(amount: u64)`: moves tokens from the user into the
//! program's vault for the mint, creating the vault on first use.
//!
//! The vault is a token account at the PDA `("vault", mint)` whose token
//! owner is the vault address itself, so only this program (signing with
//! the seeds) can move its tokens. Returns the vault's balance (u64 LE).
//!
//! Accounts:
//! 0. `[writable, signer]` user
//! 1. `[writable]` user's token account for `mint`
//! 2. `[]` mint
//! 3. `[writable]` vault, PDA `("vault", mint)`
//! 4. `[]` SPL Token program
//! 5. `[]` System program

use gridpay_sdk::cpi::system::{CreateRentExempt, SYSTEM_PROGRAM_ID};
use gridpay_sdk::cpi::token::{InitializeAccount3, TransferChecked, TOKEN_PROGRAM_ID};
use gridpay_sdk::log::set_return_data;
use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::token::{Mint, TokenAccount, TOKEN_ACCOUNT_LEN};
use gridpay_sdk::verify::{verify_program, verify_signer, verify_writable};
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

use crate::errors::ExampleError;
use crate::state::VAULT_SEED;

/// Checks that `account` is a token account of `mint` owned by `owner`.
pub(crate) fn verify_token_account(account: &AccountView, mint: &Pubkey, owner: &Pubkey) -> ProgramResult {
    let token = TokenAccount::from_account(account)?;
    if token.mint() != mint {
        return Err(ExampleError::WrongMint.into());
    }
    if token.owner() != owner {
        return Err(ExampleError::WrongTokenOwner.into());
    }
    Ok(())
}

/// Deposits `amount` base units.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [user, user_token, mint, vault, token_program, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // 1. signers and writability
    verify_signer(user)?;
    verify_writable(user_token)?;
    verify_writable(vault)?;
    // 2. programs
    verify_program(token_program, &TOKEN_PROGRAM_ID)?;
    verify_program(system_program, &SYSTEM_PROGRAM_ID)?;
    // 3. token accounts and the vault PDA
    verify_token_account(user_token, mint.key(), user.key())?;
    let (vault_address, bump) = find_program_address(&[VAULT_SEED, mint.key().as_ref()], program_id)?;
    if vault.key() != &vault_address {
        return Err(ProgramError::InvalidSeeds);
    }
    let decimals = Mint::from_account(mint)?.decimals();
    let amount = super::read_u64_arg(args)?;

    if vault.is_owned_by(&SYSTEM_PROGRAM_ID) {
        let bump_seed = [bump];
        let vault_seeds = seeds!(VAULT_SEED, mint.key().as_ref(), &bump_seed);
        CreateRentExempt { payer: user, account: vault, space: TOKEN_ACCOUNT_LEN as u64, owner: &TOKEN_PROGRAM_ID }
            .invoke_signed(&[(&vault_seeds).into()])?;
        InitializeAccount3 { account: vault, mint, owner: vault.key() }.invoke()?;
    } else {
        verify_token_account(vault, mint.key(), vault.key())?;
    }

    TransferChecked { from: user_token, mint, to: vault, authority: user, amount, decimals }.invoke()?;

    let balance = TokenAccount::from_account(vault)?.amount();
    set_return_data(&balance.to_le_bytes());
    Ok(())
}
