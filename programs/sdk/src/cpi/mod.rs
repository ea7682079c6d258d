//! Cross-program invocation through `sol_invoke_signed_c` and its C
//! layouts, with the borrow checks that keep a callee from changing data
//! the caller still holds a reference to.
//!
//! Instruction structs for the programs gridpay calls live in [`system`]
//! and [`token`]: plain structs with named accounts and amounts, and two
//! methods, `invoke()` and `invoke_signed(signers)`.

/// `invoke()` and `invoke_signed(signers)` of an instruction struct: calls
/// `$program` with the struct's `data()` and the listed account fields, each
/// with its `AccountMeta` constructor, in the callee's order. Expands to the
/// code each struct would write by hand (no extra indirection, same CU).
macro_rules! cpi_invoke {
    ($program:expr; $($field:ident: $meta:ident),+ $(,)?) => {
        /// Invokes with transaction signers only.
        #[inline(always)]
        pub fn invoke(&self) -> ProgramResult {
            self.invoke_signed(&[])
        }

        /// Invokes with PDA `signers` signing for the caller's accounts.
        #[inline(always)]
        pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
            let metas = [$(AccountMeta::$meta(self.$field.key())),+];
            let data = self.data();
            let ix = Instruction { program_id: &$program, accounts: &metas, data: &data };
            invoke_signed(&ix, &[$(self.$field),+], signers)
        }
    };
}

pub mod system;
pub mod token;

use core::marker::PhantomData;

use crate::account::AccountView;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;

/// Accounts one CPI may pass (the runtime's limit is higher; this bounds
/// the stack used for the C account infos).
pub const MAX_CPI_ACCOUNTS: usize = 16;

/// An account of a CPI instruction. Same layout as the runtime's
/// `SolAccountMeta` (pointer, is_writable, is_signer).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AccountMeta<'a> {
    /// The account's address.
    pub pubkey: &'a Pubkey,
    /// Whether the callee may write it.
    pub is_writable: bool,
    /// Whether it signs (a transaction signer, or a PDA of the caller).
    pub is_signer: bool,
}

impl<'a> AccountMeta<'a> {
    /// A meta with explicit flags.
    #[inline(always)]
    pub const fn new(pubkey: &'a Pubkey, is_writable: bool, is_signer: bool) -> Self {
        Self { pubkey, is_writable, is_signer }
    }
    /// Read-only, not signing.
    #[inline(always)]
    pub const fn readonly(pubkey: &'a Pubkey) -> Self {
        Self::new(pubkey, false, false)
    }
    /// Writable, not signing.
    #[inline(always)]
    pub const fn writable(pubkey: &'a Pubkey) -> Self {
        Self::new(pubkey, true, false)
    }
    /// Read-only signer.
    #[inline(always)]
    pub const fn readonly_signer(pubkey: &'a Pubkey) -> Self {
        Self::new(pubkey, false, true)
    }
    /// Writable signer.
    #[inline(always)]
    pub const fn writable_signer(pubkey: &'a Pubkey) -> Self {
        Self::new(pubkey, true, true)
    }
}

/// An instruction to invoke.
#[derive(Clone, Copy, Debug)]
pub struct Instruction<'a, 'b> {
    /// The program to call.
    pub program_id: &'a Pubkey,
    /// Its accounts, in the callee's order.
    pub accounts: &'b [AccountMeta<'a>],
    /// Its instruction data.
    pub data: &'b [u8],
}

/// One seed of a PDA signer. Same layout as the runtime's `SolSignerSeed`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Seed<'a> {
    addr: *const u8,
    len: u64,
    marker: PhantomData<&'a [u8]>,
}

impl<'a> From<&'a [u8]> for Seed<'a> {
    #[inline(always)]
    fn from(bytes: &'a [u8]) -> Self {
        Self { addr: bytes.as_ptr(), len: bytes.len() as u64, marker: PhantomData }
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Seed<'a> {
    #[inline(always)]
    fn from(bytes: &'a [u8; N]) -> Self {
        Self { addr: bytes.as_ptr(), len: N as u64, marker: PhantomData }
    }
}

/// The seeds (bump included) of one PDA that signs a CPI. Same layout as
/// the runtime's `SolSignerSeeds`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Signer<'a, 'b> {
    addr: *const Seed<'a>,
    len: u64,
    marker: PhantomData<&'b [Seed<'a>]>,
}

impl<'a, 'b> From<&'b [Seed<'a>]> for Signer<'a, 'b> {
    #[inline(always)]
    fn from(seeds: &'b [Seed<'a>]) -> Self {
        Self { addr: seeds.as_ptr(), len: seeds.len() as u64, marker: PhantomData }
    }
}

