//! `withdraw`: the wallet takes available credits back as USDC.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
