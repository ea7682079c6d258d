//! Anchor discriminators: the first 8 bytes of
//! `sha256("<namespace>:<name>")`, computed at compile time.
//!
//! - instructions: `global:<snake_case_name>`;
//! - accounts: `account:<PascalCaseName>`;
//! - events: `event:<PascalCaseName>`.

use crate::sha256::Sha256;

/// Length of every Anchor discriminator.
pub const DISCRIMINATOR_LEN: usize = 8;

/// `sha256("<namespace>:<name>")[..8]`.
pub const fn discriminator(namespace: &str, name: &str) -> [u8; DISCRIMINATOR_LEN] {
    let h = Sha256::new()
        .update(namespace.as_bytes())
        .update(b":")
        .update(name.as_bytes())
        .finalize();
    [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]
}

/// Discriminator of the instruction `snake_name` (`global:` namespace).
pub const fn instruction_discriminator(snake_name: &str) -> [u8; DISCRIMINATOR_LEN] {
    discriminator("global", snake_name)
}

/// Discriminator of the account type `pascal_name`.
pub const fn account_discriminator(pascal_name: &str) -> [u8; DISCRIMINATOR_LEN] {
    discriminator("account", pascal_name)
}

/// Discriminator of the event `pascal_name`.
pub const fn event_discriminator(pascal_name: &str) -> [u8; DISCRIMINATOR_LEN] {
    discriminator("event", pascal_name)
}

/// Splits instruction data into its 8-byte discriminator and the rest.
///
/// Returns `InvalidInstructionData` when the data is shorter than 8 bytes.
#[inline(always)]
pub fn split_discriminator(
    data: &[u8],
) -> Result<(&[u8; DISCRIMINATOR_LEN], &[u8]), crate::ProgramError> {
    match data.split_first_chunk::<DISCRIMINATOR_LEN>() {
        Some((d, rest)) => Ok((d, rest)),
        None => Err(crate::ProgramError::InvalidInstructionData),
    }
}
