//! `claim_fees`: owed treasury fees leave the vault for the treasury.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
