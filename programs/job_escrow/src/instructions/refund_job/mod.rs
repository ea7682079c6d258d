//! `refund_job`: a job's whole lock back to available.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
