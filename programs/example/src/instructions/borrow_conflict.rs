//! `borrow_conflict(mode: u8)`: borrow tracking seen from a program.
//!
//! - mode 0: borrows the payer's data mutably twice → `AccountBorrowFailed`;
//! - mode 1: holds a borrow of the payer's lamports across a System
//!   transfer CPI that writes them → `AccountBorrowFailed`, before the call;
//! - mode 2: the same with the borrow released first → the transfer of
//!   1 lamport succeeds.
//!
//! Accounts:
//! 0. `[writable, signer]` payer
//! 1. `[writable]` recipient
//! 2. `[]` System program

use gridpay_sdk::borsh::Reader;
use gridpay_sdk::cpi::system::Transfer;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

/// Runs the requested scenario.
pub fn process(accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [payer, recipient, _system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut r = Reader::new(args);
    let mode: u8 = r.read()?;
    r.finish()?;
    match mode {
        0 => {
            let _first = payer.try_borrow_mut_data()?;
            let _second = payer.try_borrow_mut_data()?;
            Ok(())
        }
        1 => {
            let _held = payer.try_borrow_lamports()?;
            Transfer { from: payer, to: recipient, lamports: 1 }.invoke()
        }
        2 => {
            {
                let _released = payer.try_borrow_lamports()?;
            }
            Transfer { from: payer, to: recipient, lamports: 1 }.invoke()
        }
        _ => Err(ProgramError::InvalidInstructionData),
    }
}
