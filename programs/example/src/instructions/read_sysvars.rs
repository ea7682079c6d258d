//! `read_sysvars(data_len: u64)`: returns the clock and the rent-exempt
//! minimum for `data_len` bytes.
//!
//! Accounts: none. Return data (little-endian):
//! `[0..8]` slot, `[8..16]` unix_timestamp, `[16..24]` epoch,
//! `[24..32]` rent-exempt minimum, `[32..40]` lamports per byte-year.

use gridpay_sdk::log::set_return_data;
use gridpay_sdk::sysvars::{clock::Clock, rent::Rent};
use gridpay_sdk::ProgramResult;

/// Reads both sysvars.
pub fn process(args: &[u8]) -> ProgramResult {
    let data_len = super::read_u64_arg(args)?;
    let clock = Clock::get()?;
    let rent = Rent::get()?;
    let minimum = rent.minimum_balance(data_len as usize)?;
    let mut out = [0u8; 40];
    out[0..8].copy_from_slice(&clock.slot.to_le_bytes());
    out[8..16].copy_from_slice(&clock.unix_timestamp.to_le_bytes());
    out[16..24].copy_from_slice(&clock.epoch.to_le_bytes());
    out[24..32].copy_from_slice(&minimum.to_le_bytes());
    out[32..40].copy_from_slice(&rent.lamports_per_byte_year.to_le_bytes());
    set_return_data(&out);
    Ok(())
}
