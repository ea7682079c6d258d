//! staking: SGL staking for gridpay node operators.
//!
//! An operator stakes SGL per role into the program's vault; unstaking goes
//! through a cooldown snapshotted at the request; stake is slashed only on
//! proof of tampering — two different job receipts for one job, both signed
//! by the operator, verified by the Ed25519 precompile in the same
//! transaction. No instruction slashes for anything else (no liveness
//! slashing), and pausing never blocks unstake or withdraw.
//!
//! Layout: `state/` (zero-copy accounts), `logic.rs` (pure state
//! transitions, shared by the program and the host tests), `instructions/`
//! (one folder per instruction), `events.rs`, `errors.rs`, `checks.rs`
//! (named account checks), `address.rs` (the config's canonical-PDA check
//! and a position's create-with-seed address). The receipt format is the `gridpay-receipts`
//! crate.
#![no_std]

#[cfg(any(test, feature = "ffi"))]
extern crate std;

pub mod address;
pub mod checks;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod logic;
pub mod state;

#[cfg(feature = "ffi")]
pub mod ffi;

pub use instructions::process_instruction;

gridpay_sdk::entrypoint!(process_instruction);
