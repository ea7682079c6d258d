//! `deposit`: a wallet buys credits with USDC.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
