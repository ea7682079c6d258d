//! Account checks, one per property, each with its own error, so an
//! instruction's account validation reads like a checklist:
//!
//! | check | error |
//! |---|---|
//! | [`verify_signer`] | `MissingRequiredSignature` |
//! | [`verify_writable`] | `Immutable` |
//! | [`verify_owned_by`] | `InvalidAccountOwner` |
//! | [`verify_address`] | `IncorrectAuthority` |
//! | [`verify_program`] | `IncorrectProgramId` |
//! | [`verify_pda`] | `InvalidSeeds` |
//! | [`verify_uninitialized`] | `AccountAlreadyInitialized` |
//! | [`verify_distinct`] | `InvalidArgument` |
//!
//! Programs that name each failure map these to their own errors with
//! `map_err`.

use crate::account::AccountView;
use crate::error::{ProgramError, ProgramResult};
use crate::pubkey::Pubkey;

/// The account signed.
#[inline(always)]
pub fn verify_signer(account: &AccountView) -> ProgramResult {
    if !account.is_signer() {
        return Err(ProgramError::MissingRequiredSignature);
    }
    Ok(())
}

/// The account is writable.
#[inline(always)]
pub fn verify_writable(account: &AccountView) -> ProgramResult {
    if !account.is_writable() {
        return Err(ProgramError::Immutable);
    }
    Ok(())
}

/// `owner` owns the account.
#[inline(always)]
pub fn verify_owned_by(account: &AccountView, owner: &Pubkey) -> ProgramResult {
    if !account.is_owned_by(owner) {
        return Err(ProgramError::InvalidAccountOwner);
    }
    Ok(())
}

/// The account is the expected one (a stored authority, vault, mint…).
#[inline(always)]
pub fn verify_address(account: &AccountView, expected: &Pubkey) -> ProgramResult {
    if account.key() != expected {
        return Err(ProgramError::IncorrectAuthority);
    }
    Ok(())
}

/// The account is the executable program `program_id`.
#[inline(always)]
pub fn verify_program(account: &AccountView, program_id: &Pubkey) -> ProgramResult {
    if account.key() != program_id || !account.executable() {
        return Err(ProgramError::IncorrectProgramId);
    }
    Ok(())
}

/// The account's address is the PDA of `seeds` (bump included) under
/// `program_id` (one `create_program_address`, 1,500 CU).
#[inline]
pub fn verify_pda(account: &AccountView, seeds: &[&[u8]], program_id: &Pubkey) -> ProgramResult {
    match crate::pda::create_program_address(seeds, program_id) {
        Ok(address) if &address == account.key() => Ok(()),
        _ => Err(ProgramError::InvalidSeeds),
    }
}

/// The account is an empty System account (nothing created there yet).
#[inline(always)]
pub fn verify_uninitialized(account: &AccountView) -> ProgramResult {
    if !account.is_owned_by(&crate::cpi::system::SYSTEM_PROGRAM_ID) || !account.data_is_empty() {
        return Err(ProgramError::AccountAlreadyInitialized);
    }
    Ok(())
}

/// `a` and `b` are different accounts (not one account passed twice).
#[inline(always)]
pub fn verify_distinct(a: &AccountView, b: &AccountView) -> ProgramResult {
    if a.key() == b.key() {
        return Err(ProgramError::InvalidArgument);
    }
    Ok(())
}
