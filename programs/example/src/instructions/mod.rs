//! One module per instruction: accounts (documented as a numbered list and
//! validated first), then the logic.

pub mod allocate_pda;
pub mod borrow_conflict;
pub mod close_note;
pub mod create_note;
pub mod derive_pda;
pub mod duplicates;
pub mod find_bump;
pub mod find_pda;
pub mod log_event;
pub mod log_line;
pub mod read_sysvars;
pub mod token_deposit;
pub mod token_withdraw;
pub mod transfer_tokens;
pub mod transfer_sol;
pub mod verify_ed25519;

use gridpay_sdk::borsh::Reader;
use gridpay_sdk::ProgramError;

/// Reads the single `u64` argument of an instruction.
pub(crate) fn read_u64_arg(args: &[u8]) -> Result<u64, ProgramError> {
    let mut r = Reader::new(args);
    let value = r.read::<u64>()?;
    r.finish()?;
    Ok(value)
}
