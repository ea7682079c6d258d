//! `find_bump`: checks that account 0 is the canonical PDA `("scratch")` with
//! one `find_program_address` (1,500 CU per bump tried).
//!
//! Accounts:
//! 0. `[]` the PDA

use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use crate::state::SCRATCH_SEED;

/// Finds the PDA and compares it with the account (`InvalidSeeds` if it differs).
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [pda, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if !args.is_empty() {
        return Err(ProgramError::InvalidInstructionData);
    }
    let (address, _bump) = find_program_address(&[SCRATCH_SEED], program_id)?;
    if pda.key() != &address {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(())
}
