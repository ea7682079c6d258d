//! Program addresses against solders' `find_program_address`.

use crate::pda::{create_program_address, find_program_address, find_program_address_hashed};
use crate::{ProgramError, Pubkey};

const TOKEN: Pubkey = crate::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

fn wallet() -> Pubkey {
    Pubkey(core::array::from_fn(|i| i as u8))
}

#[test]
fn find_matches_solders() {
    let w = wallet();
    let (pda, bump) = find_program_address(&[b"credit", &w.0], &TOKEN).unwrap();
    assert_eq!(
        pda.0,
        [71, 32, 72, 92, 234, 18, 42, 102, 30, 22, 113, 34, 244, 222, 61, 124, 223, 237, 238, 126, 9, 253, 74, 126, 222, 245, 24, 238, 157, 192, 218, 194]
    );
    assert_eq!(bump, 251);
    let (pda, bump) = find_program_address(&[], &TOKEN).unwrap();
    assert_eq!(pda.0[..4], [17, 13, 228, 45]);
    assert_eq!(bump, 255);
    let (pda, bump) = find_program_address(&[&[b'x'; 32], b"y"], &w).unwrap();
    assert_eq!(pda.0[..4], [40, 145, 51, 103]);
    assert_eq!(bump, 252);
}

#[test]
fn create_rejects_on_curve_hashes() {
    // solders: bumps 255 and 254 of (b"seed", [0]) land on the curve.
    let (pda, bump) = find_program_address(&[b"seed", &[0]], &TOKEN).unwrap();
    assert_eq!(bump, 253);
    assert_eq!(pda.0[..4], [238, 69, 167, 163]);
    assert_eq!(create_program_address(&[b"seed", &[0], &[255]], &TOKEN), Err(ProgramError::InvalidSeeds));
    assert_eq!(create_program_address(&[b"seed", &[0], &[254]], &TOKEN), Err(ProgramError::InvalidSeeds));
    assert_eq!(create_program_address(&[b"seed", &[0], &[253]], &TOKEN), Ok(pda));
}

#[test]
fn seed_limits_are_errors_not_aborts() {
    assert_eq!(find_program_address(&[&[0u8; 33]], &TOKEN), Err(ProgramError::MaxSeedLengthExceeded));
    let many: [&[u8]; 16] = [b"a"; 16];
    assert_eq!(find_program_address(&many, &TOKEN), Err(ProgramError::MaxSeedLengthExceeded));
    assert!(find_program_address(&many[..15], &TOKEN).is_ok());
    let seventeen: [&[u8]; 17] = [b"a"; 17];
    assert_eq!(create_program_address(&seventeen, &TOKEN), Err(ProgramError::MaxSeedLengthExceeded));
}

#[test]
fn real_public_keys_are_on_the_curve() {
    // solders Keypair::from_seed([7; 32]).pubkey()
    let k = [
        234, 74, 108, 99, 226, 156, 82, 10, 190, 245, 80, 123, 19, 46, 197, 249, 149, 71, 118, 174, 190, 190, 123, 146,
        66, 30, 234, 105, 20, 70, 210, 44,
    ];
    assert!(crate::curve25519::is_on_curve(&k));
    // The identity (y = 1) and the base point's y are on the curve.
    let mut one = [0u8; 32];
    one[0] = 1;
    assert!(crate::curve25519::is_on_curve(&one));
    let pda = find_program_address(&[b"credit"], &TOKEN).unwrap().0;
    assert!(!crate::curve25519::is_on_curve(&pda.0));
}

#[test]
fn verify_pda_checks_the_address() {
    use super::account;
    use crate::host::{serialize, InputAccount, TestAccount};
    let w = wallet();
    let (pda, bump) = find_program_address(&[b"credit", &w.0], &TOKEN).unwrap();
    let accounts = [
        InputAccount::Account(TestAccount { key: pda, ..Default::default() }),
        account(1, &[], false, false),
    ];
    let mut input = serialize(&accounts, &[], &TOKEN);
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 2];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    let [good, other] = parsed.accounts else { panic!() };
    assert_eq!(crate::verify::verify_pda(good, &[b"credit", &w.0, &[bump]], &TOKEN), Ok(()));
    assert_eq!(crate::verify::verify_pda(good, &[b"credit", &w.0, &[bump - 1]], &TOKEN), Err(ProgramError::InvalidSeeds));
    assert_eq!(crate::verify::verify_pda(other, &[b"credit", &w.0, &[bump]], &TOKEN), Err(ProgramError::InvalidSeeds));
}

#[test]
fn hashed_find_matches_the_syscall() {
    let w = wallet();
    let long = [b'x'; 32];
    let fifteen: [&[u8]; 15] = [&long; 15];
    let cases: [&[&[u8]]; 6] = [&[b"credit", &w.0], &[], &[&long, b"y"], &[b"seed", &[0]], &fifteen, &[b"job", &[7; 8]]];
    for seeds in cases {
        assert_eq!(find_program_address_hashed(seeds, &TOKEN), find_program_address(seeds, &TOKEN));
    }
    // Bumps 255 and 254 of (b"seed", [0]) are on the curve.
    assert_eq!(find_program_address_hashed(&[b"seed", &[0]], &TOKEN).unwrap().1, 253);
    let sixteen: [&[u8]; 16] = [b"s"; 16];
    assert_eq!(find_program_address_hashed(&sixteen, &TOKEN), Err(ProgramError::MaxSeedLengthExceeded));
    assert_eq!(find_program_address_hashed(&[&[0u8; 33]], &TOKEN), Err(ProgramError::MaxSeedLengthExceeded));
}
