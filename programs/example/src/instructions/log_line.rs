//! `log_line`: one static log line and nothing else, so the cost of a log
//! (`sol_log_`, 100 CU minimum) can be read beside the entrypoint's.
//!
//! Accounts: none.

use gridpay_sdk::log::log;
use gridpay_sdk::ProgramResult;

/// Logs `Instruction: Log`.
pub fn process() -> ProgramResult {
    log("Instruction: Log");
    Ok(())
}
