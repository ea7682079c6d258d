use gridpay_sdk::ProgramError;

use crate::errors::StakingError;

/// `cancel_unstake` takes no arguments.
pub struct Data;

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        if !bytes.is_empty() {
            return Err(StakingError::InvalidInstructionData.into());
        }
        Ok(Self)
    }
}
