use gridpay_sdk::Pubkey;

use crate::errors::EscrowError;
use crate::instructions::Args;
use crate::logic::Params;

/// Arguments of `update_config` (every setting, changed or not).
///
/// `[0..32]` new_admin · `[32..64]` settlement_authority · `[64..66]` worker_bps ·
/// `[66..74]` job_timeout · `[74..82]` min_purchase_credits · `[82]` paused (bool)
pub struct UpdateConfigData {
    pub new_admin: Pubkey,
    pub settlement_authority: Pubkey,
    pub params: Params,
    pub paused: bool,
}

impl TryFrom<&[u8]> for UpdateConfigData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let new_admin = a.read()?;
        let settlement_authority = a.read()?;
        let params = Params { worker_bps: a.read()?, job_timeout: a.read()?, min_purchase_credits: a.read()? };
        let paused = a.read()?;
        a.finish()?;
        Ok(Self { new_admin, settlement_authority, params, paused })
    }
}
