//! Zero-copy account layouts.
//!
//! Every account starts with its 8-byte Anchor discriminator
//! (`sha256("account:<Name>")[..8]`), followed by fixed fields stored as
//! little-endian byte arrays: the structs have alignment 1, so a view can be
//! laid over any account data without copying, on the host and in SBF alike.
//! The IDL declares the same fields in the same order (borsh of these fields
//! is exactly these bytes).

mod config;
mod credit;
mod job;

pub use config::Config;
pub use credit::CreditAccount;
pub use job::{Job, JobStatus};

use crate::errors::EscrowError;

/// A 32-byte public key.
pub type Address = [u8; 32];

macro_rules! le_int {
    ($(#[$doc:meta])* $name:ident, $int:ty, $n:literal) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name([u8; $n]);

        impl $name {
            /// Reads the value.
            #[inline(always)]
            pub fn get(&self) -> $int {
                <$int>::from_le_bytes(self.0)
            }
            /// Writes the value.
            #[inline(always)]
            pub fn set(&mut self, value: $int) {
                self.0 = value.to_le_bytes();
            }
        }

        impl From<$int> for $name {
            fn from(value: $int) -> Self {
                Self(value.to_le_bytes())
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.get().fmt(f)
            }
        }
    };
}

le_int!(/// A little-endian `u64` with alignment 1.
    LeU64, u64, 8);
le_int!(/// A little-endian `i64` with alignment 1.
    LeI64, i64, 8);
le_int!(/// A little-endian `u16` with alignment 1.
    LeU16, u16, 2);

/// An account type with a fixed zero-copy layout.
///
/// # Safety
/// Implementors must be `#[repr(C)]`, have alignment 1, no padding, and be
/// valid for every bit pattern (only byte arrays and the `Le*` wrappers).
pub unsafe trait ZeroCopy: Sized {
    /// `sha256("account:<Name>")[..8]`.
    const DISCRIMINATOR: [u8; 8];
    /// Size of the account data in bytes (discriminator included).
    const LEN: usize = core::mem::size_of::<Self>();

    /// A view over initialized account data: exact size and discriminator.
    #[inline(always)]
    fn load(data: &[u8]) -> Result<&Self, EscrowError> {
        if data.len() != Self::LEN || data[..8] != Self::DISCRIMINATOR {
            return Err(EscrowError::InvalidAccountData);
        }
        // SAFETY: length checked above; the trait contract guarantees
        // alignment 1 and validity for any bytes.
        Ok(unsafe { &*(data.as_ptr() as *const Self) })
    }

    /// A mutable view over initialized account data.
    #[inline(always)]
    fn load_mut(data: &mut [u8]) -> Result<&mut Self, EscrowError> {
        if data.len() != Self::LEN || data[..8] != Self::DISCRIMINATOR {
            return Err(EscrowError::InvalidAccountData);
        }
        // SAFETY: as in `load`; the exclusive borrow of `data` is carried over.
        Ok(unsafe { &mut *(data.as_mut_ptr() as *mut Self) })
    }

    /// A mutable view over freshly allocated, all-zero data, with the
    /// discriminator written. Refuses data that is not zeroed: a live
    /// account can never be re-initialized through this.
    #[inline(always)]
    fn init(data: &mut [u8]) -> Result<&mut Self, EscrowError> {
        if data.len() != Self::LEN {
            return Err(EscrowError::InvalidAccountData);
        }
        if data[..8] != [0u8; 8] {
            return Err(EscrowError::AlreadyInitialized);
        }
        data[..8].copy_from_slice(&Self::DISCRIMINATOR);
        // SAFETY: as in `load`.
        Ok(unsafe { &mut *(data.as_mut_ptr() as *mut Self) })
    }
}
