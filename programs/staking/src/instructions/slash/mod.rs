mod accounts;
mod data;
mod processor;

pub use accounts::Accounts;
pub use data::Data;
pub use processor::process;
