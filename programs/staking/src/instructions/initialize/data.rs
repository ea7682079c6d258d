use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;
use crate::logic::Params;

/// `initialize` arguments: `params: Params` (borsh:
/// `[0..32]` min_stake 4 × u64 · `[32..64]` cooldown_seconds 4 × i64 ·
/// `[64..66]` slash_cap_bps u16) · `[66]` config_bump u8 (the config PDA's
/// canonical bump, found off-chain).
pub struct Data {
    pub params: Params,
    pub config_bump: u8,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let params = r.read().map_err(bad_data)?;
        let config_bump = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { params, config_bump })
    }
}
