//! One folder per instruction: `accounts.rs` turns the account slice into a
//! named struct, validating in numbered steps (signers, writable, program
//! ids) before any logic runs; `data.rs` parses the arguments after the
//! 8-byte discriminator, refusing any length but the exact one;
//! `processor.rs` checks state-dependent relations, calls the pure logic
//! (`crate::logic`), moves tokens and emits the event.

pub mod claim_fees;
pub mod close_credit_account;
pub mod deposit;
pub mod initialize;
pub mod lock_job;
pub mod refund_job;
pub mod settle_job;
pub mod settle_jobs;
pub mod update_config;
pub mod withdraw;

use gridpay_sdk::borsh::{Borsh, Reader};

use crate::errors::EscrowError;

/// Reads the arguments of an instruction: every field present, nothing
/// after them.
pub(crate) struct Args<'a>(Reader<'a>);

impl<'a> Args<'a> {
    #[inline(always)]
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self(Reader::new(data))
    }
    #[inline(always)]
    pub(crate) fn read<T: Borsh>(&mut self) -> Result<T, EscrowError> {
        self.0.read().map_err(|_| EscrowError::InvalidInstructionData)
    }
    #[inline(always)]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], EscrowError> {
        self.0.take(n).map_err(|_| EscrowError::InvalidInstructionData)
    }
    #[inline(always)]
    pub(crate) fn finish(self) -> Result<(), EscrowError> {
        self.0.finish().map_err(|_| EscrowError::InvalidInstructionData)
    }
}
