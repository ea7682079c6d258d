//! SPL Token instructions: `TransferChecked`, `InitializeAccount3`,
//! `CloseAccount`.
//!
//! Instruction data: a one-byte discriminator, then the arguments; the
//! layout of each is written above its `data()`. Authorities sign either
//! as transaction signers or as PDAs of the caller (`invoke_signed`).

use super::{invoke_signed, AccountMeta, Instruction, Signer};
use crate::account::AccountView;
use crate::error::ProgramResult;
use crate::pubkey::Pubkey;

/// The SPL Token program.
pub const TOKEN_PROGRAM_ID: Pubkey = Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/// `TokenInstruction::CloseAccount`.
pub const CLOSE_ACCOUNT: u8 = 9;
/// `TokenInstruction::TransferChecked`.
pub const TRANSFER_CHECKED: u8 = 12;
/// `TokenInstruction::InitializeAccount3`.
pub const INITIALIZE_ACCOUNT_3: u8 = 18;

/// Moves `amount` base units from `from` to `to`, both token accounts of
/// `mint`; the token program checks `decimals` against the mint.
pub struct TransferChecked<'a> {
    /// Source token account, writable.
    pub from: &'a AccountView,
    /// The mint.
    pub mint: &'a AccountView,
    /// Destination token account, writable.
    pub to: &'a AccountView,
    /// Owner or delegate of `from`, signer.
    pub authority: &'a AccountView,
    /// Amount in base units.
    pub amount: u64,
    /// The mint's decimals.
    pub decimals: u8,
}

impl TransferChecked<'_> {
    /// `[0]` 12, `[1..9]` amount, `[9]` decimals.
    #[inline(always)]
    pub fn data(&self) -> [u8; 10] {
        let mut d = [0u8; 10];
        d[0] = TRANSFER_CHECKED;
        d[1..9].copy_from_slice(&self.amount.to_le_bytes());
        d[9] = self.decimals;
        d
    }

    cpi_invoke!(TOKEN_PROGRAM_ID; from: writable, mint: readonly, to: writable,
                authority: readonly_signer);
}

/// Initializes `account` (already allocated with 165 bytes and owned by
/// the token program) as a token account of `mint` owned by `owner`.
pub struct InitializeAccount3<'a> {
    /// The account, writable.
    pub account: &'a AccountView,
    /// The mint.
    pub mint: &'a AccountView,
    /// The token account's owner (e.g. a PDA of the caller).
    pub owner: &'a Pubkey,
}

impl InitializeAccount3<'_> {
    /// `[0]` 18, `[1..33]` owner.
    #[inline(always)]
    pub fn data(&self) -> [u8; 33] {
        let mut d = [0u8; 33];
        d[0] = INITIALIZE_ACCOUNT_3;
        d[1..33].copy_from_slice(&self.owner.0);
        d
    }

    // No signature needed: `invoke()`.
    cpi_invoke!(TOKEN_PROGRAM_ID; account: writable, mint: readonly);
}

/// Closes an empty token account, sending its rent to `destination`.
pub struct CloseAccount<'a> {
    /// The token account, writable, balance zero.
    pub account: &'a AccountView,
    /// Receives the lamports, writable.
    pub destination: &'a AccountView,
    /// The account's owner (or close authority), signer.
    pub authority: &'a AccountView,
}

impl CloseAccount<'_> {
    /// `[0]` 9.
    #[inline(always)]
    pub fn data(&self) -> [u8; 1] {
        [CLOSE_ACCOUNT]
    }

    cpi_invoke!(TOKEN_PROGRAM_ID; account: writable, destination: writable,
                authority: readonly_signer);
}
