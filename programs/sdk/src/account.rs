//! Account views over the program input, with borrow tracking.
//!
//! An [`AccountView`] is one pointer to the account's header inside the
//! input buffer; duplicate accounts get a view of the same header, so they
//! share one borrow state. The state lives in the header's first byte —
//! the duplicate marker, which the runtime sets to `0xFF` for every
//! non-duplicate account and never reads back:
//!
//! ```text
//! bit  7 6 5 4 | 3 2 1 0
//!      lamports| data
//! ```
//!
//! Each nibble counts down from `0xF` (free): a shared borrow subtracts 1
//! (at most 7 at once, down to `0x8`), a mutable borrow sets it to `0x0`.
//! Starting from the runtime's `0xFF`, nothing needs initialising.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;

/// Extra bytes the runtime reserves after each account's data for growth.
pub const MAX_PERMITTED_DATA_INCREASE: usize = 10 * 1024;

/// The runtime's serialized account header (non-duplicate accounts), as it
/// sits in the input buffer. 88 bytes, 8-aligned.
#[repr(C)]
#[derive(Debug)]
pub struct RawAccount {
    /// Duplicate marker in the input; borrow state once parsed.
    pub borrow_state: u8,
    /// 1 if the account signed the transaction.
    pub is_signer: u8,
    /// 1 if the account is writable in this instruction.
    pub is_writable: u8,
    /// 1 if the account is an executable program.
    pub executable: u8,
    /// Padding (unused).
    pub padding: [u8; 4],
    /// The account's address.
    pub key: Pubkey,
    /// The program that owns the account.
    pub owner: Pubkey,
    /// Balance in lamports.
    pub lamports: u64,
    /// Length of the data that follows the header.
    pub data_len: u64,
}

const DATA_SHIFT: u8 = 0;
const LAMPORTS_SHIFT: u8 = 4;
const NIBBLE_FREE: u8 = 0xF;
/// A nibble above this value can take one more shared borrow.
const NIBBLE_SHARED_FLOOR: u8 = 0x8;

/// A view of one account of the instruction.
///
/// `Copy`: copies view the same account and share its borrow state.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccountView {
    raw: *mut RawAccount,
}

impl core::fmt::Debug for AccountView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AccountView")
            .field("key", self.key())
            .field("owner", self.owner())
            .field("lamports", &self.lamports())
            .field("data_len", &self.data_len())
            .field("is_signer", &self.is_signer())
            .field("is_writable", &self.is_writable())
            .finish()
    }
}

impl AccountView {
    /// Wraps a pointer to a serialized account header.
    ///
    /// # Safety
    /// `raw` must point to a valid [`RawAccount`] followed by `data_len`
    /// bytes of data (plus the runtime's growth padding), valid for the
    /// rest of the program's execution, and every view of it must come
    /// from this pointer (so borrow tracking sees all borrows).
    #[inline(always)]
    pub const unsafe fn new_unchecked(raw: *mut RawAccount) -> Self {
        Self { raw }
    }

    #[inline(always)]
    fn header(&self) -> &RawAccount {
        // SAFETY: `new_unchecked`'s contract: `raw` is a valid header for
        // the program's lifetime.
        unsafe { &*self.raw }
    }

    /// The account's address.
    #[inline(always)]
    pub fn key(&self) -> &Pubkey {
        &self.header().key
    }

