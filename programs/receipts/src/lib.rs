//! Job receipts: the bytes a gridpay node operator signs (ed25519, with its
//! operator key) for every job it serves.
//!
//! One fixed layout, little-endian, no padding, 243 bytes:
//!
//! ```text
//! [  0.. 18] domain             b"gridpay-receipt-v1"
//! [ 18     ] version            u8 = 1
//! [ 19.. 51] job_id             32 bytes (by convention the job_escrow job account address)
//! [ 51.. 83] payer              paying wallet (Pubkey)
//! [ 83..115] operator           node operator key that signs the receipt (Pubkey)
//! [115..147] model_id_hash      sha256(model id, UTF-8)
//! [147..179] prompt_hash        sha256(prompt bytes as sent to the node)
//! [179..211] output_hash        sha256(output bytes as returned by the node)
//! [211..219] prompt_tokens      u64
//! [219..227] completion_tokens  u64
//! [227..235] price              u64, base units of the payment asset
//! [235..243] signed_at          i64, unix seconds on the node's clock
//! ```
//!
//! The domain tag comes first so a signed receipt can never be mistaken for
//! a Solana transaction message or another protocol's payload.
//!
//! Two receipts signed by the same operator for the same job that differ in
//! anything but `signed_at` are proof of tampering ([`check_conflict`]).
//! `signed_at` is left out of the comparison on purpose: an honest node that
//! re-signs the same job (say, after a restart) must never be slashable.
#![no_std]

/// Domain separation tag, the first bytes of every receipt.
pub const DOMAIN: &[u8; 18] = b"gridpay-receipt-v1";
/// Layout version this crate reads and writes.
pub const VERSION: u8 = 1;
/// Length in bytes of an encoded receipt.
pub const RECEIPT_LEN: usize = 243;

/// Byte offsets of each field (see the crate docs for the table).
pub mod offsets {
    pub const DOMAIN: usize = 0;
    pub const VERSION: usize = 18;
    pub const JOB_ID: usize = 19;
    pub const PAYER: usize = 51;
    pub const OPERATOR: usize = 83;
    pub const MODEL_ID_HASH: usize = 115;
    pub const PROMPT_HASH: usize = 147;
    pub const OUTPUT_HASH: usize = 179;
    pub const PROMPT_TOKENS: usize = 211;
    pub const COMPLETION_TOKENS: usize = 219;
    pub const PRICE: usize = 227;
    pub const SIGNED_AT: usize = 235;
}

/// Why bytes are not a valid receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptError {
    /// Not exactly [`RECEIPT_LEN`] bytes.
    WrongLength,
    /// Does not start with [`DOMAIN`].
    WrongDomain,
    /// A version byte this crate does not know.
    UnsupportedVersion,
}

/// Why two receipts are not proof of tampering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictError {
    /// The receipts name different operators.
    OperatorMismatch,
    /// The receipts are for different jobs.
    JobMismatch,
    /// The two receipts are the same bytes.
    Identical,
    /// Same job, same content: they differ only in `signed_at`.
    NotConflicting,
}

/// A validated, borrowed receipt: field reads straight from the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptView<'a> {
    bytes: &'a [u8; RECEIPT_LEN],
}

#[inline(always)]
fn array32(bytes: &[u8; RECEIPT_LEN], at: usize) -> &[u8; 32] {
    // The offsets are constants within RECEIPT_LEN: the conversion cannot fail
    // and the bounds checks fold away.
    bytes[at..at + 32].try_into().unwrap()
}

#[inline(always)]
fn read_u64(bytes: &[u8; RECEIPT_LEN], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

impl<'a> ReceiptView<'a> {
    /// Checks length, domain and version, and borrows the bytes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ReceiptError> {
        let bytes: &[u8; RECEIPT_LEN] =
            bytes.try_into().map_err(|_| ReceiptError::WrongLength)?;
        if &bytes[offsets::DOMAIN..offsets::VERSION] != DOMAIN {
            return Err(ReceiptError::WrongDomain);
        }
        if bytes[offsets::VERSION] != VERSION {
            return Err(ReceiptError::UnsupportedVersion);
        }
        Ok(Self { bytes })
    }

    /// The encoded receipt.
    pub fn as_bytes(&self) -> &'a [u8; RECEIPT_LEN] {
        self.bytes
    }
    pub fn version(&self) -> u8 {
        self.bytes[offsets::VERSION]
    }
    pub fn job_id(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::JOB_ID)
    }
    pub fn payer(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::PAYER)
    }
    pub fn operator(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::OPERATOR)
    }
    pub fn model_id_hash(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::MODEL_ID_HASH)
    }
    pub fn prompt_hash(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::PROMPT_HASH)
    }
    pub fn output_hash(&self) -> &'a [u8; 32] {
        array32(self.bytes, offsets::OUTPUT_HASH)
    }
    pub fn prompt_tokens(&self) -> u64 {
        read_u64(self.bytes, offsets::PROMPT_TOKENS)
    }
    pub fn completion_tokens(&self) -> u64 {
        read_u64(self.bytes, offsets::COMPLETION_TOKENS)
    }
    pub fn price(&self) -> u64 {
        read_u64(self.bytes, offsets::PRICE)
    }
    pub fn signed_at(&self) -> i64 {
        read_u64(self.bytes, offsets::SIGNED_AT) as i64
    }

    /// An owned copy of every field.
    pub fn to_receipt(&self) -> Receipt {
        Receipt {
            job_id: *self.job_id(),
            payer: *self.payer(),
            operator: *self.operator(),
            model_id_hash: *self.model_id_hash(),
            prompt_hash: *self.prompt_hash(),
            output_hash: *self.output_hash(),
            prompt_tokens: self.prompt_tokens(),
            completion_tokens: self.completion_tokens(),
            price: self.price(),
            signed_at: self.signed_at(),
        }
    }
}

