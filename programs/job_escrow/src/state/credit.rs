use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodI64, PodU64};
use gridpay_sdk::Pubkey;

/// A wallet's credit balance: a PDA of `["credit", wallet]`.
///
/// Account data (112 bytes):
/// `[0..8]` discriminator · `[8..40]` wallet · `[40..48]` available ·
/// `[48..56]` locked · `[56..64]` total_deposited · `[64..72]` total_spent ·
/// `[72..80]` total_withdrawn · `[80..88]` total_refunded ·
/// `[88..96]` last_topup_at · `[96..104]` open_jobs · `[104]` bump ·
/// `[105..112]` reserved
///
/// Amounts are credits (1 credit = 10,000 USDC base units).
#[repr(C)]
#[derive(Debug)]
pub struct CreditAccount {
    /// The only key that may withdraw these credits or close the account.
    pub wallet: Pubkey,
    /// Credits free to lock or withdraw.
    pub available: PodU64,
    /// Credits locked by open jobs.
    pub locked: PodU64,
    /// Lifetime credits bought.
    pub total_deposited: PodU64,
    /// Lifetime credits consumed by settled jobs.
    pub total_spent: PodU64,
    /// Lifetime credits withdrawn as USDC.
    pub total_withdrawn: PodU64,
    /// Lifetime credits returned by refunds and unused parts of settlements.
    pub total_refunded: PodU64,
    /// Unix time of the last deposit.
    pub last_topup_at: PodI64,
    /// Jobs locked and not yet settled or refunded.
    pub open_jobs: PodU64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    pub reserved: [u8; 7],
}

// SAFETY: repr(C) of alignment-1 Pod fields, no padding (size asserted).
unsafe impl Pod for CreditAccount {}

impl AccountState for CreditAccount {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("CreditAccount");
}

const _: () = assert!(CreditAccount::SPACE == 112);
