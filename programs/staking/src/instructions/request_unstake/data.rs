use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;

/// `request_unstake` arguments: `[0..8]` amount u64 (base units).
pub struct Data {
    pub amount: u64,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let amount = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { amount })
    }
}
