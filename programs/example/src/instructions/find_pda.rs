//! `find_pda(seed: bytes)`: the canonical PDA of `(seed)` under this
//! program, returned as 32 bytes of address and one of bump.
//!
//! Accounts: none. Instruction data after the discriminator is the seed.

use gridpay_sdk::log::set_return_data;
use gridpay_sdk::pda::{create_program_address, find_program_address};
use gridpay_sdk::{ProgramError, ProgramResult, Pubkey};

/// Finds the PDA and checks it against `create_program_address`.
pub fn process(program_id: &Pubkey, seed: &[u8]) -> ProgramResult {
    let (address, bump) = find_program_address(&[seed], program_id)?;
    // The lookup and the creation must agree.
    if create_program_address(&[seed, &[bump]], program_id)? != address {
        return Err(ProgramError::InvalidSeeds);
    }
    let mut out = [0u8; 33];
    out[..32].copy_from_slice(address.as_ref());
    out[32] = bump;
    set_return_data(&out);
    Ok(())
}
