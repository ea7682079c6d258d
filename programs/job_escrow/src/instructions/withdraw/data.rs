use crate::errors::EscrowError;
use crate::instructions::Args;

/// Arguments of `withdraw`: `[0..8]` credits (u64).
pub struct WithdrawData {
    pub credits: u64,
}

impl TryFrom<&[u8]> for WithdrawData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let credits = a.read()?;
        a.finish()?;
        Ok(Self { credits })
    }
}
