use super::{Address, LeI64, LeU64, ZeroCopy};

/// A wallet's credit balance: a PDA of `["credit", wallet]`.
///
/// Layout (112 bytes):
/// `[0..8]` discriminator · `[8..40]` wallet · `[40..48]` available ·
/// `[48..56]` locked · `[56..64]` total_deposited · `[64..72]` total_spent ·
/// `[72..80]` total_withdrawn · `[80..88]` total_refunded ·
/// `[88..96]` last_topup_at · `[96..104]` open_jobs · `[104]` bump ·
/// `[105..112]` reserved
///
/// All amounts are in credits (1 credit = 10,000 USDC base units).
#[repr(C)]
#[derive(Debug)]
pub struct CreditAccount {
    pub discriminator: [u8; 8],
    /// The only key that may withdraw these credits or close the account.
    pub wallet: Address,
    /// Credits free to lock or withdraw.
    pub available: LeU64,
    /// Credits locked by open jobs.
    pub locked: LeU64,
    /// Lifetime credits bought.
    pub total_deposited: LeU64,
    /// Lifetime credits consumed by settled jobs.
    pub total_spent: LeU64,
    /// Lifetime credits withdrawn as USDC.
    pub total_withdrawn: LeU64,
    /// Lifetime credits returned by refunds and unused parts of settlements.
    pub total_refunded: LeU64,
    /// Unix time of the last deposit.
    pub last_topup_at: LeI64,
    /// Jobs locked and not yet settled or refunded.
    pub open_jobs: LeU64,
    /// Canonical bump of this PDA.
    pub bump: u8,
    pub reserved: [u8; 7],
}

// SAFETY: repr(C), only byte arrays and Le* wrappers: alignment 1, no padding.
unsafe impl ZeroCopy for CreditAccount {
    const DISCRIMINATOR: [u8; 8] = [196, 171, 234, 132, 239, 255, 21, 96];
}

const _: () = assert!(core::mem::size_of::<CreditAccount>() == 112);
const _: () = assert!(core::mem::align_of::<CreditAccount>() == 1);
