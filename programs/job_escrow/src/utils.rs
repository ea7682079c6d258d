//! Account checks that fail with the program's own named errors (the SDK's
//! `verify_*` checks mapped to [`EscrowError`]), state loading, the cheap
//! PDA check, and USDC leaving the vault.

use gridpay_sdk::account::{AccountView, Ref, RefMut};
use gridpay_sdk::cpi::system::SYSTEM_PROGRAM_ID;
use gridpay_sdk::cpi::token::{TransferChecked, TOKEN_PROGRAM_ID};
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::pda::PDA_MARKER;
use gridpay_sdk::state::{from_bytes_mut, AccountState};
use gridpay_sdk::sysvars::clock::{Clock, CLOCK_ID};
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

/// `a == b`, for a result used long after the comparison: the words'
/// differences go through memory once, or the compiler keeps four word
/// comparisons as four booleans across the code in between (about 15 CU
/// more on `refund_job`).
#[inline(always)]
pub fn same_key(a: &Pubkey, b: &Pubkey) -> bool {
    let word = |k: &Pubkey, i: usize| {
        // SAFETY: i < 4, so the 8 bytes lie inside the key; unaligned read.
        unsafe { (k.0.as_ptr().add(8 * i) as *const u64).read_unaligned() }
    };
    let mut diff = 0u64;
    for i in 0..4 {
        diff |= word(a, i) ^ word(b, i);
    }
    // SAFETY: a read of a live local.
    unsafe { core::ptr::read_volatile(&diff) == 0 }
}

/// Two roles that must be different accounts are.
#[inline(always)]
pub fn verify_distinct(a: &AccountView, b: &AccountView) -> Result<()> {
    // Views of one account share its header (the entrypoint points a
    // duplicate at the first occurrence), so comparing them is comparing
    // keys, for one instruction instead of four words.
    if a == b {
        return Err(EscrowError::DuplicateAccount);
    }
    Ok(())
}

/// The time now, read from the Clock sysvar account passed in: a key check
/// and one load instead of `sol_get_sysvar`'s 110 CU.
#[inline(always)]
pub fn clock_unix_timestamp(clock: &AccountView) -> Result<i64> {
    if clock.key() != &CLOCK_ID {
        return Err(EscrowError::InvalidClockSysvar);
    }
    const AT: usize = core::mem::offset_of!(Clock, unix_timestamp);
    // SAFETY: the runtime passes sysvars read-only and only it writes them,
    // so no mutable borrow of this data can exist.
    let data = unsafe { clock.borrow_data_unchecked() };
    let ts = data.get(AT..AT + 8).ok_or(EscrowError::InvalidClockSysvar)?;
    Ok(i64::from_le_bytes([ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6], ts[7]]))
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

/// Writes the discriminator of an account this instruction has just created
/// for `T` and borrows its state. The System Program created it owned by
/// this program with `T::SPACE` zeroed bytes, so `T::init`'s owner and
/// emptiness checks cannot fail here; only the size is confirmed.
#[inline(always)]
pub fn init_created<T: AccountState>(account: &AccountView) -> Result<RefMut<'_, T>> {
    RefMut::try_map(account.try_borrow_mut_data().map_err(load_error)?, |d| {
        let (disc, state) = d.split_first_chunk_mut::<8>().ok_or(EscrowError::InvalidAccountData)?;
        *disc = T::DISCRIMINATOR;
        from_bytes_mut::<T>(state).ok_or(EscrowError::InvalidAccountData)
    })
}

/// Borrows an open job. A job that was settled or refunded (closed:
/// empty and owned by the System Program, even if lamports were sent back to
/// it in the same transaction) or never locked is `JobNotOpen`.
#[inline(always)]
pub fn load_job<'a>(account: &'a AccountView, program_id: &Pubkey) -> Result<Ref<'a, Job>> {
    // The owner is compared once on the way of an open job; the System
    // Program's only when this program's is not.
    if !account.is_owned_by(program_id) && account.is_owned_by(&SYSTEM_PROGRAM_ID) && account.data_is_empty() {
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

/// The account is the job PDA `["job", credit, job_id (u64 LE), bump]`
/// under `program_id`, checked with one `sol_sha256` (~130 CU) instead of
/// `create_program_address` (1,500 CU). The seeds go to the syscall as one
/// buffer: it charges at least 10 CU per slice. The hash alone does not
/// prove the address is off the curve; the runtime checks that when the
/// program signs with these seeds to create the account, which is the only
/// use of this.
#[inline(always)]
pub fn verify_job_address(
    account: &AccountView,
    credit: &Pubkey,
    job_id: &[u8; 8],
    bump: u8,
    program_id: &Pubkey,
) -> Result<()> {
    const JOB_SEEDS_LEN: usize = 3 + 32 + 8 + 1;
    const _: () = assert!(JOB_SEED.len() == 3);
    let mut seeds = [0u8; JOB_SEEDS_LEN];
    seeds[..3].copy_from_slice(JOB_SEED);
    seeds[3..35].copy_from_slice(credit.as_ref());
    seeds[35..43].copy_from_slice(job_id);
    seeds[43] = bump;
    let hash = gridpay_sdk::hash::sha256v(&[&seeds, program_id.as_ref(), PDA_MARKER]);
    if account.key() != &Pubkey::new_from_array(hash) {
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
