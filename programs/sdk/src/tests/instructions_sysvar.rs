//! The Instructions sysvar parser on hand-serialized sysvar data.

use crate::sysvars::instructions::Instructions;
use crate::{ProgramError, Pubkey};

pub struct Ix<'a> {
    pub program_id: Pubkey,
    pub accounts: &'a [(Pubkey, bool, bool)],
    pub data: &'a [u8],
}

/// Serializes like the runtime's `construct_instructions_data`.
pub fn sysvar_data(ixs: &[Ix], current: u16) -> std::vec::Vec<u8> {
    let mut out = std::vec::Vec::new();
    out.extend_from_slice(&(ixs.len() as u16).to_le_bytes());
    let table = out.len();
    out.resize(table + 2 * ixs.len(), 0);
    for (i, ix) in ixs.iter().enumerate() {
        let at = out.len() as u16;
        out[table + 2 * i..table + 2 * i + 2].copy_from_slice(&at.to_le_bytes());
        out.extend_from_slice(&(ix.accounts.len() as u16).to_le_bytes());
        for (key, signer, writable) in ix.accounts {
            out.push(*signer as u8 | (*writable as u8) << 1);
            out.extend_from_slice(&key.0);
        }
        out.extend_from_slice(&ix.program_id.0);
        out.extend_from_slice(&(ix.data.len() as u16).to_le_bytes());
        out.extend_from_slice(ix.data);
    }
    out.extend_from_slice(&current.to_le_bytes());
    out
}

#[test]
fn loads_each_instruction() {
    let k = super::key;
    let data = sysvar_data(
        &[
            Ix { program_id: k(1), accounts: &[], data: &[1, 2, 3] },
            Ix { program_id: k(2), accounts: &[(k(10), true, false), (k(11), false, true)], data: &[] },
        ],
        1,
    );
    let sysvar = Instructions::from_bytes(&data);
    assert_eq!(sysvar.num_instructions(), Ok(2));
    assert_eq!(sysvar.current_index(), Ok(1));
    let first = sysvar.load_instruction_at(0).unwrap();
    assert_eq!((first.index(), first.program_id(), first.data(), first.num_accounts()), (0, &k(1), &[1u8, 2, 3][..], 0));
    let second = sysvar.load_relative(0).unwrap();
    assert_eq!(second.program_id(), &k(2));
    assert_eq!(second.num_accounts(), 2);
    let a0 = second.account(0).unwrap();
    assert_eq!((a0.key, a0.is_signer, a0.is_writable), (&k(10), true, false));
    let a1 = second.account(1).unwrap();
    assert_eq!((a1.key, a1.is_signer, a1.is_writable), (&k(11), false, true));
    assert_eq!(second.account(2).unwrap_err(), ProgramError::InvalidArgument);
    assert_eq!(sysvar.load_relative(-1).unwrap().index(), 0);
    assert_eq!(sysvar.load_relative(-2).unwrap_err(), ProgramError::InvalidArgument);
    assert_eq!(sysvar.load_instruction_at(2).unwrap_err(), ProgramError::InvalidArgument);
}

#[test]
fn truncated_data_is_an_error_not_a_panic() {
    let k = super::key;
    let data = sysvar_data(&[Ix { program_id: k(1), accounts: &[(k(3), false, false)], data: &[9; 40] }], 0);
    // Cuts that leave the instruction's declared extent (which ends 2 bytes
    // before the end, where the current index sits) past the end.
    for cut in 0..data.len() - 4 {
        let mut short = data[..cut].to_vec();
        short.extend_from_slice(&[0xFF, 0xFF]); // an index that no length can mistake for short
        let sysvar = Instructions::from_bytes(&short);
        if let Ok(n) = sysvar.num_instructions() {
            if n >= 1 {
                assert!(sysvar.load_instruction_at(0).is_err(), "cut at {cut}");
            }
        }
    }
    assert_eq!(Instructions::from_bytes(&[]).current_index(), Err(ProgramError::InvalidAccountData));
}
