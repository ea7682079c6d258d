use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodI64, PodU64};
use gridpay_sdk::Pubkey;

use crate::logic::Position;

/// One operator's stake in one role: the PDA of `["stake", operator, [role]]`.
/// The SGL itself sits in the vault; this account is the operator's claim
/// on it, and only the operator can move it out.
///
/// Layout after the discriminator (80 bytes):
/// `[0..32]` operator · `[32]` role · `[33]` bump · `[34..40]` reserved ·
/// `[40..48]` staked · `[48..56]` unstaking · `[56..64]` unstake_requested_at ·
/// `[64..72]` unstake_available_at · `[72..80]` total_slashed
#[repr(C)]
pub struct StakePosition {
    pub operator: Pubkey,
    pub role: u8,
    pub bump: u8,
    pub reserved: [u8; 6],
    /// Active stake, base units.
    pub staked: PodU64,
    /// Requested for unstaking, in cooldown, base units.
    pub unstaking: PodU64,
    /// Unix time of the pending request (0 when none).
    pub unstake_requested_at: PodI64,
    /// Request time plus the cooldown in force then (0 when none).
    pub unstake_available_at: PodI64,
    /// Everything ever slashed from this position, base units.
    pub total_slashed: PodU64,
}

// SAFETY: repr(C) over byte arrays, a Pubkey and Pod wrappers only.
unsafe impl Pod for StakePosition {}

impl AccountState for StakePosition {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("StakePosition");
}

const _: () = assert!(core::mem::size_of::<StakePosition>() == 80);

impl StakePosition {
    /// The amounts the pure logic works on.
    #[inline(always)]
    pub fn position(&self) -> Position {
        Position {
            staked: self.staked.get(),
            unstaking: self.unstaking.get(),
            unstake_requested_at: self.unstake_requested_at.get(),
            unstake_available_at: self.unstake_available_at.get(),
        }
    }

    /// Writes the amounts back.
    #[inline(always)]
    pub fn set_position(&mut self, p: &Position) {
        self.staked.set(p.staked);
        self.unstaking.set(p.unstaking);
        self.unstake_requested_at.set(p.unstake_requested_at);
        self.unstake_available_at.set(p.unstake_available_at);
    }
}
