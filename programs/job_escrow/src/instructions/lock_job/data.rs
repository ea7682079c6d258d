use gridpay_sdk::Pubkey;

use crate::errors::EscrowError;
use crate::instructions::Args;

/// Arguments of `lock_job`.
///
/// `[0..8]` job_id (u64) · `[8..16]` max_credits (u64) · `[16..48]` worker ·
/// `[48]` job_bump (the job PDA's bump)
pub struct LockJobData {
    pub job_id: u64,
    pub max_credits: u64,
    pub worker: Pubkey,
    pub job_bump: u8,
}

impl TryFrom<&[u8]> for LockJobData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let v = Self { job_id: a.read()?, max_credits: a.read()?, worker: a.read()?, job_bump: a.read()? };
        a.finish()?;
        Ok(v)
    }
}
