//! Introspection of the transaction's instructions through the
//! Instructions sysvar account.
//!
//! ```text
//! [0..2]          u16 number of instructions n
//! [2..2+2n]       u16 offset of each instruction
//! at each offset: u16 number of accounts m
//!                 m × (u8 flags: bit 0 signer, bit 1 writable; [u8; 32] key)
//!                 [u8; 32] program id
//!                 u16 data length, data
//! last 2 bytes:   u16 index of the executing instruction
//! ```
//!
//! Every offset and length is bounds-checked: malformed data gives
//! `InvalidAccountData`, an index past the end `InvalidArgument`.

use core::ops::Deref;

use crate::account::{AccountView, Ref};
use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// `Sysvar1nstructions1111111111111111111111111`.
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = Pubkey::from_str_const("Sysvar1nstructions1111111111111111111111111");

/// Bytes per account entry (flags + key).
const ACCOUNT_ENTRY_LEN: usize = 33;

#[inline(always)]
fn read_u16(data: &[u8], at: usize) -> Result<u16, ProgramError> {
    match data.get(at..at + 2) {
        Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
        None => Err(ProgramError::InvalidAccountData),
    }
}

/// The Instructions sysvar's data.
pub struct Instructions<T: Deref<Target = [u8]>> {
    data: T,
}

impl<'a> Instructions<Ref<'a, [u8]>> {
    /// Borrows the sysvar account; `UnsupportedSysvar` if `account` is not
    /// the Instructions sysvar.
    #[inline]
    pub fn from_account(account: &'a AccountView) -> Result<Self, ProgramError> {
        if account.key() != &INSTRUCTIONS_SYSVAR_ID {
            return Err(ProgramError::UnsupportedSysvar);
        }
        Ok(Self { data: account.try_borrow_data()? })
    }
}

impl<'a> Instructions<&'a [u8]> {
    /// Wraps raw sysvar bytes (tests, clients).
    #[inline]
    pub fn from_bytes(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl<T: Deref<Target = [u8]>> Instructions<T> {
    /// Number of instructions in the transaction.
    #[inline]
    pub fn num_instructions(&self) -> Result<usize, ProgramError> {
        Ok(read_u16(&self.data, 0)? as usize)
    }

    /// Index of the instruction being executed.
    #[inline]
    pub fn current_index(&self) -> Result<u16, ProgramError> {
        let len = self.data.len();
        if len < 2 {
            return Err(ProgramError::InvalidAccountData);
        }
        read_u16(&self.data, len - 2)
    }

    /// The instruction at `index`.
    pub fn load_instruction_at(&self, index: usize) -> Result<IntrospectedInstruction<'_>, ProgramError> {
        let data: &[u8] = &self.data;
        if index >= self.num_instructions()? {
            return Err(ProgramError::InvalidArgument);
        }
        let start = read_u16(data, 2 + 2 * index)? as usize;
        let num_accounts = read_u16(data, start)? as usize;
        let accounts_start = start + 2;
        let program_id_start = accounts_start + num_accounts * ACCOUNT_ENTRY_LEN;
        let data_len_at = program_id_start + 32;
        let ix_data_len = read_u16(data, data_len_at)? as usize;
        let ix_data_start = data_len_at + 2;
        let (Some(accounts), Some(program_id), Some(ix_data)) = (
            data.get(accounts_start..program_id_start),
            data.get(program_id_start..data_len_at),
            data.get(ix_data_start..ix_data_start + ix_data_len),
        ) else {
            return Err(ProgramError::InvalidAccountData);
        };
        // SAFETY: `program_id` is exactly 32 bytes and `Pubkey` is a
        // `repr(transparent)` byte array (alignment 1).
        let program_id = unsafe { &*(program_id.as_ptr() as *const Pubkey) };
        Ok(IntrospectedInstruction { index: index as u16, accounts, program_id, data: ix_data })
    }

    /// The instruction `offset` positions from the executing one (`-1`:
    /// the previous one).
    pub fn load_relative(&self, offset: i64) -> Result<IntrospectedInstruction<'_>, ProgramError> {
        // Wrapping: a huge offset wraps negative and is rejected below.
        let index = (self.current_index()? as i64).wrapping_add(offset);
        if index < 0 {
            return Err(ProgramError::InvalidArgument);
        }
        self.load_instruction_at(index as usize)
    }
}

/// One instruction of the transaction, borrowed from the sysvar data.
#[derive(Clone, Copy, Debug)]
pub struct IntrospectedInstruction<'a> {
    index: u16,
    accounts: &'a [u8],
    program_id: &'a Pubkey,
    data: &'a [u8],
}

/// An account entry of an introspected instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntrospectedAccount<'a> {
    /// The account's address.
    pub key: &'a Pubkey,
    /// Whether it signs.
    pub is_signer: bool,
    /// Whether it is writable.
    pub is_writable: bool,
}

impl<'a> IntrospectedInstruction<'a> {
    /// Position of this instruction in the transaction.
    #[inline(always)]
    pub fn index(&self) -> u16 {
        self.index
    }

    /// The program it calls.
    #[inline(always)]
    pub fn program_id(&self) -> &'a Pubkey {
        self.program_id
    }

    /// Its instruction data.
    #[inline(always)]
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Number of accounts.
    #[inline(always)]
    pub fn num_accounts(&self) -> usize {
        self.accounts.len() / ACCOUNT_ENTRY_LEN
    }

    /// Its account at position `i`; `InvalidArgument` past the end.
    #[inline]
    pub fn account(&self, i: usize) -> Result<IntrospectedAccount<'a>, ProgramError> {
        let entry = self
            .accounts
            .get(i * ACCOUNT_ENTRY_LEN..(i + 1) * ACCOUNT_ENTRY_LEN)
            .ok_or(ProgramError::InvalidArgument)?;
        let flags = entry[0];
        // SAFETY: `entry[1..]` is exactly 32 bytes; `Pubkey` is a
        // `repr(transparent)` byte array (alignment 1).
        let key = unsafe { &*(entry.as_ptr().add(1) as *const Pubkey) };
        Ok(IntrospectedAccount { key, is_signer: flags & 1 != 0, is_writable: flags & 2 != 0 })
    }
}
