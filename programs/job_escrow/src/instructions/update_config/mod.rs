//! `update_config`: the admin changes settings; user funds are out of its
//! reach (mint and vault are fixed, open jobs keep their timeout).

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
