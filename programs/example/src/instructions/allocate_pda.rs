//! `allocate_pda(bump: u8)`: gives the PDA `("scratch", bump)` `SCRATCH_LEN`
//! bytes through a System `Allocate` CPI signed with its seeds — a
//! `create_program_address` and a signed CPI, the shape of
//! solana-program-rosetta's `cpi` program.
//!
//! Accounts:
//! 0. `[writable]` the PDA (System-owned, funded for rent by the caller)
//! 1. `[]` System program

use gridpay_sdk::cpi::system::{Allocate, SYSTEM_PROGRAM_ID};
use gridpay_sdk::verify::{verify_pda, verify_program, verify_writable};
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

use super::derive_pda::read_bump;
use crate::state::{SCRATCH_LEN, SCRATCH_SEED};

/// Verifies the PDA, then allocates its data.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [pda, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_writable(pda)?;
    verify_program(system_program, &SYSTEM_PROGRAM_ID)?;
    let bump = [read_bump(args)?];
    verify_pda(pda, &[SCRATCH_SEED, &bump], program_id)?;
    let signer_seeds = seeds!(SCRATCH_SEED, &bump);
    Allocate { account: pda, space: SCRATCH_LEN }.invoke_signed(&[(&signer_seeds).into()])
}
