use gridpay_sdk::discriminator::account_discriminator;
use gridpay_sdk::state::{AccountState, Pod, PodBool, PodI64, PodU16, PodU64};
use gridpay_sdk::Pubkey;

use crate::logic::{Params, ROLE_COUNT};

/// Program-wide settings: the single PDA of `["config"]`. It is also the
/// token authority of the vault, so the program signs vault transfers with
/// its seeds.
///
/// Layout after the discriminator (200 bytes):
/// `[0..32]` admin · `[32..64]` sgl_mint · `[64..96]` vault ·
/// `[96..128]` penalty_vault · `[128..160]` min_stake (4 × u64) ·
/// `[160..192]` cooldown_seconds (4 × i64) · `[192..194]` slash_cap_bps ·
/// `[194]` paused · `[195]` bump · `[196..200]` reserved
#[repr(C)]
pub struct Config {
    /// May change the settings and pause; can never move stake.
    pub admin: Pubkey,
    /// The SGL mint staked.
    pub sgl_mint: Pubkey,
    /// SGL token account holding every stake (authority: this PDA).
    pub vault: Pubkey,
    /// SGL token account slashed stake is sent to.
    pub penalty_vault: Pubkey,
    /// Minimum active stake per role for eligibility, base units.
    pub min_stake: [PodU64; ROLE_COUNT],
    /// Cooldown per role in seconds, snapshotted into each unstake request.
    pub cooldown_seconds: [PodI64; ROLE_COUNT],
    /// Largest share of the slashable stake one proof takes.
    pub slash_cap_bps: PodU16,
    /// New stakes and slashes are refused while set.
    pub paused: PodBool,
    /// Canonical bump of the config PDA.
    pub bump: u8,
    pub reserved: [u8; 4],
}

// SAFETY: repr(C) over byte arrays, Pubkeys and Pod wrappers only:
// alignment 1, no padding, every bit pattern valid.
unsafe impl Pod for Config {}

impl AccountState for Config {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Config");
}

const _: () = assert!(core::mem::size_of::<Config>() == 200);

impl Config {
    /// The admin-controlled settings.
    pub fn params(&self) -> Params {
        Params {
            min_stake: core::array::from_fn(|i| self.min_stake[i].get()),
            cooldown_seconds: core::array::from_fn(|i| self.cooldown_seconds[i].get()),
            slash_cap_bps: self.slash_cap_bps.get(),
        }
    }

    /// Stores validated settings.
    pub fn set_params(&mut self, p: &Params) {
        for i in 0..ROLE_COUNT {
            self.min_stake[i].set(p.min_stake[i]);
            self.cooldown_seconds[i].set(p.cooldown_seconds[i]);
        }
        self.slash_cap_bps.set(p.slash_cap_bps);
    }
}
