//! C ABI over the pure instruction logic, built only for the host with the
//! `ffi` feature. The differential tests (tests/escrow/) drive the SBF
//! program in LiteSVM and this library with the same inputs, and compare
//! the account bytes and errors. Each function applies exactly the logic
//! steps the matching processor applies, on caller-owned buffers.
//!
//! Return value: 0 on success, else the custom error code (6000 + n).

use core::slice;

use gridpay_sdk::state::AccountState;
use gridpay_sdk::Pubkey;

use crate::errors::EscrowError;
use crate::logic;
use crate::state::{init_view, view, view_mut, Config, CreditAccount, Job};

type Code = u32;

fn code(r: Result<(), EscrowError>) -> Code {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}

/// # Safety
/// `ptr` must point to `len` writable bytes.
unsafe fn buf<'a>(ptr: *mut u8, len: usize) -> &'a mut [u8] {
    // SAFETY: forwarded from the caller.
    unsafe { slice::from_raw_parts_mut(ptr, len) }
}

/// # Safety
/// `ptr` must point to 32 readable bytes.
unsafe fn key<'a>(ptr: *const u8) -> &'a Pubkey {
    // SAFETY: forwarded from the caller; Pubkey is 32 bytes of alignment 1.
    unsafe { &*(ptr as *const Pubkey) }
}

/// Sizes of Config, CreditAccount and Job, for the caller's buffers.
#[no_mangle]
pub extern "C" fn je_account_sizes(out: *mut u64) {
    let sizes = [Config::SPACE, CreditAccount::SPACE, Job::SPACE];
    for (i, s) in sizes.iter().enumerate() {
        // SAFETY: the caller passes room for three u64.
        unsafe { *out.add(i) = *s as u64 };
    }
}

/// Number of errors; their texts are read with `je_error_text`.
#[no_mangle]
pub extern "C" fn je_error_count() -> u32 {
    EscrowError::ALL.len() as u32
}

/// Copies the error's name (`what` = 0) or message (`what` = 1) into `out`,
/// NUL-terminated; returns its length, or 0 when `code` is not an error of
/// this program.
///
/// # Safety
/// `out` must point to `cap` writable bytes, `cap` > 0.
#[no_mangle]
pub unsafe extern "C" fn je_error_text(code: u32, what: u32, out: *mut u8, cap: usize) -> usize {
    let Some(e) = EscrowError::from_code(code) else { return 0 };
    let name = if what == 0 { e.name() } else { e.message() }.as_bytes();
    // SAFETY: forwarded from the caller.
    let out = unsafe { buf(out, cap) };
    let n = name.len().min(cap.saturating_sub(1));
    out[..n].copy_from_slice(&name[..n]);
    out[n] = 0;
    n
}

/// `deposit`: credits for `amount`, opening the account first when its
/// data is all zero (first deposit).
///
/// # Safety
/// `credit` points to `CreditAccount::SPACE` bytes, `wallet` to 32.
#[no_mangle]
pub unsafe extern "C" fn je_deposit(
    credit: *mut u8,
    wallet: *const u8,
    bump: u8,
    amount: u64,
    min_purchase_credits: u64,
    now: i64,
) -> Code {
    // SAFETY (block): forwarded from the caller.
    let (data, wallet) = unsafe { (buf(credit, CreditAccount::SPACE), key(wallet)) };
    code((|| {
        let credits = logic::credits_for_deposit(amount, min_purchase_credits)?;
        let fresh = data[..8] == [0u8; 8];
        let account = if fresh { init_view::<CreditAccount>(data)? } else { view_mut::<CreditAccount>(data)? };
        if fresh {
            logic::open_credit(account, wallet, bump);
        }
        logic::deposit(account, credits, now)
    })())
}

/// `lock_job` on a zeroed job buffer.
///
/// # Safety
/// Buffers of the account sizes; keys of 32 bytes.
#[no_mangle]
pub unsafe extern "C" fn je_lock(
    credit: *mut u8,
    job: *mut u8,
    credit_key: *const u8,
    worker: *const u8,
    rent_payer: *const u8,
    job_id: u64,
    max_credits: u64,
    now: i64,
    job_timeout: i64,
    bump: u8,
) -> Code {
    // SAFETY (block): forwarded from the caller.
    let (c, j, credit_key, worker, rent_payer) = unsafe {
        (buf(credit, CreditAccount::SPACE), buf(job, Job::SPACE), key(credit_key), key(worker), key(rent_payer))
    };
    code((|| {
        let c = view_mut::<CreditAccount>(c)?;
        let j = init_view::<Job>(j)?;
        let p = logic::LockParams {
            credit_key,
            worker,
            rent_payer,
            job_id,
            max_credits,
            now,
            job_timeout,
            bump,
        };
        logic::lock(c, j, &p)
    })())
}

/// `settle_job`: writes the payout (worker, treasury base units) to `out`.
///
/// # Safety
/// Buffers of the account sizes; `out` has room for two u64.
#[no_mangle]
pub unsafe extern "C" fn je_settle(
    credit: *mut u8,
    job: *mut u8,
    used_credits: u64,
    worker_bps: u16,
    out: *mut u64,
) -> Code {
    // SAFETY (block): forwarded from the caller.
    let (c, j) = unsafe { (buf(credit, CreditAccount::SPACE), buf(job, Job::SPACE)) };
    code((|| {
        let c = view_mut::<CreditAccount>(c)?;
        let j = view::<Job>(j)?;
        let p = logic::settle(c, j, used_credits, worker_bps)?;
        // SAFETY: the caller passes room for two u64.
        unsafe {
            *out = p.worker;
            *out.add(1) = p.treasury;
        }
        Ok(())
    })())
}

/// `refund_job`.
///
/// # Safety
/// Buffers of the account sizes.
#[no_mangle]
pub unsafe extern "C" fn je_refund(credit: *mut u8, job: *mut u8, by_authority: u8, now: i64) -> Code {
    // SAFETY (block): forwarded from the caller.
    let (c, j) = unsafe { (buf(credit, CreditAccount::SPACE), buf(job, Job::SPACE)) };
    code((|| {
        let c = view_mut::<CreditAccount>(c)?;
        let j = view::<Job>(j)?;
        logic::refund(c, j, by_authority != 0, now).map(|_| ())
    })())
}

/// `withdraw`: writes the base units to pay to `out`.
///
/// # Safety
/// `credit` of the account size; `out` has room for one u64.
#[no_mangle]
pub unsafe extern "C" fn je_withdraw(credit: *mut u8, credits: u64, out: *mut u64) -> Code {
    // SAFETY: forwarded from the caller.
    let c = unsafe { buf(credit, CreditAccount::SPACE) };
    code((|| {
        let amount = logic::withdraw(view_mut::<CreditAccount>(c)?, credits)?;
        // SAFETY: the caller passes room for one u64.
        unsafe { *out = amount };
        Ok(())
    })())
}
