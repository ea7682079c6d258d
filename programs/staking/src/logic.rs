//! The staking rules as pure state transitions, free of any runtime.
//!
//! Processors validate accounts, copy a position's amounts into
//! [`Position`], call these functions, and write the result back; the host
//! tests and the native differential library (`ffi`) call the same
//! functions. Every function checks all its preconditions before changing
//! anything, so an error leaves the position as it was. Arithmetic is
//! `u64`/`i64` with checked operations only (no 128-bit intermediates).

use crate::errors::StakingError;

/// Number of operator roles; a role is an index below this.
pub const ROLE_COUNT: usize = 4;
/// The role that serves inference jobs (the one receipts are signed for).
pub const ROLE_COMPUTE: u8 = 0;
/// Basis points in 100 %.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Longest cooldown the admin may configure: an operator's stake must never
/// be locked out of reach for long by a configuration change.
pub const MAX_COOLDOWN_SECONDS: i64 = 90 * 86_400;
/// Default cooldown for every role: 7 days.
pub const DEFAULT_COOLDOWN_SECONDS: i64 = 7 * 86_400;
/// Default slash cap per proof: 10 % of the slashable stake.
pub const DEFAULT_SLASH_CAP_BPS: u16 = 1_000;
/// Minimum compute stake in whole SGL (economics.md); the base-unit amount
/// depends on the mint's decimals and is set at `initialize`.
pub const MIN_COMPUTE_STAKE_SGL: u64 = 50_000;

type Result<T> = core::result::Result<T, StakingError>;

/// The settings the admin controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Minimum active stake per role for an operator to be eligible, base units.
    pub min_stake: [u64; ROLE_COUNT],
    /// Cooldown per role, seconds; snapshotted when an unstake is requested.
    pub cooldown_seconds: [i64; ROLE_COUNT],
    /// Largest share of the slashable stake one proof takes, basis points.
    pub slash_cap_bps: u16,
}

impl Params {
    /// Refuses a cap above 100 % and cooldowns outside `0..=90 days`.
    pub fn validate(&self) -> Result<()> {
        if self.slash_cap_bps as u64 > BPS_DENOMINATOR {
            return Err(StakingError::InvalidSlashCap);
        }
        for &c in &self.cooldown_seconds {
            if !(0..=MAX_COOLDOWN_SECONDS).contains(&c) {
                return Err(StakingError::InvalidCooldown);
            }
        }
        Ok(())
    }
}

/// Checks a role index.
#[inline(always)]
pub fn check_role(role: u8) -> Result<usize> {
    if (role as usize) < ROLE_COUNT {
        Ok(role as usize)
    } else {
        Err(StakingError::InvalidRole)
    }
}

/// `floor(amount * bps / 10_000)` exactly, without a 128-bit product:
/// with `amount = q * 10_000 + r`, it is `q * bps + floor(r * bps / 10_000)`.
/// Requires `bps <= 10_000` (then the result is at most `amount`).
#[inline(always)]
pub fn bps_of(amount: u64, bps: u16) -> u64 {
    let bps = bps as u64;
    (amount / BPS_DENOMINATOR) * bps + (amount % BPS_DENOMINATOR) * bps / BPS_DENOMINATOR
}

/// The amounts of one stake position (operator, role).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Active stake: counts for eligibility, fully slashable.
    pub staked: u64,
    /// Requested for unstaking, waiting out the cooldown.
    pub unstaking: u64,
    /// When the pending unstake was requested (0 when none).
    pub unstake_requested_at: i64,
    /// When the pending unstake may be withdrawn: request time plus the
    /// cooldown in force at that time (0 when none).
    pub unstake_available_at: i64,
}

/// What a slash takes, and from where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlashOutcome {
    pub amount: u64,
    pub from_staked: u64,
    pub from_unstaking: u64,
}

