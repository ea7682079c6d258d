//! `log_event(value: u64)`: every kind of log line, then an event.
//!
//! Accounts:
//! 0. `[signer]` user

use gridpay_sdk::log::{log, log_64, log_compute_units};
use gridpay_sdk::verify::verify_signer;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult};

use crate::events::ValueLogged;

/// Logs, then emits `ValueLogged`.
pub fn process(accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [user, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_signer(user)?;
    let value = super::read_u64_arg(args)?;

    log("example: log_event");
    log_64(value, 1, 2, 3, 4);
    user.key().log();
    log_compute_units();
    ValueLogged { user: *user.key(), value }.emit()
}
