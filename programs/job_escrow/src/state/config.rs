use super::{Address, LeI64, LeU16, LeU64, ZeroCopy};

/// Program-wide settings: a single PDA of `["config"]`. It is also the token
/// authority of the vault, so the program signs vault transfers with its
/// seeds.
///
/// Layout (200 bytes):
/// `[0..8]` discriminator · `[8..40]` admin · `[40..72]` usdc_mint ·
/// `[72..104]` vault · `[104..136]` treasury · `[136..168]` settlement_authority ·
/// `[168..176]` fees_owed · `[176..184]` min_purchase_credits ·
/// `[184..192]` job_timeout · `[192..194]` worker_bps · `[194]` paused ·
/// `[195]` bump · `[196..200]` reserved
#[repr(C)]
#[derive(Debug)]
pub struct Config {
    pub discriminator: [u8; 8],
    /// May change the settings below; can never move user funds.
    pub admin: Address,
    /// The 6-decimal USDC mint credits are bought with.
    pub usdc_mint: Address,
    /// The program's USDC token account (authority: this config PDA).
    pub vault: Address,
    /// USDC token account that receives the treasury's share on `claim_fees`.
    pub treasury: Address,
    /// The facilitator key that locks and settles jobs.
    pub settlement_authority: Address,
    /// Treasury share of settled jobs held in the vault, in base units.
    pub fees_owed: LeU64,
    /// Smallest deposit, in credits.
    pub min_purchase_credits: LeU64,
    /// Seconds after which anyone may refund a job (snapshotted per job).
    pub job_timeout: LeI64,
    /// Worker share of a settled job, in basis points.
    pub worker_bps: LeU16,
    /// 1 when deposits, locks and settlements are paused.
    pub paused: u8,
    /// Canonical bump of the config PDA.
    pub bump: u8,
    pub reserved: [u8; 4],
}

// SAFETY: repr(C), only byte arrays and Le* wrappers: alignment 1, no padding.
unsafe impl ZeroCopy for Config {
    const DISCRIMINATOR: [u8; 8] = [155, 12, 170, 224, 30, 250, 204, 130];
}

impl Config {
    /// Whether deposits, locks and settlements are refused.
    #[inline(always)]
    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }
}

const _: () = assert!(core::mem::size_of::<Config>() == 200);
const _: () = assert!(core::mem::align_of::<Config>() == 1);
