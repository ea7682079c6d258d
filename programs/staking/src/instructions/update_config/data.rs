use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;
use crate::logic::Params;

/// `update_config` arguments: `params: Params`, laid out as in `initialize`
/// (which adds the config bump after it).
pub struct Data {
    pub params: Params,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let params = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { params })
    }
}
