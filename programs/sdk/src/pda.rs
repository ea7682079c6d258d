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

/// Whether `point` is the compressed form of an ed25519 point: a hash that
/// is can never be a PDA. One `sol_curve_validate_point` (159 CU).
#[inline(always)]
pub fn is_on_curve(point: &[u8; 32]) -> bool {
    /// `CURVE25519_EDWARDS` in the runtime's curve syscalls.
    const EDWARDS: u64 = 0;
    let mut unused = 0u8;
    // SAFETY: `point` is 32 readable bytes, `unused` one writable byte. The
    // syscall returns 0 for a valid point, 1 otherwise.
    unsafe { crate::syscalls::sol_curve_validate_point(EDWARDS, point.as_ptr(), &mut unused) == 0 }
}

/// Longest input [`find_program_address_hashed`] hashes: 15 seeds of 32
/// bytes, the bump, the program id and the marker.
const MAX_PDA_INPUT: usize = (MAX_SEEDS - 1) * MAX_SEED_LEN + 1 + 32 + PDA_MARKER.len();

/// The same address and bump as [`find_program_address`], found by hashing
/// in the program: one `sol_sha256` over one buffer (~130 CU) and one
/// [`is_on_curve`] (159 CU) per bump tried, instead of 1,500 CU per bump.
///
/// Errors: as [`find_program_address`].
#[inline(never)]
pub fn find_program_address_hashed(seeds: &[&[u8]], program_id: &Pubkey) -> Result<(Pubkey, u8), ProgramError> {
    check_seeds(seeds, MAX_SEEDS - 1)?;
    // One contiguous buffer: the syscall charges at least 10 CU per slice.
    let mut buf = [0u8; MAX_PDA_INPUT];
    let mut n = 0;
    for seed in seeds {
        buf[n..n + seed.len()].copy_from_slice(seed);
        n += seed.len();
    }
    let at_bump = n;
    buf[at_bump + 1..at_bump + 33].copy_from_slice(program_id.as_ref());
    buf[at_bump + 33..at_bump + 33 + PDA_MARKER.len()].copy_from_slice(PDA_MARKER);
    let input = &mut buf[..at_bump + 33 + PDA_MARKER.len()];
    let mut hash = Pubkey::default();
    let mut bump = u8::MAX;
    loop {
        input[at_bump] = bump;
        let parts: [&[u8]; 1] = [input];
        // SAFETY: `parts` has the `(ptr, len)` layout the syscall reads;
        // `hash` is 32 writable bytes.
        unsafe { crate::syscalls::sol_sha256(parts.as_ptr() as *const u8, 1, hash.0.as_mut_ptr()) };
        if !is_on_curve(&hash.0) {
            return Ok((hash, bump));
        }
        if bump == 0 {
            return Err(ProgramError::InvalidSeeds);
        }
        bump -= 1;
    }
}
