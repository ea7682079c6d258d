//! `derive_pda(bump: u8)`: checks that account 0 is the PDA `("scratch", bump)`
//! with one `create_program_address` (the way a program verifies a PDA whose
//! bump it stored).
//!
//! Accounts:
//! 0. `[]` the PDA

use gridpay_sdk::borsh::Reader;
use gridpay_sdk::verify::verify_pda;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use crate::state::SCRATCH_SEED;

/// Reads the bump and verifies the address (`InvalidSeeds` if it differs).
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [pda, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let bump = read_bump(args)?;
    verify_pda(pda, &[SCRATCH_SEED, &[bump]], program_id)
}

/// The single `u8` argument.
pub(crate) fn read_bump(args: &[u8]) -> Result<u8, ProgramError> {
    let mut r = Reader::new(args);
    let bump = r.read::<u8>()?;
    r.finish()?;
    Ok(bump)
}
