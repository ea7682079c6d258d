//! `transfer_tokens(amount: u64, decimals: u8)`: one SPL Token
//! `TransferChecked` CPI with the transaction's signer as authority, nothing
//! else (the token program checks accounts, owner and decimals).
//!
//! Accounts:
//! 0. `[writable]` source token account
//! 1. `[]` mint
//! 2. `[writable]` destination token account
//! 3. `[signer]` owner of the source
//! 4. `[]` SPL Token program

use gridpay_sdk::borsh::Reader;
use gridpay_sdk::cpi::token::{TransferChecked, TOKEN_PROGRAM_ID};
use gridpay_sdk::verify::{verify_program, verify_signer};
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

/// Moves `amount` base units.
pub fn process(accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [from, mint, to, authority, token_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_signer(authority)?;
    verify_program(token_program, &TOKEN_PROGRAM_ID)?;
    let mut r = Reader::new(args);
    let amount: u64 = r.read()?;
    let decimals: u8 = r.read()?;
    r.finish()?;
    TransferChecked { from, mint, to, authority, amount, decimals }.invoke()
}