/// The fields of a receipt (version 1), owned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Receipt {
    pub job_id: [u8; 32],
    pub payer: [u8; 32],
    pub operator: [u8; 32],
    pub model_id_hash: [u8; 32],
    pub prompt_hash: [u8; 32],
    pub output_hash: [u8; 32],
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub price: u64,
    pub signed_at: i64,
}

impl Receipt {
    /// The bytes the operator signs.
    pub fn encode(&self) -> [u8; RECEIPT_LEN] {
        let mut out = [0u8; RECEIPT_LEN];
        out[offsets::DOMAIN..offsets::VERSION].copy_from_slice(DOMAIN);
        out[offsets::VERSION] = VERSION;
        let fields: [(usize, &[u8]); 10] = [
            (offsets::JOB_ID, &self.job_id),
            (offsets::PAYER, &self.payer),
            (offsets::OPERATOR, &self.operator),
            (offsets::MODEL_ID_HASH, &self.model_id_hash),
            (offsets::PROMPT_HASH, &self.prompt_hash),
            (offsets::OUTPUT_HASH, &self.output_hash),
            (offsets::PROMPT_TOKENS, &self.prompt_tokens.to_le_bytes()),
            (offsets::COMPLETION_TOKENS, &self.completion_tokens.to_le_bytes()),
            (offsets::PRICE, &self.price.to_le_bytes()),
            (offsets::SIGNED_AT, &self.signed_at.to_le_bytes()),
        ];
        for (at, value) in fields {
            out[at..at + value.len()].copy_from_slice(value);
        }
        out
    }
}

/// What a valid proof of tampering establishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict<'a> {
    pub operator: &'a [u8; 32],
    pub job_id: &'a [u8; 32],
    /// The earlier of the two `signed_at`: the tampering happened no later.
    pub earliest_signed_at: i64,
}

/// Decides whether two receipts prove tampering: same operator, same job,
/// different content (anything but `signed_at`).
///
/// It does not check signatures: the caller must know that `operator`
/// signed both (the staking program knows it from the Ed25519 precompile).
pub fn check_conflict<'a>(
    a: &ReceiptView<'a>,
    b: &ReceiptView<'a>,
) -> Result<Conflict<'a>, ConflictError> {
    if a.operator() != b.operator() {
        return Err(ConflictError::OperatorMismatch);
    }
    if a.job_id() != b.job_id() {
        return Err(ConflictError::JobMismatch);
    }
    if a.as_bytes() == b.as_bytes() {
        return Err(ConflictError::Identical);
    }
    if a.as_bytes()[..offsets::SIGNED_AT] == b.as_bytes()[..offsets::SIGNED_AT] {
        return Err(ConflictError::NotConflicting);
    }
    Ok(Conflict {
        operator: a.operator(),
        job_id: a.job_id(),
        earliest_signed_at: a.signed_at().min(b.signed_at()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Receipt {
        Receipt {
            job_id: [1; 32],
            payer: [2; 32],
            operator: [3; 32],
            model_id_hash: [4; 32],
            prompt_hash: [5; 32],
            output_hash: [6; 32],
            prompt_tokens: 7,
            completion_tokens: 8,
            price: 9,
            signed_at: -10,
        }
    }

    #[test]
    fn layout_is_contiguous_and_complete() {
        assert_eq!(offsets::SIGNED_AT + 8, RECEIPT_LEN);
        assert_eq!(offsets::VERSION, DOMAIN.len());
    }

    #[test]
    fn encode_parse_round_trip() {
        let r = sample();
        let bytes = r.encode();
        let view = ReceiptView::parse(&bytes).unwrap();
        assert_eq!(view.to_receipt(), r);
        assert_eq!(view.version(), VERSION);
    }

    #[test]
    fn rejects_bad_bytes() {
        let bytes = sample().encode();
        assert_eq!(ReceiptView::parse(&bytes[..RECEIPT_LEN - 1]), Err(ReceiptError::WrongLength));
        let mut longer = [0u8; RECEIPT_LEN + 1];
        longer[..RECEIPT_LEN].copy_from_slice(&bytes);
        assert_eq!(ReceiptView::parse(&longer), Err(ReceiptError::WrongLength));
        let mut bad = bytes;
        bad[0] ^= 1;
        assert_eq!(ReceiptView::parse(&bad), Err(ReceiptError::WrongDomain));
        let mut bad = bytes;
        bad[offsets::VERSION] = 2;
        assert_eq!(ReceiptView::parse(&bad), Err(ReceiptError::UnsupportedVersion));
    }

    #[test]
    fn conflicts() {
        let a = sample();
        let a_bytes = a.encode();
        let va = ReceiptView::parse(&a_bytes).unwrap();
        let check = |b: Receipt| {
            let bytes = b.encode();
            let vb = ReceiptView::parse(&bytes).unwrap();
            check_conflict(&va, &vb).map(|c| c.earliest_signed_at)
        };
        assert_eq!(check(a), Err(ConflictError::Identical));
        assert_eq!(check(Receipt { signed_at: 99, ..a }), Err(ConflictError::NotConflicting));
        assert_eq!(check(Receipt { job_id: [9; 32], price: 1, ..a }), Err(ConflictError::JobMismatch));
        assert_eq!(check(Receipt { operator: [9; 32], ..a }), Err(ConflictError::OperatorMismatch));
        assert_eq!(check(Receipt { completion_tokens: 80, signed_at: -20, ..a }), Ok(-20));
        assert_eq!(check(Receipt { output_hash: [0; 32], signed_at: 5, ..a }), Ok(-10));
    }
}
