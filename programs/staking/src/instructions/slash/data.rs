use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

use crate::checks::bad_data;

/// `slash` arguments: `[0]` receipt_a_ix u8 · `[1]` receipt_b_ix u8 — the
/// positions in this transaction of the two Ed25519 precompile instructions
/// that verify the receipts.
pub struct Data {
    pub receipt_a_ix: u8,
    pub receipt_b_ix: u8,
}

impl Data {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProgramError> {
        let mut r = Reader::new(bytes);
        let receipt_a_ix = r.read().map_err(bad_data)?;
        let receipt_b_ix = r.read().map_err(bad_data)?;
        r.finish().map_err(bad_data)?;
        Ok(Self { receipt_a_ix, receipt_b_ix })
    }
}
