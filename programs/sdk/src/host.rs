//! Host-side program input: serialize accounts exactly as the loader does,
//! run a program's `process_instruction` natively on it, and read the
//! accounts back. The native half of differential tests (the same input
//! then runs in LiteSVM) and of this crate's own parser tests.

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use core::mem::size_of;

use crate::account::{AccountView, RawAccount, MAX_PERMITTED_DATA_INCREASE};
use crate::entrypoint::{BPF_ALIGN_OF_U128, NON_DUP_MARKER};
use crate::error::ProgramResult;
use crate::pubkey::Pubkey;

/// An account as a test describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestAccount {
    /// Address.
    pub key: Pubkey,
    /// Owning program.
    pub owner: Pubkey,
    /// Balance.
    pub lamports: u64,
    /// Data.
    pub data: Vec<u8>,
    /// Signed the transaction.
    pub is_signer: bool,
    /// Writable in the instruction.
    pub is_writable: bool,
    /// Executable program.
    pub executable: bool,
}

/// One position of the instruction's account list.
#[derive(Clone, Debug)]
pub enum InputAccount {
    /// A first occurrence.
    Account(TestAccount),
    /// A repeat of the account at this earlier position.
    Duplicate(u8),
}

/// A serialized program input, 8-byte aligned like the loader's.
pub struct SerializedInput {
    words: Vec<u64>,
    /// Byte offset of each position's header (a duplicate: its original's).
    headers: Vec<usize>,
}

fn align(n: usize) -> usize {
    (n + BPF_ALIGN_OF_U128 - 1) & !(BPF_ALIGN_OF_U128 - 1)
}

/// Serializes `accounts`, `data` and `program_id` in the loader's layout
/// (see [`crate::entrypoint`]).
///
/// # Panics
/// If a duplicate names a position that is not earlier.
pub fn serialize(accounts: &[InputAccount], data: &[u8], program_id: &Pubkey) -> SerializedInput {
    let mut bytes: Vec<u8> = Vec::new();
    let mut headers = Vec::new();
    bytes.extend_from_slice(&(accounts.len() as u64).to_le_bytes());
    for (i, entry) in accounts.iter().enumerate() {
        match entry {
            InputAccount::Duplicate(original) => {
                assert!((*original as usize) < i, "duplicate {i} must name an earlier position");
                headers.push(headers[*original as usize]);
                bytes.push(*original);
                bytes.extend_from_slice(&[0u8; 7]);
            }
            InputAccount::Account(a) => {
                headers.push(bytes.len());
                bytes.extend_from_slice(&[NON_DUP_MARKER, a.is_signer as u8, a.is_writable as u8, a.executable as u8]);
                bytes.extend_from_slice(&[0u8; 4]);
                bytes.extend_from_slice(&a.key.0);
                bytes.extend_from_slice(&a.owner.0);
                bytes.extend_from_slice(&a.lamports.to_le_bytes());
                bytes.extend_from_slice(&(a.data.len() as u64).to_le_bytes());
                bytes.extend_from_slice(&a.data);
                let padded = align(bytes.len() + MAX_PERMITTED_DATA_INCREASE);
                bytes.resize(padded, 0);
                bytes.extend_from_slice(&u64::MAX.to_le_bytes()); // rent epoch
            }
        }
    }
    bytes.extend_from_slice(&(data.len() as u64).to_le_bytes());
    bytes.extend_from_slice(data);
    bytes.extend_from_slice(&program_id.0);
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        words[i] = u64::from_ne_bytes(w);
    }
    SerializedInput { words, headers }
}

impl SerializedInput {
    /// The buffer's start, as the loader passes it to `entrypoint`.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.words.as_mut_ptr() as *mut u8
    }

    fn raw(&self, position: usize) -> &RawAccount {
        let offset = self.headers[position];
        // SAFETY: `offset` is where `serialize` wrote a full header, inside
        // the 8-byte-aligned buffer.
        unsafe { &*((self.words.as_ptr() as *const u8).add(offset) as *const RawAccount) }
    }

    /// The account at `position` as it is now (after a run: the program's
    /// writes, data at its current length).
    pub fn account(&self, position: usize) -> TestAccount {
        let raw = self.raw(position);
        let data_start = self.headers[position] + size_of::<RawAccount>();
        // SAFETY: the data follows the header, with the growth padding
        // behind it; a program cannot set a longer length than that.
        let data = unsafe {
            core::slice::from_raw_parts((self.words.as_ptr() as *const u8).add(data_start), raw.data_len as usize)
        };
        TestAccount {
            key: raw.key,
            owner: raw.owner,
            lamports: raw.lamports,
            data: data.to_vec(),
            is_signer: raw.is_signer != 0,
            is_writable: raw.is_writable != 0,
            executable: raw.executable != 0,
        }
    }

    /// The borrow-state byte of the account at `position` (`0xFF`: no
    /// borrow).
    pub fn borrow_state(&self, position: usize) -> u8 {
        self.raw(position).borrow_state
    }

    /// Number of account positions.
    pub fn len(&self) -> usize {
        self.headers.len()
    }

    /// Whether there are no accounts.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }
}

/// The signature of a program's instruction processor.
pub type Processor = fn(&Pubkey, &[AccountView], &[u8]) -> ProgramResult;

/// Serializes the input, runs `process` on it through the same parser the
/// on-chain entrypoint uses, and returns the loader-style result code
/// (0 = success) with every position's account afterwards.
pub fn run(
    process: Processor,
    accounts: &[InputAccount],
    data: &[u8],
    program_id: &Pubkey,
) -> (u64, Vec<TestAccount>) {
    let mut input = serialize(accounts, data, program_id);
    // SAFETY: `serialize` produced a valid input buffer that outlives the
    // call.
    let rc = unsafe { crate::entrypoint::run::<{ crate::entrypoint::DEFAULT_MAX_ACCOUNTS }, _>(input.as_mut_ptr(), process) };
    let after = (0..input.len()).map(|i| input.account(i)).collect();
    (rc, after)
}
