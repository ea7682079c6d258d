//! `initialize`: creates the config PDA, binding mint, vault, treasury and
//! settlement authority.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
