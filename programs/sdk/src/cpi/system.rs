//! System program instructions: create, transfer, allocate, assign, and a
//! PDA creation that cannot be blocked by pre-funding.
//!
//! Instruction data: a `u32` little-endian discriminator, then the
//! arguments; the layout of each is written above its `data()`.

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountView;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;

/// The System program (`11111111111111111111111111111111`).
pub const SYSTEM_PROGRAM_ID: Pubkey = Pubkey([0; 32]);

/// `SystemInstruction::CreateAccount`.
pub const CREATE_ACCOUNT: u32 = 0;
/// `SystemInstruction::Assign`.
pub const ASSIGN: u32 = 1;
/// `SystemInstruction::Transfer`.
pub const TRANSFER: u32 = 2;
/// `SystemInstruction::Allocate`.
pub const ALLOCATE: u32 = 8;

/// Creates `to` with `lamports`, `space` bytes of zeroed data, owned by
/// `owner`. Both accounts sign (`to` usually through PDA seeds) and are
/// writable; `to` must have no lamports yet.
pub struct CreateAccount<'a> {
    /// Funding account.
    pub from: &'a AccountView,
    /// The new account.
    pub to: &'a AccountView,
    /// Initial balance.
    pub lamports: u64,
    /// Data length.
    pub space: u64,
    /// Program that will own it.
    pub owner: &'a Pubkey,
}

impl CreateAccount<'_> {
    /// `[0..4]` 0, `[4..12]` lamports, `[12..20]` space, `[20..52]` owner.
    #[inline(always)]
    pub fn data(&self) -> [u8; 52] {
        let mut d = [0u8; 52];
        d[0..4].copy_from_slice(&CREATE_ACCOUNT.to_le_bytes());
        d[4..12].copy_from_slice(&self.lamports.to_le_bytes());
        d[12..20].copy_from_slice(&self.space.to_le_bytes());
        d[20..52].copy_from_slice(&self.owner.0);
        d
    }

    cpi_invoke!(SYSTEM_PROGRAM_ID; from: writable_signer, to: writable_signer);
}

/// Moves `lamports` from `from` (a System-owned signer) to `to`.
pub struct Transfer<'a> {
    /// Source, writable signer.
    pub from: &'a AccountView,
    /// Destination, writable.
    pub to: &'a AccountView,
    /// Amount.
    pub lamports: u64,
}

impl Transfer<'_> {
    /// `[0..4]` 2, `[4..12]` lamports.
    #[inline(always)]
    pub fn data(&self) -> [u8; 12] {
        let mut d = [0u8; 12];
        d[0..4].copy_from_slice(&TRANSFER.to_le_bytes());
        d[4..12].copy_from_slice(&self.lamports.to_le_bytes());
        d
    }

    // `invoke_signed` when a System-owned PDA pays.
    cpi_invoke!(SYSTEM_PROGRAM_ID; from: writable_signer, to: writable);
}

/// Gives a System-owned, signing `account` `space` bytes of zeroed data.
pub struct Allocate<'a> {
    /// The account, writable signer.
    pub account: &'a AccountView,
    /// Data length.
    pub space: u64,
}

impl Allocate<'_> {
    /// `[0..4]` 8, `[4..12]` space.
    #[inline(always)]
    pub fn data(&self) -> [u8; 12] {
        let mut d = [0u8; 12];
        d[0..4].copy_from_slice(&ALLOCATE.to_le_bytes());
        d[4..12].copy_from_slice(&self.space.to_le_bytes());
        d
    }

    cpi_invoke!(SYSTEM_PROGRAM_ID; account: writable_signer);
}

/// Hands a System-owned, signing `account` to `owner`.
pub struct Assign<'a> {
    /// The account, writable signer.
    pub account: &'a AccountView,
    /// The new owner.
    pub owner: &'a Pubkey,
}

impl Assign<'_> {
    /// `[0..4]` 1, `[4..36]` owner.
    #[inline(always)]
    pub fn data(&self) -> [u8; 36] {
        let mut d = [0u8; 36];
        d[0..4].copy_from_slice(&ASSIGN.to_le_bytes());
        d[4..36].copy_from_slice(&self.owner.0);
        d
    }

    cpi_invoke!(SYSTEM_PROGRAM_ID; account: writable_signer);
}

/// Creates a rent-exempt account of `space` bytes owned by `owner`, paid
/// by `payer` — also when someone already sent lamports to the address.
///
/// `CreateAccount` fails on an address holding lamports, so anyone could
/// block the creation of a predictable PDA by funding it first. In that
/// case this tops the balance up to rent exemption and uses `Allocate` +
/// `Assign` instead (Anchor's `init` does the same).
pub struct CreateRentExempt<'a> {
    /// Funding account, writable signer.
    pub payer: &'a AccountView,
    /// The new account (a PDA signing through the seeds), writable.
    pub account: &'a AccountView,
    /// Data length.
    pub space: u64,
    /// Program that will own it.
    pub owner: &'a Pubkey,
}

impl CreateRentExempt<'_> {
    /// Creates the account; `signers` sign for `account`.
    ///
    /// Fails with `AccountAlreadyInitialized` if the account is not an
    /// empty System account.
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        if !self.account.is_owned_by(&SYSTEM_PROGRAM_ID) || !self.account.data_is_empty() {
            return Err(ProgramError::AccountAlreadyInitialized);
        }
        let needed = crate::sysvars::rent::Rent::get()?.minimum_balance(self.space as usize)?;
        let current = self.account.lamports();
        if current == 0 {
            return CreateAccount {
                from: self.payer,
                to: self.account,
                lamports: needed,
                space: self.space,
                owner: self.owner,
            }
            .invoke_signed(signers);
        }
        if current < needed {
            Transfer { from: self.payer, to: self.account, lamports: needed - current }.invoke()?;
        }
        Allocate { account: self.account, space: self.space }.invoke_signed(signers)?;
        Assign { account: self.account, owner: self.owner }.invoke_signed(signers)
    }
}
