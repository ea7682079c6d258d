//! Program logs: text, numbers, addresses, compute units, and binary data
//! (`Program data:` lines, the channel Anchor events use).

use crate::pubkey::Pubkey;
use crate::syscalls;

/// Logs `message` (`Program log: <message>`).
#[inline(always)]
pub fn log(message: &str) {
    // SAFETY: pointer and length describe a valid byte string.
    unsafe { syscalls::sol_log_(message.as_ptr(), message.len() as u64) }
}

/// Logs five numbers in hex (`Program log: 0x1, 0x2, ...`).
#[inline(always)]
pub fn log_64(a: u64, b: u64, c: u64, d: u64, e: u64) {
    // SAFETY: takes plain integers.
    unsafe { syscalls::sol_log_64_(a, b, c, d, e) }
}

/// Logs an address in base58.
#[inline(always)]
pub fn log_pubkey(key: &Pubkey) {
    // SAFETY: points to 32 valid bytes.
    unsafe { syscalls::sol_log_pubkey(key.0.as_ptr()) }
}

/// Logs the compute units left (`Program consumption: N units remaining`).
#[inline(always)]
pub fn log_compute_units() {
    // SAFETY: takes no arguments.
    unsafe { syscalls::sol_log_compute_units_() }
}

/// Logs byte strings as one `Program data: <base64> <base64> ...` line.
#[inline(always)]
pub fn log_data(parts: &[&[u8]]) {
    // SAFETY: `parts` is an array of `(ptr, len)` slices, the layout the
    // syscall reads.
    unsafe { syscalls::sol_log_data(parts.as_ptr() as *const u8, parts.len() as u64) }
}

/// Sets the instruction's return data (at most 1 KiB; the runtime
/// rejects more).
#[inline(always)]
pub fn set_return_data(data: &[u8]) {
    // SAFETY: pointer and length describe a valid byte string.
    unsafe { syscalls::sol_set_return_data(data.as_ptr(), data.len() as u64) }
}

/// Compute units left in this transaction.
#[inline(always)]
pub fn remaining_compute_units() -> u64 {
    // SAFETY: takes no arguments.
    unsafe { syscalls::sol_remaining_compute_units() }
}

/// Logs a string literal: `msg!("deposit")`. No formatting (it would pull
/// `core::fmt` into the program); log numbers with [`log_64`].
#[macro_export]
macro_rules! msg {
    ($lit:literal) => {
        $crate::log::log($lit)
    };
}
