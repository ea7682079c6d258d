use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodI64, PodU64};
use gridpay_sdk::Pubkey;

/// The record of a slash: the PDA of `["proof", operator, job_id]`. Its
/// existence is what stops a proof from slashing twice: any two conflicting
/// receipts of one operator for one job are the same offence, so a third
/// receipt for the same job cannot slash again either.
///
/// Layout after the discriminator (152 bytes):
/// `[0..32]` operator · `[32..64]` job_id · `[64..96]` slasher ·
/// `[96..128]` proof_hash · `[128]` role · `[129]` bump · `[130..136]` reserved ·
/// `[136..144]` amount · `[144..152]` slashed_at
#[repr(C)]
pub struct ProofRecord {
    pub operator: Pubkey,
    pub job_id: [u8; 32],
    /// Who submitted the proof (and paid this account's rent).
    pub slasher: Pubkey,
    /// sha256 of the two receipts, the lexicographically lower first.
    pub proof_hash: [u8; 32],
    /// Role of the position slashed.
    pub role: u8,
    pub bump: u8,
    pub reserved: [u8; 6],
    /// Base units sent to the penalty vault.
    pub amount: PodU64,
    /// Unix time of the slash.
    pub slashed_at: PodI64,
}

// SAFETY: repr(C) over byte arrays, Pubkeys and Pod wrappers only.
unsafe impl Pod for ProofRecord {}

impl AccountState for ProofRecord {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("ProofRecord");
}

const _: () = assert!(core::mem::size_of::<ProofRecord>() == 152);
