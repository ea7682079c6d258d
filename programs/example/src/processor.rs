//! Dispatch on the Anchor instruction discriminator.

use gridpay_sdk::discriminator::{instruction_discriminator, split_discriminator};
use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use crate::errors::ExampleError;
use crate::instructions::*;

const fn disc(name: &str) -> u64 {
    u64::from_le_bytes(instruction_discriminator(name))
}

const NOOP: u64 = disc("noop");
const LOG_EVENT: u64 = disc("log_event");
const CREATE_NOTE: u64 = disc("create_note");
const FIND_PDA: u64 = disc("find_pda");
const TRANSFER_SOL: u64 = disc("transfer_sol");
const TOKEN_DEPOSIT: u64 = disc("token_deposit");
const TOKEN_WITHDRAW: u64 = disc("token_withdraw");
const READ_SYSVARS: u64 = disc("read_sysvars");
const VERIFY_ED25519: u64 = disc("verify_ed25519");
const FAIL_CUSTOM: u64 = disc("fail_custom");
const DUPLICATES: u64 = disc("duplicates");
const BORROW_CONFLICT: u64 = disc("borrow_conflict");
const CLOSE_NOTE: u64 = disc("close_note");
const LOG_LINE: u64 = disc("log_line");
const DERIVE_PDA: u64 = disc("derive_pda");
const FIND_BUMP: u64 = disc("find_bump");
const ALLOCATE_PDA: u64 = disc("allocate_pda");
const TRANSFER_TOKENS: u64 = disc("transfer_tokens");

/// Routes the instruction to its handler.
pub fn process_instruction(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let (discriminator, args) = split_discriminator(data)?;
    match u64::from_le_bytes(*discriminator) {
        // Entrypoint and dispatch only: what every instruction pays.
        NOOP => Ok(()),
        LOG_EVENT => log_event::process(accounts, args),
        CREATE_NOTE => create_note::process(program_id, accounts, args),
        FIND_PDA => find_pda::process(program_id, args),
        TRANSFER_SOL => transfer_sol::process(accounts, args),
        TOKEN_DEPOSIT => token_deposit::process(program_id, accounts, args),
        TOKEN_WITHDRAW => token_withdraw::process(program_id, accounts, args),
        READ_SYSVARS => read_sysvars::process(args),
        VERIFY_ED25519 => verify_ed25519::process(accounts, args),
        FAIL_CUSTOM => Err(ExampleError::RequestedFailure.into()),
        DUPLICATES => duplicates::process(accounts, args),
        BORROW_CONFLICT => borrow_conflict::process(accounts, args),
        CLOSE_NOTE => close_note::process(program_id, accounts),
        // One SDK primitive each, for `gridpay bench toolchain`.
        LOG_LINE => log_line::process(),
        DERIVE_PDA => derive_pda::process(program_id, accounts, args),
        FIND_BUMP => find_bump::process(program_id, accounts, args),
        ALLOCATE_PDA => allocate_pda::process(program_id, accounts, args),
        TRANSFER_TOKENS => transfer_tokens::process(accounts, args),
        _ => Err(ExampleError::UnknownInstruction.into()),
    }
}
