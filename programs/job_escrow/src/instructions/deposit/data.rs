use crate::errors::EscrowError;
use crate::instructions::Args;

/// Arguments of `deposit`: `[0..8]` amount (u64, USDC base units).
pub struct DepositData {
    pub amount: u64,
}

impl TryFrom<&[u8]> for DepositData {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(data: &[u8]) -> Result<Self, EscrowError> {
        let mut a = Args::new(data);
        let amount = a.read()?;
        a.finish()?;
        Ok(Self { amount })
    }
}
