//! job_escrow: wallets buy credits with USDC, the facilitator locks a job's
//! maximum cost before it runs and settles the exact cost after, and a job
//! that fails or times out is refunded in full.
//!
//! Layout: `state/` (zero-copy accounts), `logic.rs` (pure state
//! transitions shared by the program, the host tests and the differential
//! library), `instructions/` (one folder per instruction: accounts, data,
//! processor), `events.rs`, `errors.rs`, `utils.rs` (named account checks),
//! `entrypoint.rs` (dispatch).
#![no_std]

// Host builds (tests, the differential library) link std for its panic
// handler; the SBF build gets one from the SDK's `entrypoint!`.
#[cfg(not(any(target_os = "solana", target_arch = "bpf")))]
extern crate std;

pub mod discriminators;
pub mod entrypoint;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod logic;
pub mod state;
pub mod utils;

#[cfg(feature = "ffi")]
pub mod ffi;
