//! Parsing the Ed25519 precompile instruction, including the check that
//! its offsets point into the instruction itself.

use super::instructions_sysvar::{sysvar_data, Ix};
use crate::ed25519::{Ed25519Instruction, ED25519_PROGRAM_ID};
use crate::sysvars::instructions::Instructions;
use crate::{ProgramError, Pubkey};

const KEY: [u8; 32] = [
    234, 74, 108, 99, 226, 156, 82, 10, 190, 245, 80, 123, 19, 46, 197, 249, 149, 71, 118, 174, 190, 190, 123, 146, 66,
    30, 234, 105, 20, 70, 210, 44,
];

/// Builds precompile data like `new_ed25519_instruction` does for one
/// signature (offsets, then key, signature, message), generalised to n.
fn precompile_data(entries: &[([u8; 32], [u8; 64], &[u8])], index_field: u16) -> std::vec::Vec<u8> {
    let n = entries.len();
    let mut out = std::vec![n as u8, 0];
    let mut body = std::vec::Vec::new();
    let base = 2 + 14 * n;
    let mut offsets = std::vec::Vec::new();
    for (key, sig, msg) in entries {
        let key_at = base + body.len();
        body.extend_from_slice(key);
        let sig_at = base + body.len();
        body.extend_from_slice(sig);
        let msg_at = base + body.len();
        body.extend_from_slice(msg);
        for v in [sig_at as u16, index_field, key_at as u16, index_field, msg_at as u16, msg.len() as u16, index_field] {
            offsets.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&offsets);
    out.extend_from_slice(&body);
    out
}

#[test]
fn reads_entries_through_the_sysvar() {
    let sig = [5u8; 64];
    let pre = precompile_data(&[(KEY, sig, b"receipt-a"), ([9; 32], [6; 64], b"receipt-b")], u16::MAX);
    let data = sysvar_data(
        &[Ix { program_id: ED25519_PROGRAM_ID, accounts: &[], data: &pre }, Ix { program_id: super::key(1), accounts: &[], data: &[] }],
        1,
    );
    let sysvar = Instructions::from_bytes(&data);
    let ix = sysvar.load_relative(-1).unwrap();
    let parsed = Ed25519Instruction::parse(&ix).unwrap();
    assert_eq!(parsed.len(), 2);
    let e0 = parsed.entry(0).unwrap();
    assert_eq!((e0.pubkey, e0.message, e0.signature), (&Pubkey(KEY), &b"receipt-a"[..], &sig));
    let e1 = parsed.entry(1).unwrap();
    assert_eq!((e1.pubkey.0, e1.message), ([9; 32], &b"receipt-b"[..]));
    assert_eq!(parsed.entry(2).unwrap_err(), ProgramError::InvalidArgument);
    assert_eq!(parsed.find(&Pubkey([9; 32]), b"receipt-b").unwrap(), e1);
    assert_eq!(parsed.find(&Pubkey(KEY), b"receipt-b").unwrap_err(), ProgramError::MissingRequiredSignature);
    // The other instruction is not the precompile.
    let not = sysvar.load_instruction_at(1).unwrap();
    assert_eq!(Ed25519Instruction::parse(&not).unwrap_err(), ProgramError::IncorrectProgramId);
}

#[test]
fn explicit_own_index_is_accepted_other_indices_are_not() {
    let pre = precompile_data(&[(KEY, [1; 64], b"m")], 3);
    assert!(Ed25519Instruction::from_data(&pre, 3).unwrap().entry(0).is_ok());
    // The same bytes found at position 2: the offsets name instruction 3,
    // whose bytes the program cannot see here.
    assert_eq!(Ed25519Instruction::from_data(&pre, 2).unwrap().entry(0).unwrap_err(), ProgramError::InvalidArgument);
    // Only one of the three indices pointing elsewhere is enough to refuse.
    for field in [1usize, 3, 6] {
        let mut d = precompile_data(&[(KEY, [1; 64], b"m")], u16::MAX);
        d[2 + 2 * field..4 + 2 * field].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(Ed25519Instruction::from_data(&d, 1).unwrap().entry(0).unwrap_err(), ProgramError::InvalidArgument, "field {field}");
    }
}

#[test]
fn malformed_data_is_rejected() {
    assert_eq!(Ed25519Instruction::from_data(&[], 0).unwrap_err(), ProgramError::InvalidInstructionData);
    // Claims two entries but holds one offsets table.
    let mut d = precompile_data(&[(KEY, [1; 64], b"m")], u16::MAX);
    d[0] = 2;
    d.truncate(2 + 14 + 10);
    assert_eq!(Ed25519Instruction::from_data(&d, 0).unwrap_err(), ProgramError::InvalidInstructionData);
    // Message range past the end.
    let mut d = precompile_data(&[(KEY, [1; 64], b"m")], u16::MAX);
    d[12..14].copy_from_slice(&500u16.to_le_bytes());
    assert_eq!(Ed25519Instruction::from_data(&d, 0).unwrap().entry(0).unwrap_err(), ProgramError::InvalidInstructionData);
    let empty = Ed25519Instruction::from_data(&[0, 0], 0).unwrap();
    assert!(empty.is_empty());
}
