//! Host-only C ABI (feature `ffi`) over the instructions' effect on a stake
//! position, for the differential tests (tests/staking/test_differential.py):
//! the same request runs here natively and as the real instruction in the
//! SBF build in LiteSVM, and the position bytes, error codes and amounts
//! must be identical.
//!
//! One function in the toolchain harness's buffer convention
//! (`toolchain.sbf.differential.HostLibrary.buffer_function`):
//!
//! request: `[op u8][StakePosition account, 88 bytes][arguments]`
//! - `STAKE`: amount u64
//! - `REQUEST_UNSTAKE`: amount u64 · now i64 · cooldown_seconds i64
//! - `CANCEL_UNSTAKE`: nothing
//! - `WITHDRAW`: now i64
//! - `SLASH`: earliest_signed_at i64 · slash_cap_bps u16
//!
//! reply: `[code u32][account after, 88 bytes][values, 8 bytes each]` where
//! code is 0 or the custom error code (6000 + n), and the values (only on
//! success) are what the instruction's event reports: `STAKE` staked ·
//! `REQUEST_UNSTAKE` available_at · `CANCEL_UNSTAKE` amount · `WITHDRAW`
//! amount · `SLASH` amount, from_staked, from_unstaking.

use core::slice;

use gridpay_sdk::discriminator::DISCRIMINATOR_LEN;
use gridpay_sdk::state::{from_bytes_mut, AccountState};

use crate::errors::StakingError;
use crate::state::StakePosition;

/// Operation codes of the request's first byte.
pub mod op {
    pub const STAKE: u8 = 0;
    pub const REQUEST_UNSTAKE: u8 = 1;
    pub const CANCEL_UNSTAKE: u8 = 2;
    pub const WITHDRAW: u8 = 3;
    pub const SLASH: u8 = 4;
}

struct Args<'a>(&'a [u8]);

impl Args<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take().map(i64::from_le_bytes)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
}

/// Applies one request to `account` in place; `None` if the request is
/// malformed, else the result and the event values.
fn apply(op: u8, account: &mut StakePosition, mut args: Args<'_>) -> Option<Result<[u64; 3], StakingError>> {
    let result = match op {
        op::STAKE => {
            let amount = args.u64()?;
            account.stake(amount).map(|staked| [staked, 0, 0])
        }
        op::REQUEST_UNSTAKE => {
            let (amount, now, cooldown) = (args.u64()?, args.i64()?, args.i64()?);
            account.request_unstake(amount, now, cooldown).map(|at| [at as u64, 0, 0])
        }
        op::CANCEL_UNSTAKE => account.cancel_unstake().map(|amount| [amount, 0, 0]),
        op::WITHDRAW => {
            let now = args.i64()?;
            account.withdraw(now).map(|amount| [amount, 0, 0])
        }
        op::SLASH => {
            let (earliest, cap) = (args.i64()?, args.u16()?);
            account.slash(earliest, cap).map(|o| [o.amount, o.from_staked, o.from_unstaking])
        }
        _ => return None,
    };
    args.0.is_empty().then_some(result)
}

/// Number of values each operation replies with.
fn value_count(op: u8) -> usize {
    if op == op::SLASH {
        3
    } else {
        1
    }
}

/// Runs one request (layout in the module docs); returns the reply length,
/// or -1 for a malformed request or a reply buffer that is too small.
///
/// # Safety
/// `input` points to `len` readable bytes, `out` to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn staking_logic(input: *const u8, len: usize, out: *mut u8, cap: usize) -> i64 {
    // SAFETY (block): forwarded from the caller.
    let (input, out) = unsafe { (slice::from_raw_parts(input, len), slice::from_raw_parts_mut(out, cap)) };
    let Some((&op, rest)) = input.split_first() else { return -1 };
    if rest.len() < StakePosition::SPACE {
        return -1;
    }
    let mut account = [0u8; StakePosition::SPACE];
    account.copy_from_slice(&rest[..StakePosition::SPACE]);
    let args = Args(&rest[StakePosition::SPACE..]);

    let (disc, state) = account.split_at_mut(DISCRIMINATOR_LEN);
    if disc != StakePosition::DISCRIMINATOR {
        return -1;
    }
    let Some(position) = from_bytes_mut::<StakePosition>(state) else { return -1 };
    let Some(result) = apply(op, position, args) else { return -1 };

    let (code, values, count) = match result {
        Ok(values) => (0u32, values, value_count(op)),
        Err(e) => (e.code(), [0; 3], 0),
    };
    let values = &values[..count];
    let reply_len = 4 + StakePosition::SPACE + 8 * values.len();
    if cap < reply_len {
        return -1;
    }
    out[..4].copy_from_slice(&code.to_le_bytes());
    out[4..4 + StakePosition::SPACE].copy_from_slice(&account);
    for (i, v) in values.iter().enumerate() {
        let at = 4 + StakePosition::SPACE + 8 * i;
        out[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    reply_len as i64
}
