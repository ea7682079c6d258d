use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodBool, PodI64, PodU16, PodU64};
use gridpay_sdk::Pubkey;

/// Program-wide settings: the single PDA of `["config"]`. It is also the
/// token authority of the vault, so the program signs vault transfers with
/// its seeds.
///
/// Account data (200 bytes):
/// `[0..8]` discriminator · `[8..40]` admin · `[40..72]` usdc_mint ·
/// `[72..104]` vault · `[104..136]` treasury · `[136..168]` settlement_authority ·
/// `[168..176]` fees_owed · `[176..184]` min_purchase_credits ·
/// `[184..192]` job_timeout · `[192..194]` worker_bps · `[194]` paused ·
/// `[195]` bump · `[196..200]` reserved
#[repr(C)]
#[derive(Debug)]
pub struct Config {
    /// May change the settings below; can never move user funds.
    pub admin: Pubkey,
    /// The 6-decimal USDC mint credits are bought with.
    pub usdc_mint: Pubkey,
    /// The program's USDC token account (authority: this config PDA).
    pub vault: Pubkey,
    /// USDC token account that receives the treasury's share on `claim_fees`.
    pub treasury: Pubkey,
    /// The facilitator key that locks and settles jobs.
    pub settlement_authority: Pubkey,
    /// Treasury share of settled jobs still held in the vault, base units.
    pub fees_owed: PodU64,
    /// Smallest deposit, in credits.
    pub min_purchase_credits: PodU64,
    /// Seconds after which anyone may refund a job (snapshotted per job).
    pub job_timeout: PodI64,
    /// Worker share of a settled job, in basis points.
    pub worker_bps: PodU16,
    /// Deposits, locks and settlements are refused while set.
    pub paused: PodBool,
    /// Canonical bump of the config PDA.
    pub bump: u8,
    pub reserved: [u8; 4],
}

// SAFETY: repr(C) of alignment-1 Pod fields, no padding (size asserted).
unsafe impl Pod for Config {}

impl AccountState for Config {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Config");
}

const _: () = assert!(Config::SPACE == 200);
