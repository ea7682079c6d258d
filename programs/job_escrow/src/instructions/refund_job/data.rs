use crate::errors::EscrowError;
use crate::instructions::Args;

/// `refund_job` takes no arguments.
pub struct RefundJobData;

impl TryFrom<&[u8]> for RefundJobData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        Args::new(data).finish()?;
        Ok(Self)
    }
}
