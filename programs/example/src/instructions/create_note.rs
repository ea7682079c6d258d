//! `create_note(value: u64)`: creates the caller's note PDA through a
//! System CPI signed with the PDA's seeds, and initializes its state.
//!
//! Accounts:
//! 0. `[writable, signer]` payer (the note's owner)
//! 1. `[writable]` note, PDA `("note", payer)`
//! 2. `[]` System program

use gridpay_sdk::cpi::system::{CreateRentExempt, SYSTEM_PROGRAM_ID};
use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::verify::{verify_program, verify_signer, verify_uninitialized, verify_writable};
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

use crate::state::{Note, NOTE_SEED};

/// Creates and fills the note.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], args: &[u8]) -> ProgramResult {
    let [payer, note, system_program, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // 1. signers and writability
    verify_signer(payer)?;
    verify_writable(payer)?;
    verify_writable(note)?;
    // 2. programs
    verify_program(system_program, &SYSTEM_PROGRAM_ID)?;
    // 3. the PDA, and that it is still empty
    let (address, bump) = find_program_address(&[NOTE_SEED, payer.key().as_ref()], program_id)?;
    if note.key() != &address {
        return Err(ProgramError::InvalidSeeds);
    }
    verify_uninitialized(note)?;
    let value = super::read_u64_arg(args)?;

    let bump_seed = [bump];
    let note_seeds = seeds!(NOTE_SEED, payer.key().as_ref(), &bump_seed);
    CreateRentExempt { payer, account: note, space: Note::SPACE as u64, owner: program_id }
        .invoke_signed(&[(&note_seeds).into()])?;

    let mut state = Note::init(note, program_id)?;
    state.owner = *payer.key();
    state.value.set(value);
    state.bump = bump;
    Ok(())
}
