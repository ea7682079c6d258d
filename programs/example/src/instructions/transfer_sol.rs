//! `transfer_sol(lamports: u64)`: a System transfer CPI.
//!
//! Accounts:
//! 0. `[writable, signer]` from
//! 1. `[writable]` to
//! 2. `[]` System program

use gridpay_sdk::cpi::system::{Transfer, SYSTEM_PROGRAM_ID};
use gridpay_sdk::verify::{verify_program, verify_signer, verify_writable};
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

/// Moves the lamports.
pub fn process(accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [from, to, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_signer(from)?;
    verify_writable(from)?;
    verify_writable(to)?;
    verify_program(system_program, &SYSTEM_PROGRAM_ID)?;
    let lamports = super::read_u64_arg(args)?;
    Transfer { from, to, lamports }.invoke()
}