impl<'a, 'b, const N: usize> From<&'b [Seed<'a>; N]> for Signer<'a, 'b> {
    #[inline(always)]
    fn from(seeds: &'b [Seed<'a>; N]) -> Self {
        Self { addr: seeds.as_ptr(), len: N as u64, marker: PhantomData }
    }
}

/// Builds a `[Seed; N]` array: `seeds!(b"vault", owner.as_ref(), &[bump])`.
#[macro_export]
macro_rules! seeds {
    ($($seed:expr),+ $(,)?) => {
        [$($crate::cpi::Seed::from($seed)),+]
    };
}

/// The runtime's `SolInstruction`.
#[repr(C)]
struct CInstruction {
    program_id: *const Pubkey,
    accounts: *const AccountMeta<'static>,
    accounts_len: u64,
    data: *const u8,
    data_len: u64,
}

/// The runtime's `SolAccountInfo`. Every pointer points into the caller's
/// serialized input, where the runtime expects them and writes the
/// callee's changes back.
#[repr(C)]
struct CAccountInfo {
    key: *const Pubkey,
    lamports: *const u64,
    data_len: u64,
    data: *const u8,
    owner: *const Pubkey,
    rent_epoch: u64,
    is_signer: bool,
    is_writable: bool,
    executable: bool,
}

impl CAccountInfo {
    #[inline(always)]
    fn from_view(view: &AccountView) -> Self {
        let raw = view.raw();
        Self {
            // SAFETY (fields): `raw` is a valid header (AccountView's
            // invariant); `addr_of!` takes field addresses without
            // creating references.
            key: unsafe { core::ptr::addr_of!((*raw).key) },
            lamports: unsafe { core::ptr::addr_of!((*raw).lamports) },
            data_len: view.data_len() as u64,
            data: view.data_ptr(),
            owner: unsafe { core::ptr::addr_of!((*raw).owner) },
            rent_epoch: 0,
            is_signer: view.is_signer(),
            is_writable: view.is_writable(),
            executable: view.executable(),
        }
    }
}

/// Invokes `instruction`; `accounts` lists the views of its accounts in
/// the same order as `instruction.accounts` (extra trailing views are
/// allowed).
#[inline(always)]
pub fn invoke<const N: usize>(instruction: &Instruction, accounts: &[&AccountView; N]) -> ProgramResult {
    invoke_signed(instruction, accounts, &[])
}

/// Invokes `instruction` with PDA `signers`.
///
/// Checked before the call, each with its own error:
/// - fewer views than metas, or more than [`MAX_CPI_ACCOUNTS`]:
///   `NotEnoughAccountKeys` / `InvalidArgument`;
/// - a view whose key differs from its meta: `InvalidArgument`;
/// - an account the callee may write that the caller still borrows, or a
///   read-only one the caller borrows mutably: `AccountBorrowFailed`.
#[inline(always)]
pub fn invoke_signed<const N: usize>(
    instruction: &Instruction,
    accounts: &[&AccountView; N],
    signers: &[Signer],
) -> ProgramResult {
    const { assert!(N <= MAX_CPI_ACCOUNTS, "too many CPI accounts") };
    if N < instruction.accounts.len() {
        return Err(ProgramError::NotEnoughAccountKeys);
    }
    for (view, meta) in accounts.iter().zip(instruction.accounts.iter()) {
        if view.key() != meta.pubkey {
            return Err(ProgramError::InvalidArgument);
        }
        let free = if meta.is_writable {
            view.can_borrow_mut_data() && view.can_borrow_mut_lamports()
        } else {
            view.can_borrow_data() && view.can_borrow_lamports()
        };
        if !free {
            return Err(ProgramError::AccountBorrowFailed);
        }
    }
    let infos: [CAccountInfo; N] = core::array::from_fn(|i| CAccountInfo::from_view(accounts[i]));
    let ix = CInstruction {
        program_id: instruction.program_id,
        accounts: instruction.accounts.as_ptr() as *const AccountMeta<'static>,
        accounts_len: instruction.accounts.len() as u64,
        data: instruction.data.as_ptr(),
        data_len: instruction.data.len() as u64,
    };
    // SAFETY: every pointer refers to live, correctly laid-out C structs
    // (`repr(C)` mirrors of the runtime's), and no Rust borrow of an
    // account the callee may modify is alive (checked above).
    let rc = unsafe {
        crate::syscalls::sol_invoke_signed_c(
            &ix as *const CInstruction as *const u8,
            infos.as_ptr() as *const u8,
            N as u64,
            signers.as_ptr() as *const u8,
            signers.len() as u64,
        )
    };
    match rc {
        0 => Ok(()),
        code => Err(ProgramError::from_u64(code).unwrap_or(ProgramError::InvalidArgument)),
    }
}
