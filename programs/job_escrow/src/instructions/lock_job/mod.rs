//! `lock_job`: the settlement authority locks a job's maximum cost.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
