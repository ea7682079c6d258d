use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodI64, PodU64};
use gridpay_sdk::Pubkey;

use crate::errors::StakingError;
use crate::logic::{Position, SlashOutcome};

/// One operator's stake in one role, at `create_with_seed(operator,
/// "stake:<role>", program_id)`.
/// The SGL itself sits in the vault; this account is the operator's claim
/// on it, and only the operator can move it out.
///
/// Layout after the discriminator (80 bytes):
/// `[0..32]` operator · `[32]` role · `[33..40]` reserved ·
/// `[40..48]` staked · `[48..56]` unstaking · `[56..64]` unstake_requested_at ·
/// `[64..72]` unstake_available_at · `[72..80]` total_slashed
#[repr(C)]
pub struct StakePosition {
    pub operator: Pubkey,
    pub role: u8,
    pub reserved: [u8; 7],
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

    // The instructions' effect on a position: the pure logic on its amounts,
    // written back only when it succeeds. Processors call these; so does the
    // host C ABI (`ffi`), which is what the differential tests compare.

    /// `stake`: returns the active stake after.
    #[inline(always)]
    pub fn stake(&mut self, amount: u64) -> Result<u64, StakingError> {
        let mut p = self.position();
        p.stake(amount)?;
        self.set_position(&p);
        Ok(p.staked)
    }

    /// `request_unstake` with the role's cooldown in force; returns when the
    /// amount becomes withdrawable.
    #[inline(always)]
    pub fn request_unstake(&mut self, amount: u64, now: i64, cooldown_seconds: i64) -> Result<i64, StakingError> {
        let mut p = self.position();
        p.request_unstake(amount, now, cooldown_seconds)?;
        self.set_position(&p);
        Ok(p.unstake_available_at)
    }

    /// `cancel_unstake`: returns the amount put back into the active stake.
    #[inline(always)]
    pub fn cancel_unstake(&mut self) -> Result<u64, StakingError> {
        let mut p = self.position();
        let amount = p.cancel_unstake()?;
        self.set_position(&p);
        Ok(amount)
    }

    /// `withdraw_unstaked`: returns the amount to pay out of the vault.
    #[inline(always)]
    pub fn withdraw(&mut self, now: i64) -> Result<u64, StakingError> {
        let mut p = self.position();
        let amount = p.withdraw(now)?;
        self.set_position(&p);
        Ok(amount)
    }

    /// `slash`: takes the cap and adds it to `total_slashed` (both checked
    /// before either is written).
    #[inline(always)]
    pub fn slash(&mut self, earliest_signed_at: i64, slash_cap_bps: u16) -> Result<SlashOutcome, StakingError> {
        let mut p = self.position();
        let outcome = p.slash(earliest_signed_at, slash_cap_bps)?;
        let total = self.total_slashed.get().checked_add(outcome.amount).ok_or(StakingError::ArithmeticOverflow)?;
        self.set_position(&p);
        self.total_slashed.set(total);
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use gridpay_sdk::state::from_bytes_mut;

    use super::*;

    #[test]
    fn a_refused_slash_writes_nothing() {
        let mut bytes = [0u8; core::mem::size_of::<StakePosition>()];
        let stake = from_bytes_mut::<StakePosition>(&mut bytes).unwrap();
        stake.staked.set(1_000);
        stake.total_slashed.set(u64::MAX - 99);
        // 10 % of 1,000 would push total_slashed past u64::MAX.
        assert_eq!(stake.slash(0, 1_000), Err(StakingError::ArithmeticOverflow));
        assert_eq!((stake.staked.get(), stake.total_slashed.get()), (1_000, u64::MAX - 99));
        let out = stake.slash(0, 999).unwrap();
        assert_eq!((out.amount, stake.staked.get(), stake.total_slashed.get()), (99, 901, u64::MAX));
    }
}
