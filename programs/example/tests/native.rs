//! The example's instructions run natively through the SDK's host input
//! builder: the same parser and handlers as on-chain, without a runtime.
//! (CPIs and the clock need LiteSVM: tests/toolchain/test_sdk_example.py.)

use example::processor::process_instruction;
use example::state::{Note, NOTE_SEED, SCRATCH_SEED};
use gridpay_sdk::cpi::system::SYSTEM_PROGRAM_ID;
use gridpay_sdk::cpi::token::TOKEN_PROGRAM_ID;
use gridpay_sdk::discriminator::instruction_discriminator;
use gridpay_sdk::host::{run, InputAccount, TestAccount};
use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::{ProgramError, Pubkey};

const PROGRAM: Pubkey = Pubkey([42; 32]);

fn data(name: &str, args: &[u8]) -> Vec<u8> {
    [&instruction_discriminator(name)[..], args].concat()
}

fn wallet(n: u8, signer: bool) -> InputAccount {
    InputAccount::Account(TestAccount {
        key: Pubkey([n; 32]),
        lamports: 1_000_000,
        is_signer: signer,
        is_writable: true,
        ..Default::default()
    })
}

fn code(e: impl Into<ProgramError>) -> u64 {
    e.into().to_u64()
}

#[test]
fn log_event_needs_a_signer_and_a_u64() {
    let ok = run(process_instruction, &[wallet(1, true)], &data("log_event", &7u64.to_le_bytes()), &PROGRAM);
    assert_eq!(ok.0, 0);
    let unsigned = run(process_instruction, &[wallet(1, false)], &data("log_event", &7u64.to_le_bytes()), &PROGRAM);
    assert_eq!(unsigned.0, code(ProgramError::MissingRequiredSignature));
    let short = run(process_instruction, &[wallet(1, true)], &data("log_event", &[7]), &PROGRAM);
    assert_eq!(short.0, code(ProgramError::InvalidInstructionData));
    let none = run(process_instruction, &[], &data("log_event", &7u64.to_le_bytes()), &PROGRAM);
    assert_eq!(none.0, code(ProgramError::NotEnoughAccountKeys));
}

#[test]
fn custom_errors_and_unknown_instructions() {
    assert_eq!(run(process_instruction, &[], &data("fail_custom", &[]), &PROGRAM).0, 6001);
    assert_eq!(run(process_instruction, &[], &data("no_such_instruction", &[]), &PROGRAM).0, 6000);
}

#[test]
fn duplicates_and_borrow_conflicts() {
    let dup = [wallet(1, false), InputAccount::Duplicate(0)];
    assert_eq!(run(process_instruction, &dup, &data("duplicates", &[1]), &PROGRAM).0, 0);
    assert_eq!(run(process_instruction, &dup, &data("duplicates", &[0]), &PROGRAM).0, code(ProgramError::InvalidArgument));
    let distinct = [wallet(1, false), wallet(2, false)];
    assert_eq!(run(process_instruction, &distinct, &data("duplicates", &[0]), &PROGRAM).0, 0);
    let accounts = [wallet(1, true), wallet(2, false), wallet(0, false)];
    for (mode, expected) in [(0u8, code(ProgramError::AccountBorrowFailed)), (1, code(ProgramError::AccountBorrowFailed))] {
        assert_eq!(run(process_instruction, &accounts, &data("borrow_conflict", &[mode]), &PROGRAM).0, expected, "mode {mode}");
    }
}

fn note(owner: Pubkey, value: u64) -> (InputAccount, Pubkey) {
    let (address, bump) = find_program_address(&[NOTE_SEED, owner.as_ref()], &PROGRAM).unwrap();
    let mut bytes = Note::DISCRIMINATOR.to_vec();
    bytes.extend_from_slice(owner.as_ref());
    bytes.extend_from_slice(&value.to_le_bytes());
    bytes.push(bump);
    let account = TestAccount { key: address, owner: PROGRAM, lamports: 5_000, data: bytes, is_writable: true, ..Default::default() };
    (InputAccount::Account(account), address)
}

#[test]
fn close_note_natively() {
    let owner = Pubkey([1; 32]);
    let (note_account, address) = note(owner, 9);
    let (rc, after) = run(process_instruction, &[wallet(1, true), note_account.clone()], &data("close_note", &[]), &PROGRAM);
    assert_eq!(rc, 0);
    assert_eq!(after[0].lamports, 1_005_000);
    assert_eq!((after[1].key, after[1].lamports, after[1].data.len(), after[1].owner), (address, 0, 0, Pubkey::default()));

    // Someone else's note: refused, nothing moves.
    let (rc, after) = run(process_instruction, &[wallet(2, true), note_account], &data("close_note", &[]), &PROGRAM);
    assert_eq!(rc, 6002);
    assert_eq!((after[0].lamports, after[1].lamports), (1_000_000, 5_000));
}

