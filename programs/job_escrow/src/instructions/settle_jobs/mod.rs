//! `settle_jobs`: many settlements in one instruction.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
