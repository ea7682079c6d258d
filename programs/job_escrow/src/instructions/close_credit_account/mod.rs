//! `close_credit_account`: an empty credit account returns its rent.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
