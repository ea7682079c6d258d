use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;

/// `set_paused` arguments: `[0]` paused (bool, 0 or 1).
pub struct Data {
    pub paused: bool,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let paused = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { paused })
    }
}
