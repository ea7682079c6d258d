//! Raw syscall declarations.
//!
//! On the program target these are `extern "C"` symbols the loader binds by
//! name (murmur3 hash). On the host the same names are plain Rust functions
//! with the same signatures ([`host`]), so program code compiles and runs
//! natively in `cargo test`. Prefer the safe wrappers in [`crate::log`],
//! [`crate::cpi`], [`crate::pda`], [`crate::sysvars`] and [`crate::hash`].
//!
//! Pointer arguments that take "seeds" or "vals" expect an array of Rust
//! byte slices (`&[&[u8]]`): on 64-bit targets each element is a
//! `(pointer, u64 length)` pair, the layout the runtime reads.
#![allow(missing_docs)]

#[cfg(any(target_os = "solana", target_arch = "bpf"))]
extern "C" {
    pub fn sol_log_(message: *const u8, len: u64);
    pub fn sol_log_64_(arg1: u64, arg2: u64, arg3: u64, arg4: u64, arg5: u64);
    pub fn sol_log_pubkey(pubkey: *const u8);
    pub fn sol_log_compute_units_();
    pub fn sol_log_data(data: *const u8, data_len: u64);
    pub fn sol_invoke_signed_c(
        instruction: *const u8,
        account_infos: *const u8,
        account_infos_len: u64,
        signers_seeds: *const u8,
        signers_seeds_len: u64,
    ) -> u64;
    pub fn sol_create_program_address(
        seeds: *const u8,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
    ) -> u64;
    pub fn sol_try_find_program_address(
        seeds: *const u8,
        seeds_len: u64,
        program_id: *const u8,
        address: *mut u8,
        bump_seed: *mut u8,
    ) -> u64;
    pub fn sol_get_clock_sysvar(addr: *mut u8) -> u64;
    pub fn sol_get_rent_sysvar(addr: *mut u8) -> u64;
    pub fn sol_get_sysvar(sysvar_id: *const u8, var_addr: *mut u8, offset: u64, length: u64) -> u64;
    pub fn sol_sha256(vals: *const u8, val_len: u64, hash_result: *mut u8) -> u64;
    pub fn sol_curve_validate_point(curve_id: u64, point: *const u8, result: *mut u8) -> u64;
    pub fn sol_set_return_data(data: *const u8, length: u64);
    pub fn sol_remaining_compute_units() -> u64;
    pub fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> !;
    pub fn abort() -> !;
}

#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
pub mod host;
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
pub use host::*;
