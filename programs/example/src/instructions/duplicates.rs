//! `duplicates(mode: u8)`: the same account may be passed twice; its two
//! views share one borrow state.
//!
//! Mode 0 refuses a duplicate (`InvalidArgument`); mode 1 accepts it and
//! reports. Return data: `[same account, second mutable borrow succeeded]`.
//!
//! Accounts:
//! 0. `[writable]` a
//! 1. `[writable]` b (may be a again)

use gridpay_sdk::borsh::Reader;
use gridpay_sdk::log::set_return_data;
use gridpay_sdk::verify::verify_distinct;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

/// Checks or reports the duplicate.
pub fn process(accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [a, b, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let mut r = Reader::new(args);
    let mode: u8 = r.read()?;
    r.finish()?;
    match mode {
        0 => verify_distinct(a, b)?,
        1 => {}
        _ => return Err(ProgramError::InvalidInstructionData),
    }
    let same = a.key() == b.key();
    let first = a.try_borrow_mut_lamports()?;
    let second_ok = b.try_borrow_mut_lamports().is_ok();
    drop(first);
    set_return_data(&[same as u8, second_ok as u8]);
    Ok(())
}
