//! Account checks, each failing with its own named error, so every
//! `accounts.rs` reads as a checklist. Thin wrappers over the SDK's
//! `verify_*` helpers and readers.

use gridpay_sdk::account::{Ref, RefMut};
use gridpay_sdk::cpi::system::SYSTEM_PROGRAM_ID;
use gridpay_sdk::cpi::token::TOKEN_PROGRAM_ID;
use gridpay_sdk::state::{from_bytes_mut, AccountState};
use gridpay_sdk::sysvars::instructions::INSTRUCTIONS_SYSVAR_ID;
use gridpay_sdk::token::{Mint, TokenAccount};
use gridpay_sdk::{AccountView, ProgramError, Pubkey};

use crate::errors::StakingError;

pub type Result<T> = core::result::Result<T, ProgramError>;

#[inline(always)]
pub fn signer(account: &AccountView) -> Result<()> {
    if !account.is_signer() {
        return Err(StakingError::MissingSignature.into());
    }
    Ok(())
}

#[inline(always)]
pub fn writable(account: &AccountView) -> Result<()> {
    if !account.is_writable() {
        return Err(StakingError::AccountNotWritable.into());
    }
    Ok(())
}

#[inline(always)]
pub fn writable_signer(account: &AccountView) -> Result<()> {
    signer(account)?;
    writable(account)
}

/// The account is `expected` (a configured vault, mint…), else `error`.
#[inline(always)]
pub fn address(account: &AccountView, expected: &Pubkey, error: StakingError) -> Result<()> {
    if account.key() != expected {
        return Err(error.into());
    }
    Ok(())
}

#[inline(always)]
pub fn token_program(account: &AccountView) -> Result<()> {
    address(account, &TOKEN_PROGRAM_ID, StakingError::InvalidTokenProgram)
}

#[inline(always)]
pub fn system_program(account: &AccountView) -> Result<()> {
    address(account, &SYSTEM_PROGRAM_ID, StakingError::InvalidSystemProgram)
}

#[inline(always)]
pub fn instructions_sysvar(account: &AccountView) -> Result<()> {
    address(account, &INSTRUCTIONS_SYSVAR_ID, StakingError::InvalidInstructionsSysvar)
}

#[inline(always)]
pub fn distinct(a: &AccountView, b: &AccountView) -> Result<()> {
    if a.key() == b.key() {
        return Err(StakingError::DuplicateAccount.into());
    }
    Ok(())
}

/// Maps the SDK's state-loading errors to named ones.
#[inline(always)]
pub fn state_error(e: ProgramError) -> ProgramError {
    match e {
        ProgramError::InvalidAccountOwner => StakingError::InvalidAccountOwner.into(),
        // Only one account passed in two roles can already be borrowed.
        ProgramError::AccountBorrowFailed => StakingError::DuplicateAccount.into(),
        _ => StakingError::InvalidAccountData.into(),
    }
}

/// Borrows a program account of type `T`: owner and discriminator checked.
/// Accounts of our types only ever exist at their canonical PDAs (the
/// program creates them nowhere else), so owner + discriminator + the
/// stored keys identify them without re-deriving the address.
#[inline(always)]
pub fn load<'a, T: AccountState>(account: &'a AccountView, program_id: &Pubkey) -> Result<Ref<'a, T>> {
    T::load(account, program_id).map_err(state_error)
}

#[inline(always)]
pub fn load_mut<'a, T: AccountState>(
    account: &'a AccountView,
    program_id: &Pubkey,
) -> Result<gridpay_sdk::account::RefMut<'a, T>> {
    T::load_mut(account, program_id).map_err(state_error)
}

/// Writes the discriminator of an account this instruction has just created
/// for `T` (through `CreateRentExempt`: owned by this program, `T::SPACE`
/// zeroed bytes) and borrows its state; only the size is confirmed, as the
/// owner and emptiness checks of `T::init` cannot fail there.
#[inline(always)]
pub fn init_created<T: AccountState>(account: &AccountView) -> Result<RefMut<'_, T>> {
    RefMut::try_map(account.try_borrow_mut_data().map_err(state_error)?, |d| {
        let (disc, state) = d.split_first_chunk_mut::<8>().ok_or(StakingError::InvalidAccountData)?;
        *disc = T::DISCRIMINATOR;
        from_bytes_mut::<T>(state).ok_or(StakingError::InvalidAccountData)
    })
    .map_err(ProgramError::from)
}

/// An initialized SPL Token account of `mint`; `error` otherwise.
#[inline(always)]
pub fn token_account<'a>(
    account: &'a AccountView,
    mint: &Pubkey,
    error: StakingError,
) -> Result<Ref<'a, TokenAccount>> {
    let token = TokenAccount::from_account(account).map_err(|_| ProgramError::from(error))?;
    if token.mint() != mint {
        return Err(error.into());
    }
    Ok(token)
}

/// A token account of `mint` a transfer can credit (initialized, not
/// frozen): checked here so a bad destination is a named error, not the
/// token program's.
#[inline(always)]
pub fn receiving_token_account(account: &AccountView, mint: &Pubkey) -> Result<()> {
    let token = token_account(account, mint, StakingError::InvalidTokenAccount)?;
    if token.is_frozen() {
        return Err(StakingError::InvalidTokenAccount.into());
    }
    Ok(())
}

/// A token account of `mint` owned by `owner`, not frozen, holding at least
/// `amount`: a transfer out of it signed by `owner` cannot fail.
#[inline(always)]
pub fn paying_token_account(account: &AccountView, mint: &Pubkey, owner: &Pubkey, amount: u64) -> Result<()> {
    let token = token_account(account, mint, StakingError::InvalidTokenAccount)?;
    if token.owner() != owner || token.is_frozen() {
        return Err(StakingError::InvalidTokenAccount.into());
    }
    if token.amount() < amount {
        return Err(StakingError::InsufficientBalance.into());
    }
    Ok(())
}

/// The decimals of the SPL Token mint `account` (checked to be `expected`).
#[inline(always)]
pub fn mint_decimals(account: &AccountView, expected: &Pubkey) -> Result<u8> {
    address(account, expected, StakingError::InvalidMint)?;
    let mint = Mint::from_account(account).map_err(|_| ProgramError::from(StakingError::InvalidMint))?;
    Ok(mint.decimals())
}

/// Any malformed argument is `InvalidInstructionData`.
#[inline(always)]
pub fn bad_data(_: ProgramError) -> ProgramError {
    StakingError::InvalidInstructionData.into()
}

/// Signer seeds of the config PDA, which owns the vault.
#[macro_export]
macro_rules! config_signer_seeds {
    ($bump:expr) => {
        gridpay_sdk::seeds!($crate::state::CONFIG_SEED, $bump)
    };
}