    /// The program that owns the account.
    ///
    /// A CPI that reassigns the account updates this in place.
    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        &self.header().owner
    }

    /// Whether `program` owns the account.
    #[inline(always)]
    pub fn is_owned_by(&self, program: &Pubkey) -> bool {
        self.owner() == program
    }

    /// Whether the account signed the transaction (or was signed for by a
    /// PDA in the calling program).
    #[inline(always)]
    pub fn is_signer(&self) -> bool {
        self.header().is_signer != 0
    }

    /// Whether the account is writable in this instruction.
    #[inline(always)]
    pub fn is_writable(&self) -> bool {
        self.header().is_writable != 0
    }

    /// Whether the account is an executable program.
    #[inline(always)]
    pub fn executable(&self) -> bool {
        self.header().executable != 0
    }

    /// Current balance in lamports (a copy; not tracked as a borrow).
    #[inline(always)]
    pub fn lamports(&self) -> u64 {
        self.header().lamports
    }

    /// Current data length in bytes.
    #[inline(always)]
    pub fn data_len(&self) -> usize {
        self.header().data_len as usize
    }

    /// Whether the account has no data.
    #[inline(always)]
    pub fn data_is_empty(&self) -> bool {
        self.data_len() == 0
    }

    /// Pointer to the first byte of data.
    #[inline(always)]
    pub fn data_ptr(&self) -> *mut u8 {
        // SAFETY: the data starts right after the header
        // (`new_unchecked`'s contract).
        unsafe { (self.raw as *mut u8).add(core::mem::size_of::<RawAccount>()) }
    }

    /// Pointer to the header (for CPI account infos).
    #[inline(always)]
    pub fn raw(&self) -> *mut RawAccount {
        self.raw
    }

    #[inline(always)]
    fn state_ptr(&self) -> NonNull<u8> {
        // SAFETY: `raw` is non-null (valid header) and `borrow_state` is
        // its first field.
        unsafe { NonNull::new_unchecked(self.raw as *mut u8) }
    }

    #[inline(always)]
    fn nibble(&self, shift: u8) -> u8 {
        (self.header().borrow_state >> shift) & 0xF
    }

    /// Whether the data can be borrowed shared right now.
    #[inline(always)]
    pub fn can_borrow_data(&self) -> bool {
        self.nibble(DATA_SHIFT) > NIBBLE_SHARED_FLOOR
    }

    /// Whether the data can be borrowed mutably right now.
    #[inline(always)]
    pub fn can_borrow_mut_data(&self) -> bool {
        self.nibble(DATA_SHIFT) == NIBBLE_FREE
    }

    /// Whether the lamports can be borrowed shared right now.
    #[inline(always)]
    pub fn can_borrow_lamports(&self) -> bool {
        self.nibble(LAMPORTS_SHIFT) > NIBBLE_SHARED_FLOOR
    }

    /// Whether the lamports can be borrowed mutably right now.
    #[inline(always)]
    pub fn can_borrow_mut_lamports(&self) -> bool {
        self.nibble(LAMPORTS_SHIFT) == NIBBLE_FREE
    }

    /// Takes a shared borrow in the nibble at `shift`.
    #[inline(always)]
    fn acquire_shared(&self, shift: u8) -> ProgramResult {
        if self.nibble(shift) <= NIBBLE_SHARED_FLOOR {
            return Err(ProgramError::AccountBorrowFailed);
        }
        // SAFETY: the state byte is valid (see `state_ptr`); the program
        // is single-threaded, so the read-modify-write cannot race.
        unsafe { *self.state_ptr().as_ptr() -= 1 << shift };
        Ok(())
    }

    /// Takes the mutable borrow in the nibble at `shift`.
    #[inline(always)]
    fn acquire_mut(&self, shift: u8) -> ProgramResult {
        if self.nibble(shift) != NIBBLE_FREE {
            return Err(ProgramError::AccountBorrowFailed);
        }
        // SAFETY: as in `acquire_shared`.
        unsafe { *self.state_ptr().as_ptr() &= !(0xF << shift) };
        Ok(())
    }

    /// Borrows the data, shared.
    ///
    /// Fails with `AccountBorrowFailed` while a mutable borrow of the same
    /// account (through any view, duplicates included) is alive, or when 7
    /// shared borrows already are.
    #[inline(always)]
    pub fn try_borrow_data(&self) -> Result<Ref<'_, [u8]>, ProgramError> {
        self.acquire_shared(DATA_SHIFT)?;
        // SAFETY: the data region is valid for `data_len` bytes and no
        // mutable borrow exists (checked above).
        let data = unsafe { core::slice::from_raw_parts(self.data_ptr(), self.data_len()) };
        Ok(Ref { value: data, state: self.state_ptr(), shift: DATA_SHIFT })
    }

    /// Borrows the data mutably.
    ///
    /// Fails with `AccountBorrowFailed` while any other borrow of the data
    /// is alive. Does not check `is_writable`: the runtime rejects writes
    /// to read-only accounts when the instruction ends.
    #[inline(always)]
    pub fn try_borrow_mut_data(&self) -> Result<RefMut<'_, [u8]>, ProgramError> {
        self.acquire_mut(DATA_SHIFT)?;
        // SAFETY: the data region is valid for `data_len` bytes and this is
        // the only borrow (checked above).
        let data = unsafe { core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len()) };
        Ok(RefMut {
            value: NonNull::from(data),
            state: self.state_ptr(),
            mask: 0xF << DATA_SHIFT,
            marker: PhantomData,
        })
    }

    /// Borrows the lamports, shared.
    #[inline(always)]
    pub fn try_borrow_lamports(&self) -> Result<Ref<'_, u64>, ProgramError> {
        self.acquire_shared(LAMPORTS_SHIFT)?;
        Ok(Ref {
            value: &self.header().lamports,
            state: self.state_ptr(),
            shift: LAMPORTS_SHIFT,
        })
    }

    /// Borrows the lamports mutably.
    #[inline(always)]
    pub fn try_borrow_mut_lamports(&self) -> Result<RefMut<'_, u64>, ProgramError> {
        self.acquire_mut(LAMPORTS_SHIFT)?;
        // SAFETY: the header is valid and the lamports field is not
        // otherwise borrowed (checked above).
        let lamports = unsafe { NonNull::new_unchecked(core::ptr::addr_of_mut!((*self.raw).lamports)) };
        Ok(RefMut { value: lamports, state: self.state_ptr(), mask: 0xF << LAMPORTS_SHIFT, marker: PhantomData })
    }

    /// The data without borrow tracking.
    ///
    /// # Safety
    /// No mutable borrow of the data may be alive or taken while the
    /// returned slice is used.
    #[inline(always)]
    pub unsafe fn borrow_data_unchecked(&self) -> &[u8] {
        // SAFETY: region valid per `new_unchecked`; aliasing per caller.
        unsafe { core::slice::from_raw_parts(self.data_ptr(), self.data_len()) }
    }

    /// The data, mutably, without borrow tracking.
    ///
    /// # Safety
    /// No other borrow of the data may be alive or taken while the
    /// returned slice is used.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    pub unsafe fn borrow_mut_data_unchecked(&self) -> &mut [u8] {
        // SAFETY: region valid per `new_unchecked`; aliasing per caller.
        unsafe { core::slice::from_raw_parts_mut(self.data_ptr(), self.data_len()) }
    }

    /// Closes a program-owned account: moves all its lamports to
    /// `destination`, shrinks its data to zero bytes and hands it to the
    /// System program, so it is deleted when the transaction ends and
    /// cannot be used again by this program in the same transaction (its
    /// owner is no longer this program).
    ///
    /// Fails with `AccountBorrowFailed` if either account is borrowed, and
    /// with `InvalidArgument` if `destination` is the account itself.
    // Out of line: a dispatcher that inlines it spills more on every path
    // (+6 CU on the example's noop).
    #[inline(never)]
    pub fn close_to(&self, destination: &AccountView) -> ProgramResult {
        if self.raw == destination.raw {
            return Err(ProgramError::InvalidArgument);
        }
        // Every borrow of this account (data and lamports, both nibbles
        // 0xF) and the destination's lamports must be free. Checked rather
        // than taken: nothing runs between the check and the writes.
        if self.header().borrow_state != 0xFF || !destination.can_borrow_mut_lamports() {
            return Err(ProgramError::AccountBorrowFailed);
        }
        let Some(to) = destination.lamports().checked_add(self.lamports()) else {
            return Err(ProgramError::ArithmeticOverflow);
        };
        // SAFETY: no borrow of either account's lamports nor of this
        // account's data is alive (checked above), so rewriting them and
        // this header's length and owner cannot invalidate an outstanding
        // reference. The runtime accepts the new owner because the data is
        // now empty.
        unsafe {
            (*destination.raw).lamports = to;
            (*self.raw).lamports = 0;
            (*self.raw).data_len = 0;
            (*self.raw).owner = crate::cpi::system::SYSTEM_PROGRAM_ID;
        }
        Ok(())
    }
}

