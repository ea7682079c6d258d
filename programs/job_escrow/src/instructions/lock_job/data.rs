use gridpay_sdk::state::from_bytes;
use gridpay_sdk::Pubkey;

use crate::errors::EscrowError;
use crate::instructions::Args;

/// Arguments of `lock_job`.
///
/// `[0..8]` job_id (u64) · `[8..16]` max_credits (u64) · `[16..48]` worker ·
/// `[48]` job_bump (the job PDA's bump)
pub struct LockJobData<'a> {
    pub job_id: u64,
    pub max_credits: u64,
    /// Read in place: copied once, into the job.
    pub worker: &'a Pubkey,
    pub job_bump: u8,
}

impl<'a> TryFrom<&'a [u8]> for LockJobData<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &'a [u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let job_id = a.read()?;
        let max_credits = a.read()?;
        let worker = from_bytes::<Pubkey>(a.take(32)?).ok_or(EscrowError::InvalidInstructionData)?;
        let v = Self { job_id, max_credits, worker, job_bump: a.read()? };
        a.finish()?;
        Ok(v)
    }
}
