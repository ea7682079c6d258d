//! Account checks that fail with the program's own named errors (the SDK's
//! `verify_*` checks mapped to [`EscrowError`]), state loading, the cheap
//! PDA check, and USDC leaving the vault.

use gridpay_sdk::account::{AccountView, Ref, RefMut};
use gridpay_sdk::cpi::system::SYSTEM_PROGRAM_ID;
use gridpay_sdk::cpi::token::{TransferChecked, TOKEN_PROGRAM_ID};
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::pda::PDA_MARKER;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::token::TokenAccount;
use gridpay_sdk::{seeds, ProgramError, ProgramResult, Pubkey};

use crate::errors::EscrowError;
use crate::logic::USDC_DECIMALS;
use crate::state::Job;

/// Seed of the config PDA.
pub const CONFIG_SEED: &[u8] = b"config";
/// First seed of a credit account PDA (then the wallet).
pub const CREDIT_SEED: &[u8] = b"credit";
/// First seed of a job PDA (then the credit account and the job id, u64 LE).
pub const JOB_SEED: &[u8] = b"job";

type Result<T> = core::result::Result<T, EscrowError>;

/// The account signed the transaction.
#[inline(always)]
pub fn verify_signer(account: &AccountView) -> Result<()> {
    gridpay_sdk::verify::verify_signer(account).map_err(|_| EscrowError::MissingSignature)
}

/// The account is writable in this instruction.
#[inline(always)]
pub fn verify_writable(account: &AccountView) -> Result<()> {
    gridpay_sdk::verify::verify_writable(account).map_err(|_| EscrowError::AccountNotWritable)
}

/// The account is the SPL Token program.
#[inline(always)]
pub fn verify_token_program(account: &AccountView) -> Result<()> {
    if account.key() != &TOKEN_PROGRAM_ID {
        return Err(EscrowError::InvalidTokenProgram);
    }
    Ok(())
}

/// The account is the System Program.
#[inline(always)]
pub fn verify_system_program(account: &AccountView) -> Result<()> {
    if account.key() != &SYSTEM_PROGRAM_ID {
        return Err(EscrowError::InvalidSystemProgram);
    }
    Ok(())
}

/// Two roles that must be different accounts are.
#[inline(always)]
pub fn verify_distinct(a: &AccountView, b: &AccountView) -> Result<()> {
    gridpay_sdk::verify::verify_distinct(a, b).map_err(|_| EscrowError::DuplicateAccount)
}

/// The SDK's load errors as named errors: a foreign owner, or the same
/// account already borrowed in another role (a duplicate), or data that is
/// not this type.
#[inline(always)]
fn load_error(e: ProgramError) -> EscrowError {
    match e {
        ProgramError::InvalidAccountOwner => EscrowError::InvalidAccountOwner,
        ProgramError::AccountBorrowFailed => EscrowError::DuplicateAccount,
        _ => EscrowError::InvalidAccountData,
    }
}

/// Borrows the state of a program account.
#[inline(always)]
pub fn load<'a, T: AccountState>(account: &'a AccountView, program_id: &Pubkey) -> Result<Ref<'a, T>> {
    T::load(account, program_id).map_err(load_error)
}

/// Borrows the state of a program account mutably.
#[inline(always)]
pub fn load_mut<'a, T: AccountState>(account: &'a AccountView, program_id: &Pubkey) -> Result<RefMut<'a, T>> {
    T::load_mut(account, program_id).map_err(load_error)
}

/// Borrows an open job. A job that was settled or refunded (closed:
/// empty and owned by the System Program, even if lamports were sent back to
/// it in the same transaction) or never locked is `JobNotOpen`.
#[inline(always)]
pub fn load_job<'a>(account: &'a AccountView, program_id: &Pubkey) -> Result<Ref<'a, Job>> {
    if account.is_owned_by(&SYSTEM_PROGRAM_ID) && account.data_is_empty() {
        return Err(EscrowError::JobNotOpen);
    }
    load::<Job>(account, program_id)
}

/// A USDC token account: owned by SPL Token, initialized, of `mint`, with
/// `owner` as its owner (`owner_error` otherwise).
#[inline(always)]
pub fn verify_usdc_account(
    account: &AccountView,
    mint: &Pubkey,
    owner: &Pubkey,
    owner_error: EscrowError,
) -> Result<()> {
    let token = TokenAccount::from_account(account).map_err(|e| match e {
        ProgramError::AccountBorrowFailed => EscrowError::DuplicateAccount,
        _ => EscrowError::InvalidTokenAccount,
    })?;
    if token.mint() != mint {
        return Err(EscrowError::InvalidMint);
    }
    if token.owner() != owner {
        return Err(owner_error);
    }
    Ok(())
}

/// The account's address is the PDA of `seeds` (bump included) under
/// `program_id`, checked with one `sol_sha256` (~200 CU) instead of
/// `create_program_address` (1,500 CU). The hash alone does not prove the
/// address is off the curve; the runtime checks that when the program signs
/// with these seeds to create the account, which is the only use of this.
#[inline(always)]
pub fn verify_pda_hash(account: &AccountView, seeds: &[&[u8]; 4], program_id: &Pubkey) -> Result<()> {
    let hash = gridpay_sdk::hash::sha256v(&[
        seeds[0],
        seeds[1],
        seeds[2],
        seeds[3],
        program_id.as_ref(),
        PDA_MARKER,
    ]);
    if account.key().0 != hash {
        return Err(EscrowError::InvalidPda);
    }
    Ok(())
}

/// Pays `amount` USDC base units from the vault, signed by the config PDA
/// (the vault's token authority).
#[inline(always)]
pub fn pay_from_vault(
    vault: &AccountView,
    mint: &AccountView,
    to: &AccountView,
    config: &AccountView,
    config_bump: u8,
    amount: u64,
) -> ProgramResult {
    let bump = [config_bump];
    let signer_seeds = seeds!(CONFIG_SEED, &bump);
    TransferChecked { from: vault, mint, to, authority: config, amount, decimals: USDC_DECIMALS }
        .invoke_signed(&[Signer::from(&signer_seeds)])
}
