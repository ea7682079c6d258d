use crate::errors::EscrowError;
use crate::instructions::Args;

/// `close_credit_account` takes no arguments.
pub struct CloseCreditAccountData;

impl TryFrom<&[u8]> for CloseCreditAccountData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        Args::new(data).finish()?;
        Ok(Self)
    }
}
