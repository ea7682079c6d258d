use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;

/// `stake` arguments: `[0]` role u8 · `[1..9]` amount u64 (base units).
pub struct Data {
    pub role: u8,
    pub amount: u64,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let role = r.read().map_err(bad_data)?;
        let amount = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { role, amount })
    }
}
