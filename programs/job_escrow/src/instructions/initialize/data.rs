use gridpay_sdk::Pubkey;

use crate::errors::EscrowError;
use crate::instructions::Args;
use crate::logic::Params;

/// Arguments of `initialize`.
///
/// `[0..32]` settlement_authority · `[32..34]` worker_bps (u16) ·
/// `[34..42]` job_timeout (i64, seconds) · `[42..50]` min_purchase_credits (u64)
pub struct InitializeData {
    pub settlement_authority: Pubkey,
    pub params: Params,
}

impl TryFrom<&[u8]> for InitializeData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let settlement_authority = a.read()?;
        let params = Params { worker_bps: a.read()?, job_timeout: a.read()?, min_purchase_credits: a.read()? };
        a.finish()?;
        Ok(Self { settlement_authority, params })
    }
}
