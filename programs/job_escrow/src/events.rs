//! Events in Anchor's layout: `sha256("event:<Name>")[..8]` then the borsh
//! fields, logged with `sol_log_data` (shown as `Program data: <base64>`),
//! which Anchor clients and anchorpy's `EventParser` decode with the IDL.
//! Every balance-changing instruction emits one, carrying the balances after
//! the change, so an indexer can follow a wallet without reading accounts.

use crate::discriminators::*;
use crate::state::Address;

/// Fixed-size little-endian writer for event bytes (no allocator needed).
struct Writer<const N: usize> {
    buf: [u8; N],
    at: usize,
}

impl<const N: usize> Writer<N> {
    #[inline(always)]
    fn new(discriminator: [u8; 8]) -> Self {
        let mut buf = [0u8; N];
        buf[..8].copy_from_slice(&discriminator);
        Self { buf, at: 8 }
    }
    #[inline(always)]
    fn bytes(mut self, b: &[u8]) -> Self {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
        self
    }
    #[inline(always)]
    fn u64(self, v: u64) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    #[inline(always)]
    fn i64(self, v: i64) -> Self {
        self.bytes(&v.to_le_bytes())
    }
    #[inline(always)]
    fn done(self) -> [u8; N] {
        debug_assert_eq!(self.at, N);
        self.buf
    }
}

/// A wallet bought credits.
pub struct CreditsDeposited<'a> {
    pub wallet: &'a Address,
    /// USDC base units paid into the vault.
    pub amount: u64,
    pub credits: u64,
    pub available: u64,
}

/// Size of a `CreditsDeposited` event in bytes.
pub const CREDITS_DEPOSITED_LEN: usize = 8 + 32 + 8 * 3;

impl CreditsDeposited<'_> {
    pub fn to_bytes(&self) -> [u8; CREDITS_DEPOSITED_LEN] {
        Writer::new(EVENT_CREDITS_DEPOSITED)
            .bytes(self.wallet)
            .u64(self.amount)
            .u64(self.credits)
            .u64(self.available)
            .done()
    }
}

/// A job's maximum cost was locked.
pub struct JobLocked<'a> {
    pub credit: &'a Address,
    pub job_id: u64,
    pub max_credits: u64,
    pub worker: &'a Address,
    pub expires_at: i64,
    pub available: u64,
    pub locked: u64,
}

/// Size of a `JobLocked` event in bytes.
pub const JOB_LOCKED_LEN: usize = 8 + 32 + 8 + 8 + 32 + 8 * 3;

impl JobLocked<'_> {
    pub fn to_bytes(&self) -> [u8; JOB_LOCKED_LEN] {
        Writer::new(EVENT_JOB_LOCKED)
            .bytes(self.credit)
            .u64(self.job_id)
            .u64(self.max_credits)
            .bytes(self.worker)
            .i64(self.expires_at)
            .u64(self.available)
            .u64(self.locked)
            .done()
    }
}

/// A job was settled for the credits it used.
pub struct JobSettled<'a> {
    pub credit: &'a Address,
    pub job_id: u64,
    pub used_credits: u64,
    /// Base units paid to the worker's token account.
    pub worker_amount: u64,
    /// Base units owed to the treasury.
    pub treasury_amount: u64,
    pub available: u64,
    pub locked: u64,
}

/// Size of a `JobSettled` event in bytes.
pub const JOB_SETTLED_LEN: usize = 8 + 32 + 8 * 6;

impl JobSettled<'_> {
    pub fn to_bytes(&self) -> [u8; JOB_SETTLED_LEN] {
        Writer::new(EVENT_JOB_SETTLED)
            .bytes(self.credit)
            .u64(self.job_id)
            .u64(self.used_credits)
            .u64(self.worker_amount)
            .u64(self.treasury_amount)
            .u64(self.available)
            .u64(self.locked)
            .done()
    }
}

/// A job's whole lock went back to available.
pub struct JobRefunded<'a> {
    pub credit: &'a Address,
    pub job_id: u64,
    pub credits: u64,
    /// True when refunded by someone other than the settlement authority
    /// (possible only after the timeout).
    pub by_timeout: bool,
    pub available: u64,
    pub locked: u64,
}

/// Size of a `JobRefunded` event in bytes.
pub const JOB_REFUNDED_LEN: usize = 8 + 32 + 8 + 8 + 1 + 8 + 8;

impl JobRefunded<'_> {
    pub fn to_bytes(&self) -> [u8; JOB_REFUNDED_LEN] {
        Writer::new(EVENT_JOB_REFUNDED)
            .bytes(self.credit)
            .u64(self.job_id)
            .u64(self.credits)
            .bytes(&[self.by_timeout as u8])
            .u64(self.available)
            .u64(self.locked)
            .done()
    }
}

/// A wallet took credits back as USDC.
pub struct CreditsWithdrawn<'a> {
    pub wallet: &'a Address,
    pub credits: u64,
    /// USDC base units paid to the wallet's token account.
    pub amount: u64,
    pub available: u64,
}

/// Size of a `CreditsWithdrawn` event in bytes.
pub const CREDITS_WITHDRAWN_LEN: usize = 8 + 32 + 8 * 3;

impl CreditsWithdrawn<'_> {
    pub fn to_bytes(&self) -> [u8; CREDITS_WITHDRAWN_LEN] {
        Writer::new(EVENT_CREDITS_WITHDRAWN)
            .bytes(self.wallet)
            .u64(self.credits)
            .u64(self.amount)
            .u64(self.available)
            .done()
    }
}

/// Owed treasury fees were paid out.
pub struct FeesClaimed<'a> {
    pub treasury: &'a Address,
    pub amount: u64,
}

/// Size of a `FeesClaimed` event in bytes.
pub const FEES_CLAIMED_LEN: usize = 8 + 32 + 8;

impl FeesClaimed<'_> {
    pub fn to_bytes(&self) -> [u8; FEES_CLAIMED_LEN] {
        Writer::new(EVENT_FEES_CLAIMED).bytes(self.treasury).u64(self.amount).done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_layout() {
        let credit = [7u8; 32];
        let b = JobSettled {
            credit: &credit,
            job_id: 1,
            used_credits: 2,
            worker_amount: 3,
            treasury_amount: 4,
            available: 5,
            locked: 6,
        }
        .to_bytes();
        assert_eq!(&b[..8], &EVENT_JOB_SETTLED);
        assert_eq!(&b[8..40], &credit);
        for (i, v) in (1u64..=6).enumerate() {
            assert_eq!(&b[40 + 8 * i..48 + 8 * i], &v.to_le_bytes());
        }
    }

    #[test]
    fn refunded_layout_has_bool_byte() {
        let credit = [1u8; 32];
        let b = JobRefunded { credit: &credit, job_id: 9, credits: 3, by_timeout: true, available: 4, locked: 0 }
            .to_bytes();
        assert_eq!(b.len(), JOB_REFUNDED_LEN);
        assert_eq!(b[56], 1);
        assert_eq!(&b[57..65], &4u64.to_le_bytes());
    }
}
