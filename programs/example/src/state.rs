//! The example's account: a note at the PDA `("note", owner)`.

use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodU64};
use gridpay_sdk::Pubkey;

/// Seed prefix of note PDAs.
pub const NOTE_SEED: &[u8] = b"note";
/// Seed prefix of token vault PDAs (`("vault", mint)`).
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of the PDA the single-primitive instructions derive, find and allocate.
pub const SCRATCH_SEED: &[u8] = b"scratch";
/// Bytes `allocate_pda` gives the scratch PDA.
pub const SCRATCH_LEN: u64 = 42;

/// A note: who owns it and a value.
///
/// ```text
/// [0..8]   discriminator sha256("account:Note")[..8]
/// [8..40]  owner
/// [40..48] value (u64 LE)
/// [48]     bump
/// ```
#[repr(C)]
pub struct Note {
    /// The wallet that created it.
    pub owner: Pubkey,
    /// The stored value.
    pub value: PodU64,
    /// The PDA's bump.
    pub bump: u8,
}

// SAFETY: repr(C), alignment-1 fields only, no padding.
unsafe impl Pod for Note {}

impl AccountState for Note {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Note");
}
