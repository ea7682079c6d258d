//! Anchor discriminators against values computed with Python's hashlib.

use crate::discriminator::*;
use crate::sha256::{sha256, Sha256};

#[test]
fn sha256_known_answers() {
    let hex = |h: [u8; 32]| h.iter().map(|b| std::format!("{b:02x}")).collect::<std::string::String>();
    assert_eq!(hex(sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(hex(sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Spans several blocks and the 56-byte padding edge.
    assert_eq!(hex(sha256(&[b'a'; 1000])), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
    let split = Sha256::new().update(&[b'a'; 333]).update(&[b'a'; 667]).finalize();
    assert_eq!(split, sha256(&[b'a'; 1000]));
}

#[test]
fn anchor_discriminators() {
    const INIT: [u8; 8] = instruction_discriminator("initialize");
    assert_eq!(INIT, [175, 175, 109, 31, 13, 152, 155, 237]);
    assert_eq!(instruction_discriminator("deposit"), [242, 35, 198, 137, 82, 225, 242, 182]);
    assert_eq!(account_discriminator("CreditAccount"), [196, 171, 234, 132, 239, 255, 21, 96]);
    assert_eq!(event_discriminator("Deposited"), [111, 141, 26, 45, 161, 35, 100, 57]);
}

#[test]
fn split_discriminator_needs_eight_bytes() {
    let (d, rest) = split_discriminator(&[1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
    assert_eq!((d, rest), (&[1, 2, 3, 4, 5, 6, 7, 8], &[9][..]));
    assert_eq!(split_discriminator(&[1; 7]).unwrap_err(), crate::ProgramError::InvalidInstructionData);
}