// --- single-primitive instructions (priced by `gridpay bench toolchain`) ----

fn plain(key: Pubkey, writable: bool) -> InputAccount {
    InputAccount::Account(TestAccount { key, is_writable: writable, ..Default::default() })
}

fn program_account(key: Pubkey) -> InputAccount {
    InputAccount::Account(TestAccount { key, executable: true, ..Default::default() })
}

#[test]
fn log_line_takes_nothing() {
    assert_eq!(run(process_instruction, &[], &data("log_line", &[]), &PROGRAM).0, 0);
}

#[test]
fn derive_and_find_check_the_scratch_pda() {
    let (address, bump) = find_program_address(&[SCRATCH_SEED], &PROGRAM).unwrap();
    let pda = [plain(address, false)];
    assert_eq!(run(process_instruction, &pda, &data("derive_pda", &[bump]), &PROGRAM).0, 0);
    assert_eq!(run(process_instruction, &pda, &data("find_bump", &[]), &PROGRAM).0, 0);

    let invalid_seeds = code(ProgramError::InvalidSeeds);
    let other = [plain(Pubkey([7; 32]), false)];
    assert_eq!(run(process_instruction, &other, &data("derive_pda", &[bump]), &PROGRAM).0, invalid_seeds);
    assert_eq!(run(process_instruction, &other, &data("find_bump", &[]), &PROGRAM).0, invalid_seeds);
    // Another bump names another address (or none: off-curve check fails).
    assert_eq!(run(process_instruction, &pda, &data("derive_pda", &[bump.wrapping_sub(1)]), &PROGRAM).0, invalid_seeds);

    let bad_data = code(ProgramError::InvalidInstructionData);
    assert_eq!(run(process_instruction, &pda, &data("derive_pda", &[]), &PROGRAM).0, bad_data);
    assert_eq!(run(process_instruction, &pda, &data("derive_pda", &[bump, 0]), &PROGRAM).0, bad_data);
    assert_eq!(run(process_instruction, &pda, &data("find_bump", &[0]), &PROGRAM).0, bad_data);
    let none = code(ProgramError::NotEnoughAccountKeys);
    assert_eq!(run(process_instruction, &[], &data("find_bump", &[]), &PROGRAM).0, none);
}

#[test]
fn allocate_pda_validates_before_the_cpi() {
    let (address, bump) = find_program_address(&[SCRATCH_SEED], &PROGRAM).unwrap();
    let system = program_account(SYSTEM_PROGRAM_ID);
    let run_with = |accounts: &[InputAccount], bump: u8| run(process_instruction, accounts, &data("allocate_pda", &[bump]), &PROGRAM).0;
    assert_eq!(run_with(&[plain(address, false), system.clone()], bump), code(ProgramError::Immutable));
    assert_eq!(run_with(&[plain(address, true), program_account(TOKEN_PROGRAM_ID)], bump), code(ProgramError::IncorrectProgramId));
    assert_eq!(run_with(&[plain(Pubkey([7; 32]), true), system.clone()], bump), code(ProgramError::InvalidSeeds));
    assert_eq!(run_with(&[plain(address, true)], bump), code(ProgramError::NotEnoughAccountKeys));
}

#[test]
fn transfer_tokens_validates_before_the_cpi() {
    let accounts = |signer: bool, token_program: Pubkey| {
        [plain(Pubkey([1; 32]), true), plain(Pubkey([2; 32]), false), plain(Pubkey([3; 32]), true), wallet(4, signer), program_account(token_program)]
    };
    let args = [&5u64.to_le_bytes()[..], &[6]].concat();
    let run_with = |accounts: &[InputAccount], args: &[u8]| run(process_instruction, accounts, &data("transfer_tokens", args), &PROGRAM).0;
    assert_eq!(run_with(&accounts(false, TOKEN_PROGRAM_ID), &args), code(ProgramError::MissingRequiredSignature));
    assert_eq!(run_with(&accounts(true, SYSTEM_PROGRAM_ID), &args), code(ProgramError::IncorrectProgramId));
    assert_eq!(run_with(&accounts(true, TOKEN_PROGRAM_ID), &args[..8]), code(ProgramError::InvalidInstructionData));
    assert_eq!(run_with(&accounts(true, TOKEN_PROGRAM_ID)[..4], &args), code(ProgramError::NotEnoughAccountKeys));
}
