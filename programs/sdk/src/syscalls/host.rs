//! Host stand-ins for the syscalls, so program code runs natively.
//!
//! Hashing and program addresses are computed exactly as the runtime does
//! (SHA-256 and the ed25519 on-curve test), rent returns the runtime's
//! default, and logs are captured per thread in unit tests of this crate
//! (no-ops elsewhere: this crate has no `std` outside `cfg(test)`). What
//! needs a runtime — CPI and the clock — returns an error: native tests
//! cover program logic, LiteSVM covers the rest.
#![allow(clippy::missing_safety_doc)]

use crate::error::ProgramError;
use crate::pda::PDA_MARKER;
use crate::pubkey::Pubkey;
use crate::sha256::Sha256;

#[cfg(test)]
std::thread_local! {
    static LOGS: core::cell::RefCell<std::vec::Vec<std::string::String>> =
        const { core::cell::RefCell::new(std::vec::Vec::new()) };
}

#[cfg(test)]
fn record(line: std::string::String) {
    LOGS.with(|l| l.borrow_mut().push(line));
}

/// Takes the log lines this thread recorded (unit tests only).
#[cfg(test)]
pub fn take_logs() -> std::vec::Vec<std::string::String> {
    LOGS.with(|l| core::mem::take(&mut *l.borrow_mut()))
}

/// Reinterprets the runtime's `(ptr, len)` array as byte slices.
///
/// # Safety
/// `ptr` must point to `len` valid `&[u8]` values.
unsafe fn slices<'a>(ptr: *const u8, len: u64) -> &'a [&'a [u8]] {
    // SAFETY: guaranteed by the caller.
    unsafe { core::slice::from_raw_parts(ptr as *const &[u8], len as usize) }
}

pub unsafe fn sol_log_(message: *const u8, len: u64) {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let _bytes = unsafe { core::slice::from_raw_parts(message, len as usize) };
    #[cfg(test)]
    record(std::format!("Program log: {}", std::string::String::from_utf8_lossy(_bytes)));
}

pub unsafe fn sol_log_64_(a: u64, b: u64, c: u64, d: u64, e: u64) {
    let _ = (a, b, c, d, e);
    #[cfg(test)]
    record(std::format!("Program log: {a:#x}, {b:#x}, {c:#x}, {d:#x}, {e:#x}"));
}

pub unsafe fn sol_log_pubkey(pubkey: *const u8) {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let _key = unsafe { &*(pubkey as *const Pubkey) };
    #[cfg(test)]
    record(std::format!("Program log: {_key}"));
}

pub unsafe fn sol_log_compute_units_() {
    #[cfg(test)]
    record(std::string::String::from("Program consumption: host"));
}

pub unsafe fn sol_log_data(data: *const u8, data_len: u64) {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let _parts = unsafe { slices(data, data_len) };
    #[cfg(test)]
    record(std::format!("Program data: {}", super::host::hex_parts(_parts)));
}

#[cfg(test)]
fn hex_parts(parts: &[&[u8]]) -> std::string::String {
    let mut out = std::vec::Vec::new();
    for p in parts {
        out.push(p.iter().map(|b| std::format!("{b:02x}")).collect::<std::string::String>());
    }
    out.join(" ")
}

pub unsafe fn sol_invoke_signed_c(
    _instruction: *const u8,
    _account_infos: *const u8,
    _account_infos_len: u64,
    _signers_seeds: *const u8,
    _signers_seeds_len: u64,
) -> u64 {
    ProgramError::InvalidArgument.to_u64()
}

/// SHA-256 of the seeds, the program id and the PDA marker.
fn derive(seeds: &[&[u8]], bump: Option<u8>, program_id: &Pubkey) -> [u8; 32] {
    let mut h = Sha256::new();
    for s in seeds {
        h = h.update(s);
    }
    if let Some(b) = bump {
        h = h.update(&[b]);
    }
    h.update(&program_id.0).update(PDA_MARKER).finalize()
}

