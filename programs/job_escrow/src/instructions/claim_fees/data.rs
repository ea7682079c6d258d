use crate::errors::EscrowError;
use crate::instructions::Args;

/// `claim_fees` takes no arguments.
pub struct ClaimFeesData;

impl TryFrom<&[u8]> for ClaimFeesData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        Args::new(data).finish()?;
        Ok(Self)
    }
}
