//! The program entrypoint and the zero-copy parser of the program input.
//!
//! The loader serializes the instruction into one buffer (all integers
//! little-endian) and passes its address in `r1`:
//!
//! ```text
//! u64                          number of accounts
//! per account, either
//!   duplicate:     u8 index of the earlier account it repeats, 7 bytes padding
//!   non-duplicate: u8 0xFF, u8 is_signer, u8 is_writable, u8 executable,
//!                  4 bytes padding, [u8; 32] key, [u8; 32] owner,
//!                  u64 lamports, u64 data_len, data_len bytes of data,
//!                  10 KiB of growth padding, padding to 8-byte alignment,
//!                  u64 rent_epoch
//! u64                          instruction data length
//! instruction data
//! [u8; 32]                     program id
//! ```
//!
//! Nothing is copied: each [`AccountView`] points at its header, and a
//! duplicate's view points at the first occurrence's header.

use core::mem::{size_of, MaybeUninit};

use crate::account::{AccountView, RawAccount, MAX_PERMITTED_DATA_INCREASE};
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;

/// Duplicate-marker value of a non-duplicate account.
pub const NON_DUP_MARKER: u8 = u8::MAX;

/// Alignment the loader applies after each account's data.
pub const BPF_ALIGN_OF_U128: usize = 8;

/// Accounts the default `entrypoint!` accepts (512 bytes of stack).
pub const DEFAULT_MAX_ACCOUNTS: usize = 64;

/// The parsed program input.
pub struct Input<'a> {
    /// The id of the executing program.
    pub program_id: &'a Pubkey,
    /// The instruction's accounts, duplicates included, in order.
    pub accounts: &'a [AccountView],
    /// The instruction data.
    pub data: &'a [u8],
}

/// Parses the program input.
///
/// With more than `MAX` accounts it returns `InvalidArgument` (raise `MAX`
/// in `entrypoint!`); a duplicate marker that does not name an earlier
/// account gives `InvalidAccountData`.
///
/// # Safety
/// `input` must point to a buffer laid out as the module documentation
/// describes, valid and unaliased for `'a`.
#[inline(always)]
pub unsafe fn deserialize<'a, const MAX: usize>(
    input: *mut u8,
    slots: &'a mut [MaybeUninit<AccountView>; MAX],
) -> Result<Input<'a>, ProgramError> {
    // SAFETY (whole body): every read stays inside the serialized buffer
    // by following the layout the loader wrote; the caller guarantees it.
    unsafe {
        let count = *(input as *const u64) as usize;
        if count > MAX {
            return Err(ProgramError::InvalidArgument);
        }
        let mut cursor = input.add(size_of::<u64>());
        let base = slots.as_mut_ptr() as *mut AccountView;
        let mut i = 0;
        while i < count {
            let marker = *cursor;
            if marker == NON_DUP_MARKER {
                let raw = cursor as *mut RawAccount;
                base.add(i).write(AccountView::new_unchecked(raw));
                let data_len = (*raw).data_len as usize;
                let end = cursor as usize
                    + size_of::<RawAccount>()
                    + data_len
                    + MAX_PERMITTED_DATA_INCREASE;
                let aligned = (end + (BPF_ALIGN_OF_U128 - 1)) & !(BPF_ALIGN_OF_U128 - 1);
                // Skip the rent epoch too.
                cursor = cursor.add(aligned - cursor as usize + size_of::<u64>());
            } else {
                let original = marker as usize;
                if original >= i {
                    return Err(ProgramError::InvalidAccountData);
                }
                base.add(i).write(*base.add(original));
                cursor = cursor.add(size_of::<u64>());
            }
            i += 1;
        }
        let data_len = *(cursor as *const u64) as usize;
        cursor = cursor.add(size_of::<u64>());
        let data = core::slice::from_raw_parts(cursor as *const u8, data_len);
        let program_id = &*(cursor.add(data_len) as *const Pubkey);
        let accounts = core::slice::from_raw_parts(base as *const AccountView, count);
        Ok(Input { program_id, accounts, data })
    }
}

/// Parses the input, runs `process`, and encodes its result for the
/// loader. Used by [`entrypoint!`](crate::entrypoint!).
///
/// # Safety
/// As for [`deserialize`].
#[inline(always)]
pub unsafe fn run<const MAX: usize, F>(input: *mut u8, process: F) -> u64
where
    F: FnOnce(&Pubkey, &[AccountView], &[u8]) -> ProgramResult,
{
    let mut slots = [const { MaybeUninit::<AccountView>::uninit() }; MAX];
    // SAFETY: forwarded from the caller.
    let parsed = unsafe { deserialize::<MAX>(input, &mut slots) };
    let result = match parsed {
        Ok(Input { program_id, accounts, data }) => process(program_id, accounts, data),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => crate::SUCCESS,
        Err(e) => error_to_u64(e),
    }
}

/// Kept out of line so the success path stays short.
#[cold]
#[inline(never)]
fn error_to_u64(e: ProgramError) -> u64 {
    e.to_u64()
}

/// Declares the program's `entrypoint` symbol and its panic handler.
///
/// ```ignore
/// gridpay_sdk::entrypoint!(process_instruction);
/// // or, to accept up to 128 accounts (8 bytes of stack each):
/// gridpay_sdk::entrypoint!(process_instruction, 128);
///
/// pub fn process_instruction(
///     program_id: &Pubkey,
///     accounts: &[AccountView],
///     data: &[u8],
/// ) -> ProgramResult { Ok(()) }
/// ```
#[macro_export]
macro_rules! entrypoint {
    ($process:path) => {
        $crate::entrypoint!($process, $crate::entrypoint::DEFAULT_MAX_ACCOUNTS);
    };
    ($process:path, $max:expr) => {
        /// Program entrypoint, called by the loader with the input buffer.
        ///
        /// # Safety
        /// Called by the loader with a valid serialized input.
        #[no_mangle]
        pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
            // SAFETY: the loader passes a valid serialized input.
            unsafe { $crate::entrypoint::run::<{ $max }, _>(input, $process) }
        }

        $crate::panic_handler!();
    };
}

/// Defines the panic handler: on the program target it reports the panic
/// location with `sol_panic_` (no message formatting, which would pull
/// `core::fmt` into the binary); on the host it links `std`, whose handler
/// applies. Included by [`entrypoint!`](crate::entrypoint!).
#[macro_export]
macro_rules! panic_handler {
    () => {
        #[cfg(any(target_os = "solana", target_arch = "bpf"))]
        #[panic_handler]
        fn __gridpay_panic(info: &core::panic::PanicInfo<'_>) -> ! {
            match info.location() {
                // SAFETY: the file name is a valid byte string for the
                // syscall to read.
                Some(loc) => unsafe {
                    $crate::syscalls::sol_panic_(
                        loc.file().as_ptr(),
                        loc.file().len() as u64,
                        loc.line() as u64,
                        loc.column() as u64,
                    )
                },
                // SAFETY: `abort` takes no arguments and never returns.
                None => unsafe { $crate::syscalls::abort() },
            }
        }

        #[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
        #[doc(hidden)]
        mod __gridpay_host_std {
            extern crate std;
        }
    };
}
