//! Smallest useful Solana program: logs a greeting and succeeds.
//!
//! It talks to the runtime directly (the `entrypoint` symbol and the
//! `sol_log_` syscall) so the toolchain can be tested without programs/sdk.
#![cfg_attr(target_arch = "bpf", no_std)]

#[cfg(target_arch = "bpf")]
extern "C" {
    fn sol_log_(message: *const u8, len: u64);
}

/// The greeting the program logs on every call.
pub const GREETING: &[u8] = b"hello from gridpay";

/// Program entrypoint: the loader passes the serialized input region, which
/// this program does not need to read.
///
/// # Safety
/// Called by the runtime with a valid input pointer.
#[cfg(target_arch = "bpf")]
#[no_mangle]
pub unsafe extern "C" fn entrypoint(_input: *mut u8) -> u64 {
    // SAFETY: GREETING is a static byte string; the syscall only reads it.
    unsafe { sol_log_(GREETING.as_ptr(), GREETING.len() as u64) };
    0
}

#[cfg(target_arch = "bpf")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    extern "C" {
        fn abort() -> !;
    }
    // SAFETY: `abort` is provided by the runtime bitcode and never returns.
    unsafe { abort() }
}
