//! `verify_ed25519(message: bytes)`: succeeds only if the instruction just
//! before this one is the Ed25519 precompile holding a signature by
//! `signer` over exactly `message` (the instruction data after the
//! discriminator). Returns the entry's index.
//!
//! Accounts:
//! 0. `[]` Instructions sysvar
//! 1. `[]` signer whose signature is expected (it need not sign the
//!    transaction: the precompile checked its signature)

use gridpay_sdk::ed25519::Ed25519Instruction;
use gridpay_sdk::log::set_return_data;
use gridpay_sdk::sysvars::instructions::Instructions;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

use crate::errors::ExampleError;

/// Finds the signature.
pub fn process(accounts: &[AccountView], message: &[u8]) -> ProgramResult {
    let [sysvar, signer, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let instructions = Instructions::from_account(sysvar)?;
    let previous = instructions
        .load_relative(-1)
        .map_err(|_| ProgramError::from(ExampleError::MissingSignatureInstruction))?;
    let precompile = Ed25519Instruction::parse(&previous)?;
    for i in 0..precompile.len() {
        let entry = precompile.entry(i)?;
        if entry.pubkey == signer.key() && entry.message == message {
            set_return_data(&[i as u8]);
            return Ok(());
        }
    }
    Err(ProgramError::MissingRequiredSignature)
}