impl Position {
    /// Adds `amount` to the active stake.
    pub fn stake(&mut self, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(StakingError::ZeroAmount);
        }
        self.staked = self.staked.checked_add(amount).ok_or(StakingError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Moves `amount` of the active stake into cooldown, snapshotting the
    /// cooldown in force. One request at a time: a second one would need a
    /// rule for which cooldown and which request time apply.
    pub fn request_unstake(&mut self, amount: u64, now: i64, cooldown_seconds: i64) -> Result<()> {
        if amount == 0 {
            return Err(StakingError::ZeroAmount);
        }
        if self.unstaking != 0 {
            return Err(StakingError::UnstakePending);
        }
        if amount > self.staked {
            return Err(StakingError::InsufficientStake);
        }
        let available_at =
            now.checked_add(cooldown_seconds).ok_or(StakingError::ArithmeticOverflow)?;
        self.staked -= amount;
        self.unstaking = amount;
        self.unstake_requested_at = now;
        self.unstake_available_at = available_at;
        Ok(())
    }

    /// Returns the amount in cooldown to the active stake.
    pub fn cancel_unstake(&mut self) -> Result<u64> {
        let amount = self.unstaking;
        if amount == 0 {
            return Err(StakingError::NoPendingUnstake);
        }
        self.staked = self.staked.checked_add(amount).ok_or(StakingError::ArithmeticOverflow)?;
        self.clear_unstake();
        Ok(amount)
    }

    /// Releases the amount in cooldown once the cooldown has passed; the
    /// caller pays it out of the vault.
    pub fn withdraw(&mut self, now: i64) -> Result<u64> {
        let amount = self.unstaking;
        if amount == 0 {
            return Err(StakingError::NoPendingUnstake);
        }
        if now < self.unstake_available_at {
            return Err(StakingError::CooldownNotElapsed);
        }
        self.clear_unstake();
        Ok(amount)
    }

    /// The stake a proof can reach: the active stake, plus the amount in
    /// cooldown when the tampering (the earlier receipt) was signed no later
    /// than the unstake request — stake cannot flee a proof through the
    /// cooldown, which is what the cooldown is for.
    pub fn slashable(&self, earliest_signed_at: i64) -> u64 {
        let reaches_cooldown = self.unstaking != 0 && earliest_signed_at <= self.unstake_requested_at;
        // staked + unstaking never overflows: both came out of one vault balance.
        self.staked.saturating_add(if reaches_cooldown { self.unstaking } else { 0 })
    }

    /// Takes `slash_cap_bps` of the slashable stake, active stake first.
    pub fn slash(&mut self, earliest_signed_at: i64, slash_cap_bps: u16) -> Result<SlashOutcome> {
        if slash_cap_bps as u64 > BPS_DENOMINATOR {
            return Err(StakingError::InvalidSlashCap);
        }
        let amount = bps_of(self.slashable(earliest_signed_at), slash_cap_bps);
        if amount == 0 {
            return Err(StakingError::NothingToSlash);
        }
        let from_staked = amount.min(self.staked);
        let from_unstaking = amount - from_staked;
        self.staked -= from_staked;
        self.unstaking -= from_unstaking;
        if from_unstaking != 0 && self.unstaking == 0 {
            self.clear_unstake();
        }
        Ok(SlashOutcome { amount, from_staked, from_unstaking })
    }

    /// Whether this position makes its operator eligible for the role:
    /// active stake (not counting what is in cooldown) at least the minimum.
    pub fn eligible(&self, min_stake: u64) -> bool {
        self.staked >= min_stake && self.staked > 0
    }

    fn clear_unstake(&mut self) {
        self.unstaking = 0;
        self.unstake_requested_at = 0;
        self.unstake_available_at = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bps_of_is_exact_floor() {
        for &amount in &[0u64, 1, 9_999, 10_000, 10_001, 123_456_789, u64::MAX - 1, u64::MAX] {
            for &bps in &[0u16, 1, 999, 1_000, 5_000, 9_999, 10_000] {
                let exact = (amount as u128 * bps as u128 / 10_000) as u64;
                assert_eq!(bps_of(amount, bps), exact, "{amount} * {bps}");
            }
        }
    }

    #[test]
    fn params_validation() {
        let ok = Params { min_stake: [1; 4], cooldown_seconds: [0, 1, MAX_COOLDOWN_SECONDS, 7], slash_cap_bps: 10_000 };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(Params { slash_cap_bps: 10_001, ..ok }.validate(), Err(StakingError::InvalidSlashCap));
        assert_eq!(
            Params { cooldown_seconds: [0, -1, 0, 0], ..ok }.validate(),
            Err(StakingError::InvalidCooldown)
        );
        assert_eq!(
            Params { cooldown_seconds: [0, 0, 0, MAX_COOLDOWN_SECONDS + 1], ..ok }.validate(),
            Err(StakingError::InvalidCooldown)
        );
    }

    #[test]
    fn stake_unstake_withdraw_cycle() {
        let mut p = Position::default();
        assert_eq!(p.stake(0), Err(StakingError::ZeroAmount));
        p.stake(100).unwrap();
        assert_eq!(p.request_unstake(101, 10, 5), Err(StakingError::InsufficientStake));
        assert_eq!(p.request_unstake(0, 10, 5), Err(StakingError::ZeroAmount));
        p.request_unstake(40, 10, 5).unwrap();
        assert_eq!(p, Position { staked: 60, unstaking: 40, unstake_requested_at: 10, unstake_available_at: 15 });
        assert_eq!(p.request_unstake(1, 11, 5), Err(StakingError::UnstakePending));
        let before = p;
        assert_eq!(p.withdraw(14), Err(StakingError::CooldownNotElapsed));
        assert_eq!(p, before);
        assert_eq!(p.withdraw(15), Ok(40));
        assert_eq!(p, Position { staked: 60, ..Default::default() });
        assert_eq!(p.withdraw(100), Err(StakingError::NoPendingUnstake));
        assert_eq!(p.cancel_unstake(), Err(StakingError::NoPendingUnstake));
    }

    #[test]
    fn cancel_returns_cooldown_to_stake() {
        let mut p = Position::default();
        p.stake(100).unwrap();
        p.request_unstake(100, 1, 1).unwrap();
        assert!(!p.eligible(1));
        assert_eq!(p.cancel_unstake(), Ok(100));
        assert_eq!(p, Position { staked: 100, ..Default::default() });
        assert!(p.eligible(100) && !p.eligible(101));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let mut p = Position { staked: u64::MAX, ..Default::default() };
        assert_eq!(p.stake(1), Err(StakingError::ArithmeticOverflow));
        p.request_unstake(1, i64::MAX - 1, 1).unwrap();
        let mut q = Position { staked: 1, ..Default::default() };
        assert_eq!(q.request_unstake(1, i64::MAX, 1), Err(StakingError::ArithmeticOverflow));
        assert_eq!(q, Position { staked: 1, ..Default::default() });
    }

    #[test]
    fn slash_reaches_cooldown_only_for_earlier_receipts() {
        let mut base = Position::default();
        base.stake(1_000_000).unwrap();
        base.request_unstake(600_000, 100, 50).unwrap();

        // Receipt signed after the unstake request: only active stake.
        let mut p = base;
        let out = p.slash(101, 10_000).unwrap();
        assert_eq!(out, SlashOutcome { amount: 400_000, from_staked: 400_000, from_unstaking: 0 });
        assert_eq!((p.staked, p.unstaking), (0, 600_000));

        // Signed at or before the request: cooldown included, active first.
        let mut p = base;
        let out = p.slash(100, 5_000).unwrap();
        assert_eq!(out, SlashOutcome { amount: 500_000, from_staked: 400_000, from_unstaking: 100_000 });
        assert_eq!((p.staked, p.unstaking, p.unstake_available_at), (0, 500_000, 150));

        // Everything, cooldown cleared.
        let mut p = base;
        let out = p.slash(0, 10_000).unwrap();
        assert_eq!(out.amount, 1_000_000);
        assert_eq!(p, Position::default());
    }

    #[test]
    fn slash_cap_rounds_down_and_zero_is_refused() {
        let mut p = Position { staked: 9, ..Default::default() };
        assert_eq!(p.slash(0, 1_000), Err(StakingError::NothingToSlash));
        assert_eq!(p.staked, 9);
        assert_eq!(p.slash(0, 10_001), Err(StakingError::InvalidSlashCap));
        let mut p = Position { staked: 19, ..Default::default() };
        assert_eq!(p.slash(0, 1_000).unwrap().amount, 1);
        let mut empty = Position::default();
        assert_eq!(empty.slash(0, 10_000), Err(StakingError::NothingToSlash));
    }
}
