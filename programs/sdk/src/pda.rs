//! Program-derived addresses: `sha256(seeds || program_id ||
//! "ProgramDerivedAddress")`, valid only off the ed25519 curve.

use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// Most seeds an address may have (the bump included).
pub const MAX_SEEDS: usize = 16;
/// Longest seed in bytes.
pub const MAX_SEED_LEN: usize = 32;
/// Suffix hashed after the program id.
pub const PDA_MARKER: &[u8; 21] = b"ProgramDerivedAddress";

/// Rejects seed lists the syscall would abort on, with an error instead.
#[inline(always)]
fn check_seeds(seeds: &[&[u8]], max: usize) -> Result<(), ProgramError> {
    if seeds.len() > max {
        return Err(ProgramError::MaxSeedLengthExceeded);
    }
    for s in seeds {
        if s.len() > MAX_SEED_LEN {
            return Err(ProgramError::MaxSeedLengthExceeded);
        }
    }
    Ok(())
}

/// The address for `seeds` (bump included) under `program_id`
/// (1,500 CU on-chain).
///
/// Errors: `MaxSeedLengthExceeded` for more than 16 seeds or a seed over
/// 32 bytes; `InvalidSeeds` if the hash lies on the curve.
#[inline]
pub fn create_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<Pubkey, ProgramError> {
    check_seeds(seeds, MAX_SEEDS)?;
    let mut out = Pubkey::default();
    // SAFETY: `seeds` has the `(ptr, len)` layout the syscall reads;
    // `program_id` and `out` are 32 valid bytes each.
    let rc = unsafe {
        crate::syscalls::sol_create_program_address(
            seeds.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.0.as_ptr(),
            out.0.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok(out)
}

/// The canonical address and bump for `seeds` (bump excluded): the
/// highest bump whose address is off the curve. Costs 1,500 CU per bump
/// tried on-chain — store the bump and use [`create_program_address`]
/// (or [`crate::verify::verify_pda`]) on later calls.
///
/// Errors: `MaxSeedLengthExceeded` for more than 15 seeds or a seed over
/// 32 bytes; `InvalidSeeds` if no bump works.
#[inline]
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Result<(Pubkey, u8), ProgramError> {
    check_seeds(seeds, MAX_SEEDS - 1)?;
    let mut out = Pubkey::default();
    let mut bump = 0u8;
    // SAFETY: as in `create_program_address`; `bump` is one valid byte.
    let rc = unsafe {
        crate::syscalls::sol_try_find_program_address(
            seeds.as_ptr() as *const u8,
            seeds.len() as u64,
            program_id.0.as_ptr(),
            out.0.as_mut_ptr(),
            &mut bump,
        )
    };
    if rc != 0 {
        return Err(ProgramError::InvalidSeeds);
    }
    Ok((out, bump))
}
