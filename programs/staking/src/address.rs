//! How the program knows an account is the one its seeds name, without a
//! search: the config's canonical-PDA check, and a stake position's
//! create-with-seed address.
//!
//! The config PDA (it signs for the vault, so it must be a PDA) is checked
//! with the bump taken from instruction data: one `sol_sha256` (~130 CU) when the bump
//! is 255, plus one hash and one `sol_curve_validate_point` (159 CU) per
//! higher bump (314 CU each, measured by `gridpay bench staking`), instead of
//! `find_program_address` (1,500 CU per bump tried).
//!
//! A PDA is `sha256(seeds || bump || program_id || "ProgramDerivedAddress")`
//! off the ed25519 curve; the canonical bump is the highest bump whose hash
//! is off the curve. So `bump` is canonical for `account` iff the hash with
//! `bump` is `account`, that hash is off the curve, and the hash of every
//! higher bump is on it. The first and last are checked here. The middle one
//! is checked by the runtime when the program signs with these seeds to
//! create the account — the only use of this check — so it is not paid twice.
//! The config is created once per deployment, so this bump-dependent cost
//! is paid once.
//!
//! A stake position is not a PDA: nothing signs for it, and a PDA's
//! uniqueness costs 314 CU per bump below 255, which an operator cannot
//! choose (a quarter of all operators would pay 628 CU or more to open a
//! position). It lives at `create_with_seed(operator, "stake:<role>",
//! program_id)` = `sha256(operator || seed || program_id)`: one address per
//! (operator, role), one hash to check whatever the key, and only the
//! operator (the base, who must sign) can create it, in the same
//! transaction, with the System Program.

use gridpay_sdk::pda::{is_on_curve, PDA_MARKER};
use gridpay_sdk::{AccountView, ProgramError, Pubkey};

use crate::errors::StakingError;
use crate::state::STAKE_SEED_PREFIX;

/// The seed string of a role's position: `"stake:"` and the role's digit.
pub const STAKE_SEED_LEN: usize = STAKE_SEED_PREFIX.len() + 1;

/// `"stake:<role>"` for a role already checked to be below 10.
#[inline(always)]
pub fn stake_seed(role: u8) -> [u8; STAKE_SEED_LEN] {
    let mut seed = [0u8; STAKE_SEED_LEN];
    seed[..STAKE_SEED_PREFIX.len()].copy_from_slice(STAKE_SEED_PREFIX);
    seed[STAKE_SEED_PREFIX.len()] = b'0' + role;
    seed
}

/// `account` is `operator`'s position in `role`:
/// `create_with_seed(operator, "stake:<role>", program_id)`; else
/// `InvalidStakeAddress`.
#[inline(always)]
pub fn verify_stake_address(
    account: &AccountView,
    operator: &Pubkey,
    role: u8,
    program_id: &Pubkey,
) -> Result<(), ProgramError> {
    let mut buf = [0u8; 32 + STAKE_SEED_LEN + 32];
    buf[..32].copy_from_slice(operator.as_ref());
    buf[32..32 + STAKE_SEED_LEN].copy_from_slice(&stake_seed(role));
    buf[32 + STAKE_SEED_LEN..].copy_from_slice(program_id.as_ref());
    let mut hash = Pubkey::default();
    sha256(&buf, &mut hash);
    if account.key() != &hash {
        return Err(StakingError::InvalidStakeAddress.into());
    }
    Ok(())
}

/// Longest seed bytes hashed by [`verify_canonical`] (the config's `"config"`).
const MAX_SEED_BYTES: usize = 6;
const BUF_LEN: usize = MAX_SEED_BYTES + 1 + 32 + PDA_MARKER.len();

/// `account` is the PDA of `seeds` (bump excluded) under `program_id` with
/// the canonical `bump`. A different address — other seeds or a wrong bump —
/// is `InvalidPda`; the PDA of a lower, non-canonical bump is
/// `NonCanonicalBump`.
#[inline(always)]
pub fn verify_canonical(
    account: &AccountView,
    seeds: &[&[u8]],
    bump: u8,
    program_id: &Pubkey,
) -> Result<(), ProgramError> {
    // One contiguous buffer: the syscall charges at least 10 CU per slice.
    let mut buf = [0u8; BUF_LEN];
    let mut n = 0;
    for seed in seeds {
        let end = n + seed.len();
        if end > MAX_SEED_BYTES {
            return Err(StakingError::InvalidPda.into());
        }
        buf[n..end].copy_from_slice(seed);
        n = end;
    }
    let at_bump = n;
    buf[at_bump] = bump;
    buf[at_bump + 1..at_bump + 33].copy_from_slice(program_id.as_ref());
    buf[at_bump + 33..at_bump + 33 + PDA_MARKER.len()].copy_from_slice(PDA_MARKER);
    let buf = &mut buf[..at_bump + 33 + PDA_MARKER.len()];

    // One digest buffer for every hash (the SDK's `sha256v` zeroes and
    // returns a fresh one each time).
    let mut hash = Pubkey::default();
    sha256(buf, &mut hash);
    if account.key() != &hash {
        return Err(StakingError::InvalidPda.into());
    }
    let mut higher = bump;
    while higher < u8::MAX {
        higher += 1;
        buf[at_bump] = higher;
        sha256(buf, &mut hash);
        if !is_on_curve(&hash.0) {
            return Err(StakingError::NonCanonicalBump.into());
        }
    }
    Ok(())
}

/// `out = sha256(bytes)`, hashed as one slice.
#[inline(always)]
fn sha256(bytes: &[u8], out: &mut Pubkey) {
    let parts = [bytes];
    // SAFETY: `parts` has the `(ptr, len)` layout the syscall reads; `out`
    // is 32 writable bytes.
    unsafe { gridpay_sdk::syscalls::sol_sha256(parts.as_ptr() as *const u8, 1, out.0.as_mut_ptr()) };
}
