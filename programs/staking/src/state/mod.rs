//! Zero-copy account layouts: an 8-byte Anchor discriminator
//! (`sha256("account:<Name>")[..8]`), then fixed little-endian fields of
//! alignment 1, read in place. The IDL declares the same fields in the same
//! order (the borsh encoding of those fields is exactly these bytes).

mod config;
mod proof;
mod stake;

pub use config::Config;
pub use proof::ProofRecord;
pub use stake::StakePosition;

/// Seed of the config PDA (also the vault's token authority).
pub const CONFIG_SEED: &[u8] = b"config";
/// A stake position lives at `create_with_seed(operator, "stake:<role>",
/// program_id)` (see `address.rs`); this is the seed before the role digit.
pub const STAKE_SEED_PREFIX: &[u8] = b"stake:";
/// First seed of a proof record PDA: `["proof", operator, job_id]`.
pub const PROOF_SEED: &[u8] = b"proof";