pub unsafe fn sol_create_program_address(
    seeds: *const u8,
    seeds_len: u64,
    program_id: *const u8,
    address: *mut u8,
) -> u64 {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let (seeds, program_id) = unsafe { (slices(seeds, seeds_len), &*(program_id as *const Pubkey)) };
    let hash = derive(seeds, None, program_id);
    if crate::curve25519::is_on_curve(&hash) {
        return 1;
    }
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    unsafe { core::ptr::copy_nonoverlapping(hash.as_ptr(), address, 32) };
    0
}

pub unsafe fn sol_try_find_program_address(
    seeds: *const u8,
    seeds_len: u64,
    program_id: *const u8,
    address: *mut u8,
    bump_seed: *mut u8,
) -> u64 {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let (seeds, program_id) = unsafe { (slices(seeds, seeds_len), &*(program_id as *const Pubkey)) };
    let mut bump = u8::MAX;
    loop {
        let hash = derive(seeds, Some(bump), program_id);
        if !crate::curve25519::is_on_curve(&hash) {
            // SAFETY: the syscall contract: the SDK's callers pass pointers valid
            // for the lengths given (and 32-byte keys/outputs).
            unsafe {
                core::ptr::copy_nonoverlapping(hash.as_ptr(), address, 32);
                *bump_seed = bump;
            }
            return 0;
        }
        if bump == 0 {
            return 1;
        }
        bump -= 1;
    }
}

pub unsafe fn sol_get_clock_sysvar(_addr: *mut u8) -> u64 {
    ProgramError::UnsupportedSysvar.to_u64()
}

pub unsafe fn sol_get_sysvar(_sysvar_id: *const u8, _var_addr: *mut u8, _offset: u64, _length: u64) -> u64 {
    ProgramError::UnsupportedSysvar.to_u64()
}

pub unsafe fn sol_get_rent_sysvar(addr: *mut u8) -> u64 {
    let rent = crate::sysvars::rent::Rent::DEFAULT;
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    unsafe { (addr as *mut crate::sysvars::rent::Rent).write(rent) };
    0
}

pub unsafe fn sol_sha256(vals: *const u8, val_len: u64, hash_result: *mut u8) -> u64 {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let parts = unsafe { slices(vals, val_len) };
    let mut h = Sha256::new();
    for p in parts {
        h = h.update(p);
    }
    let out = h.finalize();
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    unsafe { core::ptr::copy_nonoverlapping(out.as_ptr(), hash_result, 32) };
    0
}

/// 0 when `point` is a valid compressed ed25519 point (curve id 0), 1
/// otherwise, as the runtime answers.
pub unsafe fn sol_curve_validate_point(curve_id: u64, point: *const u8, _result: *mut u8) -> u64 {
    assert_eq!(curve_id, 0, "only CURVE25519_EDWARDS is emulated on the host");
    // SAFETY: the syscall contract: 32 readable bytes.
    let point = unsafe { &*(point as *const [u8; 32]) };
    u64::from(!crate::curve25519::is_on_curve(point))
}

pub unsafe fn sol_set_return_data(data: *const u8, length: u64) {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let _bytes = unsafe { core::slice::from_raw_parts(data, length as usize) };
    #[cfg(test)]
    record(std::format!("Program return: {}", hex_parts(&[_bytes])));
}

pub unsafe fn sol_remaining_compute_units() -> u64 {
    u64::MAX
}

pub unsafe fn sol_panic_(file: *const u8, len: u64, line: u64, column: u64) -> ! {
    // SAFETY: the syscall contract: the SDK's callers pass pointers valid
    // for the lengths given (and 32-byte keys/outputs).
    let file = unsafe { core::slice::from_raw_parts(file, len as usize) };
    let file = core::str::from_utf8(file).unwrap_or("?");
    panic!("program panicked at {file}:{line}:{column}")
}

pub unsafe fn abort() -> ! {
    panic!("program aborted")
}