/// A shared borrow of account data or lamports; released on drop.
pub struct Ref<'a, T: ?Sized> {
    value: &'a T,
    state: NonNull<u8>,
    /// Nibble this borrow counts in.
    shift: u8,
}

impl<'a, T: ?Sized> Ref<'a, T> {
    /// Narrows the borrow to a part of the value (e.g. bytes to a struct),
    /// keeping the same borrow.
    #[inline(always)]
    pub fn map<U: ?Sized>(orig: Ref<'a, T>, f: impl FnOnce(&T) -> &U) -> Ref<'a, U> {
        let orig = core::mem::ManuallyDrop::new(orig);
        Ref { value: f(orig.value), state: orig.state, shift: orig.shift }
    }

    /// Like [`Ref::map`], but the projection may fail; the borrow is
    /// released on failure.
    #[inline(always)]
    pub fn try_map<U: ?Sized, E>(
        orig: Ref<'a, T>,
        f: impl FnOnce(&T) -> Result<&U, E>,
    ) -> Result<Ref<'a, U>, E> {
        match f(orig.value) {
            Ok(value) => {
                let orig = core::mem::ManuallyDrop::new(orig);
                Ok(Ref { value, state: orig.state, shift: orig.shift })
            }
            Err(e) => Err(e),
        }
    }
}

