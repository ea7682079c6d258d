//! Host unit tests, one file per concern.

mod account;
mod cpi_data;
mod discriminator;
mod ed25519;
mod entrypoint;
mod errors;
mod events;
mod instructions_sysvar;
mod pda;
mod pubkey;
mod rent;
mod state;
mod token;

use crate::host::{InputAccount, TestAccount};
use crate::Pubkey;

/// A distinct key per small integer.
pub fn key(n: u8) -> Pubkey {
    Pubkey([n; 32])
}

/// A non-duplicate test account.
pub fn account(n: u8, data: &[u8], signer: bool, writable: bool) -> InputAccount {
    InputAccount::Account(TestAccount {
        key: key(n),
        owner: key(200),
        lamports: 1_000 + n as u64,
        data: data.to_vec(),
        is_signer: signer,
        is_writable: writable,
        executable: false,
    })
}
