//! The example's instructions run natively through the SDK's host input
//! builder: the same parser and handlers as on-chain, without a runtime.
//! (CPIs and the clock need LiteSVM: tests/toolchain/test_sdk_example.py.)

use example::processor::process_instruction;
use example::state::{Note, NOTE_SEED};
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
