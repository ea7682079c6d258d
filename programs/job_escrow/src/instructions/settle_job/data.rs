use crate::errors::EscrowError;
use crate::instructions::Args;

/// Arguments of `settle_job`: `[0..8]` used_credits (u64).
pub struct SettleJobData {
    pub used_credits: u64,
}

impl TryFrom<&[u8]> for SettleJobData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let used_credits = a.read()?;
        a.finish()?;
        Ok(Self { used_credits })
    }
}
