pub use crate::instructions::update_config::Accounts;
