use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodI64, PodU64};
use gridpay_sdk::Pubkey;

/// Lifecycle of a job account. Settling or refunding closes the account
/// (emptied and handed back to the System Program), so a live job is always
/// `Locked`; the status byte makes that explicit in the data.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Credits are locked; the job may be settled or refunded once.
    Locked = 1,
}

/// One job's lock: a PDA of `["job", credit_account, job_id (u64 LE)]`.
///
/// Account data (152 bytes):
/// `[0..8]` discriminator · `[8..40]` credit · `[40..72]` worker ·
/// `[72..104]` rent_payer · `[104..112]` job_id · `[112..120]` max_credits ·
/// `[120..128]` started_at · `[128..136]` expires_at · `[136]` status ·
/// `[137]` bump · `[138..152]` reserved
#[repr(C)]
#[derive(Debug)]
pub struct Job {
    /// The credit account the credits are locked in.
    pub credit: Pubkey,
    /// Wallet of the worker whose token account receives its share.
    pub worker: Pubkey,
    /// Who paid the job account's rent; it gets it back on close.
    pub rent_payer: Pubkey,
    /// The facilitator's identifier of the job (a PDA seed).
    pub job_id: PodU64,
    /// Credits locked for the job: the most it can cost.
    pub max_credits: PodU64,
    /// Unix time of the lock.
    pub started_at: PodI64,
    /// From this unix time on, anyone may refund and nobody may settle.
    pub expires_at: PodI64,
    /// [`JobStatus`] as a byte.
    pub status: u8,
    /// Bump of this PDA.
    pub bump: u8,
    pub reserved: [u8; 14],
}

// SAFETY: repr(C) of alignment-1 Pod fields, no padding (size asserted).
unsafe impl Pod for Job {}

impl AccountState for Job {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Job");
}

const _: () = assert!(Job::SPACE == 152);
