//! `settle_job`: the settlement authority settles one job's used credits;
//! the per-job steps are shared with `settle_jobs`.

mod accounts;
mod data;
mod processor;

pub use accounts::*;
pub use data::*;
pub use processor::*;
