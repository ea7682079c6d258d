//! `close_note`: the note's owner closes it and gets its rent back.
//!
//! Accounts:
//! 0. `[writable, signer]` owner
//! 1. `[writable]` note, PDA `("note", owner)`

use gridpay_sdk::state::AccountState;
use gridpay_sdk::verify::{verify_pda, verify_signer, verify_writable};
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use crate::errors::ExampleError;
use crate::state::{Note, NOTE_SEED};

/// Closes the note.
pub fn process(program_id: &Pubkey, accounts: &[AccountView]) -> ProgramResult {
    let [owner, note, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    verify_signer(owner)?;
    verify_writable(owner)?;
    verify_writable(note)?;
    let bump = {
        let state = Note::load(note, program_id)?;
        if &state.owner != owner.key() {
            return Err(ExampleError::NotNoteOwner.into());
        }
        state.bump
    };
    verify_pda(note, &[NOTE_SEED, owner.key().as_ref(), &[bump]], program_id)?;
    note.close_to(owner)
}
