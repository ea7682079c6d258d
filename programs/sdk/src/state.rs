//! Zero-copy account state: fixed layouts of alignment-1 fields read in
//! place, behind an 8-byte Anchor account discriminator.
//!
//! ```ignore
//! #[repr(C)]
//! pub struct Credit { pub wallet: Pubkey, pub available: PodU64, pub bump: u8 }
//! // SAFETY: repr(C), alignment-1 fields only, no padding.
//! unsafe impl Pod for Credit {}
//! impl AccountState for Credit {
//!     const DISCRIMINATOR: [u8; 8] = account_discriminator("Credit");
//! }
//! let credit = Credit::load(account, program_id)?;
//! ```

use crate::account::{AccountView, Ref, RefMut};
use crate::discriminator::DISCRIMINATOR_LEN;
use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// A plain-old-data type that may be read from any bytes in place.
///
/// # Safety
/// The type must be `repr(C)` or `repr(transparent)`, have alignment 1,
/// contain no padding, and accept every bit pattern.
pub unsafe trait Pod: Sized {}

// SAFETY: byte arrays and `Pubkey` ([u8; 32]) satisfy every requirement.
unsafe impl Pod for u8 {}
// SAFETY: as above.
unsafe impl<const N: usize> Pod for [u8; N] {}
// SAFETY: as above.
unsafe impl Pod for Pubkey {}

macro_rules! pod_int {
    ($($name:ident: $t:ty),+) => {$(
        #[doc = concat!("A little-endian `", stringify!($t), "` with alignment 1.")]
        #[repr(transparent)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name(pub [u8; core::mem::size_of::<$t>()]);

        impl $name {
            /// Wraps a value.
            #[inline(always)]
            pub const fn new(v: $t) -> Self {
                Self(v.to_le_bytes())
            }
            /// The value.
            #[inline(always)]
            pub const fn get(&self) -> $t {
                <$t>::from_le_bytes(self.0)
            }
            /// Stores a value.
            #[inline(always)]
            pub fn set(&mut self, v: $t) {
                self.0 = v.to_le_bytes();
            }
        }

        impl From<$t> for $name {
            #[inline(always)]
            fn from(v: $t) -> Self {
                Self::new(v)
            }
        }

        // SAFETY: a byte array wrapper.
        unsafe impl Pod for $name {}
    )+};
}

pod_int!(PodU16: u16, PodU32: u32, PodU64: u64, PodI64: i64);

/// A `bool` stored as one byte; any non-zero byte reads as `true`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodBool(pub u8);

impl PodBool {
    /// The value.
    #[inline(always)]
    pub const fn get(&self) -> bool {
        self.0 != 0
    }
    /// Stores a value.
    #[inline(always)]
    pub fn set(&mut self, v: bool) {
        self.0 = v as u8;
    }
}

// SAFETY: a single byte.
unsafe impl Pod for PodBool {}

/// Casts bytes to a `Pod` reference; `None` on length mismatch.
#[inline(always)]
pub fn from_bytes<T: Pod>(bytes: &[u8]) -> Option<&T> {
    const { assert!(core::mem::align_of::<T>() == 1) };
    if bytes.len() != core::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: length matches, alignment is 1, and `Pod` accepts every bit
    // pattern.
    Some(unsafe { &*(bytes.as_ptr() as *const T) })
}

/// Casts bytes to a mutable `Pod` reference; `None` on length mismatch.
#[inline(always)]
pub fn from_bytes_mut<T: Pod>(bytes: &mut [u8]) -> Option<&mut T> {
    const { assert!(core::mem::align_of::<T>() == 1) };
    if bytes.len() != core::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: as in `from_bytes`; the borrow is unique.
    Some(unsafe { &mut *(bytes.as_mut_ptr() as *mut T) })
}

/// A program account: an 8-byte discriminator, then `Self` in place.
pub trait AccountState: Pod {
    /// `sha256("account:<Name>")[..8]`.
    const DISCRIMINATOR: [u8; 8];

    /// Account size: discriminator plus the state.
    const SPACE: usize = DISCRIMINATOR_LEN + core::mem::size_of::<Self>();

    /// Borrows the state of an account `program_id` owns.
    ///
    /// Errors: `InvalidAccountOwner` (wrong owner), `AccountDataTooSmall`
    /// (wrong size), `UninitializedAccount` (zeroed discriminator),
    /// `InvalidAccountData` (another type's discriminator),
    /// `AccountBorrowFailed`.
    #[inline(always)]
    fn load<'a>(account: &'a AccountView, program_id: &Pubkey) -> Result<Ref<'a, Self>, ProgramError> {
        if !account.is_owned_by(program_id) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        Ref::try_map(account.try_borrow_data()?, |d| {
            check_discriminator::<Self>(d)?;
            from_bytes(&d[DISCRIMINATOR_LEN..]).ok_or(ProgramError::AccountDataTooSmall)
        })
    }

    /// Borrows the state mutably; errors as [`AccountState::load`].
    #[inline(always)]
    fn load_mut<'a>(account: &'a AccountView, program_id: &Pubkey) -> Result<RefMut<'a, Self>, ProgramError> {
        if !account.is_owned_by(program_id) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        RefMut::try_map(account.try_borrow_mut_data()?, |d| {
            check_discriminator::<Self>(d)?;
            from_bytes_mut(&mut d[DISCRIMINATOR_LEN..]).ok_or(ProgramError::AccountDataTooSmall)
        })
    }

    /// Writes the discriminator into a freshly created account and borrows
    /// its (zeroed) state mutably.
    ///
    /// Errors: `InvalidAccountOwner`, `AccountDataTooSmall`,
    /// `AccountAlreadyInitialized` if a discriminator is already set.
    #[inline(always)]
    fn init<'a>(account: &'a AccountView, program_id: &Pubkey) -> Result<RefMut<'a, Self>, ProgramError> {
        if !account.is_owned_by(program_id) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        RefMut::try_map(account.try_borrow_mut_data()?, |d| {
            if d.len() != Self::SPACE {
                return Err(ProgramError::AccountDataTooSmall);
            }
            let (disc, rest) = d.split_at_mut(DISCRIMINATOR_LEN);
            if disc.iter().any(|b| *b != 0) {
                return Err(ProgramError::AccountAlreadyInitialized);
            }
            disc.copy_from_slice(&Self::DISCRIMINATOR);
            from_bytes_mut(rest).ok_or(ProgramError::AccountDataTooSmall)
        })
    }
}

#[inline(always)]
fn check_discriminator<T: AccountState>(data: &[u8]) -> Result<(), ProgramError> {
    if data.len() != T::SPACE {
        return Err(ProgramError::AccountDataTooSmall);
    }
    let disc = &data[..DISCRIMINATOR_LEN];
    if disc != T::DISCRIMINATOR {
        if disc.iter().all(|b| *b == 0) {
            return Err(ProgramError::UninitializedAccount);
        }
        return Err(ProgramError::InvalidAccountData);
    }
    Ok(())
}