impl<T: ?Sized> Deref for Ref<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: ?Sized> Drop for Ref<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `state` is the account's borrow byte, valid for the
        // program's lifetime; this borrow took one unit, giving it back.
        unsafe { *self.state.as_ptr() += 1 << self.shift };
    }
}

/// A mutable borrow of account data or lamports; released on drop.
pub struct RefMut<'a, T: ?Sized> {
    value: NonNull<T>,
    state: NonNull<u8>,
    mask: u8,
    marker: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> RefMut<'a, T> {
    /// Narrows the borrow to a part of the value, keeping the same borrow.
    #[inline(always)]
    pub fn map<U: ?Sized>(orig: RefMut<'a, T>, f: impl FnOnce(&mut T) -> &mut U) -> RefMut<'a, U> {
        let mut orig = core::mem::ManuallyDrop::new(orig);
        // SAFETY: `value` is valid and uniquely borrowed by `orig`, which
        // is not dropped: the borrow moves to the new `RefMut`.
        let value = NonNull::from(f(unsafe { orig.value.as_mut() }));
        RefMut { value, state: orig.state, mask: orig.mask, marker: PhantomData }
    }

    /// Like [`RefMut::map`], but the projection may fail; the borrow is
    /// released on failure.
    #[inline(always)]
    pub fn try_map<U: ?Sized, E>(
        mut orig: RefMut<'a, T>,
        f: impl FnOnce(&mut T) -> Result<&mut U, E>,
    ) -> Result<RefMut<'a, U>, E> {
        // SAFETY: `value` is valid and uniquely borrowed by `orig`.
        match f(unsafe { orig.value.as_mut() }) {
            Ok(v) => {
                let value = NonNull::from(v);
                let orig = core::mem::ManuallyDrop::new(orig);
                Ok(RefMut { value, state: orig.state, mask: orig.mask, marker: PhantomData })
            }
            Err(e) => Err(e),
        }
    }
}

impl<T: ?Sized> Deref for RefMut<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: valid and uniquely borrowed for 'a.
        unsafe { self.value.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for RefMut<'_, T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: valid and uniquely borrowed for 'a.
        unsafe { self.value.as_mut() }
    }
}

impl<T: ?Sized> Drop for RefMut<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `state` is the account's borrow byte; the mutable borrow
        // zeroed this nibble, setting it back to 0xF frees it.
        unsafe { *self.state.as_ptr() |= self.mask };
    }
}

impl<T: ?Sized + core::fmt::Debug> core::fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + core::fmt::Debug> core::fmt::Debug for RefMut<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&**self, f)
    }
}
