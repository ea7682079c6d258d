//! gridpay's program SDK: everything a Solana program needs, with no
//! dependencies and no allocator.
//!
//! One module per concern:
//! - [`entrypoint`]: the `entrypoint!` macro and the zero-copy input parser;
//! - [`account`]: [`AccountView`] with borrow tracking;
//! - [`pubkey`], [`error`], [`log`], [`event`], [`borsh`], [`hash`],
//!   [`discriminator`];
//! - [`cpi`] (`invoke`, `invoke_signed`) with [`cpi::system`] and
//!   [`cpi::token`] instruction structs;
//! - [`pda`], [`sysvars`] (clock, rent, instructions), [`ed25519`]
//!   introspection, [`token`] account readers, [`state`] zero-copy account
//!   layouts, [`verify`] account checks;
//! - [`syscalls`]: the raw syscall declarations, with host fallbacks so the
//!   same code runs natively in `cargo test`.
//!
//! Builds for `bpfel-unknown-none` (the offline pipeline), `sbf-solana-solana`
//! (`cargo build-sbf`) and the host.
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]

pub mod account;
pub mod borsh;
pub mod cpi;
pub mod discriminator;
pub mod ed25519;
pub mod entrypoint;
pub mod error;
pub mod event;
pub mod hash;
pub mod log;
pub mod pda;
pub mod pubkey;
pub mod sha256;
pub mod state;
pub mod syscalls;
pub mod sysvars;
pub mod token;
pub mod verify;

#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
pub mod curve25519;
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
pub mod host;

pub use account::{AccountView, Ref, RefMut};
pub use error::{ProgramError, ProgramResult};
pub use pubkey::Pubkey;

/// Value the entrypoint returns on success.
pub const SUCCESS: u64 = 0;

#[cfg(test)]
mod tests;
