//! Zero-copy account layouts.
//!
//! Every account is its 8-byte Anchor discriminator
//! (`sha256("account:<Name>")[..8]`) followed by one of these structs, read
//! in place: fields are little-endian byte arrays of alignment 1 (the SDK's
//! `Pod*` types), so the same view works over account data in SBF and over a
//! plain buffer on the host. The IDL declares the same fields in the same
//! order (their borsh encoding is exactly these bytes).

mod config;
mod credit;
mod job;

pub use config::Config;
pub use credit::CreditAccount;
pub use job::{Job, JobStatus};

use gridpay_sdk::discriminator::DISCRIMINATOR_LEN;
use gridpay_sdk::state::{from_bytes, from_bytes_mut, AccountState};

use crate::errors::EscrowError;

/// The state of initialized account data (exact size, matching
/// discriminator), for host code working on plain buffers.
pub fn view<T: AccountState>(data: &[u8]) -> Result<&T, EscrowError> {
    if data.len() != T::SPACE || data[..DISCRIMINATOR_LEN] != T::DISCRIMINATOR {
        return Err(EscrowError::InvalidAccountData);
    }
    from_bytes(&data[DISCRIMINATOR_LEN..]).ok_or(EscrowError::InvalidAccountData)
}

/// Mutable [`view`].
pub fn view_mut<T: AccountState>(data: &mut [u8]) -> Result<&mut T, EscrowError> {
    if data.len() != T::SPACE || data[..DISCRIMINATOR_LEN] != T::DISCRIMINATOR {
        return Err(EscrowError::InvalidAccountData);
    }
    from_bytes_mut(&mut data[DISCRIMINATOR_LEN..]).ok_or(EscrowError::InvalidAccountData)
}

/// Writes the discriminator into zeroed data of the right size and returns
/// the state; refuses data that already has a discriminator.
pub fn init_view<T: AccountState>(data: &mut [u8]) -> Result<&mut T, EscrowError> {
    if data.len() != T::SPACE {
        return Err(EscrowError::InvalidAccountData);
    }
    if data[..DISCRIMINATOR_LEN] != [0u8; DISCRIMINATOR_LEN] {
        return Err(EscrowError::AlreadyInitialized);
    }
    data[..DISCRIMINATOR_LEN].copy_from_slice(&T::DISCRIMINATOR);
    from_bytes_mut(&mut data[DISCRIMINATOR_LEN..]).ok_or(EscrowError::InvalidAccountData)
}
