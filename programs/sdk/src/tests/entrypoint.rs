use core::mem::MaybeUninit;

use super::{account, key};
use crate::entrypoint::deserialize;
use crate::host::{serialize, InputAccount};
use crate::{AccountView, ProgramError};

fn slots<const N: usize>() -> [MaybeUninit<AccountView>; N] {
    [const { MaybeUninit::uninit() }; N]
}

#[test]
fn parses_accounts_data_and_program_id() {
    // Data lengths 0, 3 and 13 exercise the 8-byte alignment after data.
    let accounts = [account(1, &[], true, true), account(2, &[7, 8, 9], false, true), account(3, &[5; 13], false, false)];
    let mut input = serialize(&accounts, b"hello", &key(99));
    let mut s = slots::<8>();
    let parsed = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.unwrap();
    assert_eq!(parsed.program_id, &key(99));
    assert_eq!(parsed.data, b"hello");
    assert_eq!(parsed.accounts.len(), 3);
    let [a, b, c] = parsed.accounts else { panic!() };
    assert_eq!((a.key(), a.is_signer(), a.is_writable(), a.data_len()), (&key(1), true, true, 0));
    assert_eq!((b.key(), b.is_signer(), b.is_writable()), (&key(2), false, true));
    assert_eq!(&*b.try_borrow_data().unwrap(), &[7, 8, 9]);
    assert_eq!(&*c.try_borrow_data().unwrap(), &[5; 13]);
    assert_eq!(c.lamports(), 1_003);
    assert_eq!(c.owner(), &key(200));
    assert!(!c.executable());
}

#[test]
fn duplicates_share_one_view() {
    let accounts = [
        account(1, &[1, 2], true, true),
        account(2, &[], false, false),
        InputAccount::Duplicate(0),
        InputAccount::Duplicate(1),
        account(3, &[3], false, true),
    ];
    let mut input = serialize(&accounts, &[0xAB], &key(42));
    let mut s = slots::<8>();
    let parsed = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.unwrap();
    let acc = parsed.accounts;
    assert_eq!(acc.len(), 5);
    assert_eq!(acc[2], acc[0]);
    assert_eq!(acc[3], acc[1]);
    assert_eq!(acc[2].key(), &key(1));
    assert_eq!(acc[4].key(), &key(3));
    assert_eq!(parsed.data, &[0xAB]);
    assert_eq!(parsed.program_id, &key(42));
    // One borrow state: a mutable borrow through the original blocks the
    // duplicate.
    let held = acc[0].try_borrow_mut_data().unwrap();
    assert_eq!(acc[2].try_borrow_data().unwrap_err(), ProgramError::AccountBorrowFailed);
    drop(held);
    assert!(acc[2].try_borrow_data().is_ok());
}

#[test]
fn no_accounts_and_empty_data() {
    let mut input = serialize(&[], &[], &key(5));
    let mut s = slots::<1>();
    let parsed = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.unwrap();
    assert!(parsed.accounts.is_empty());
    assert!(parsed.data.is_empty());
    assert_eq!(parsed.program_id, &key(5));
}

#[test]
fn more_accounts_than_slots_is_an_error() {
    let accounts: std::vec::Vec<_> = (0..5).map(|i| account(i, &[], false, false)).collect();
    let mut input = serialize(&accounts, &[], &key(5));
    let mut s = slots::<4>();
    let err = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.err();
    assert_eq!(err, Some(ProgramError::InvalidArgument));
}

#[test]
fn duplicate_marker_must_name_an_earlier_account() {
    let mut input = serialize(&[account(1, &[], false, false), InputAccount::Duplicate(0)], &[], &key(5));
    // Corrupt the duplicate's marker to point at itself (position 1).
    let header1 = 8 + 88 + 10 * 1024 + 8;
    unsafe { *input.as_mut_ptr().add(header1) = 1 };
    let mut s = slots::<4>();
    let err = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.err();
    assert_eq!(err, Some(ProgramError::InvalidAccountData));
}

fn echo(program_id: &crate::Pubkey, accounts: &[AccountView], data: &[u8]) -> crate::ProgramResult {
    // Writes the program id's first byte and the data into account 0,
    // and moves 10 lamports from account 0 to account 1.
    let mut d = accounts[0].try_borrow_mut_data()?;
    d[0] = program_id.0[0];
    d[1..1 + data.len()].copy_from_slice(data);
    drop(d);
    *accounts[0].try_borrow_mut_lamports()? -= 10;
    *accounts[1].try_borrow_mut_lamports()? += 10;
    if data == b"fail" {
        return Err(ProgramError::Custom(6001));
    }
    Ok(())
}

#[test]
fn host_run_writes_back_and_encodes_errors() {
    let accounts = [account(1, &[0; 8], true, true), account(2, &[], false, true)];
    let (rc, after) = crate::host::run(echo, &accounts, b"abc", &key(77));
    assert_eq!(rc, 0);
    assert_eq!(after[0].data, [77, b'a', b'b', b'c', 0, 0, 0, 0]);
    assert_eq!(after[0].lamports, 991);
    assert_eq!(after[1].lamports, 1_012);
    let (rc, _) = crate::host::run(echo, &accounts, b"fail", &key(77));
    assert_eq!(rc, 6001);
}

#[test]
fn host_run_with_duplicate_sees_one_account() {
    // Account 1 duplicates account 0: the lamports leave and come back.
    let accounts = [account(1, &[0; 8], true, true), InputAccount::Duplicate(0)];
    let (rc, after) = crate::host::run(echo, &accounts, b"", &key(77));
    assert_eq!(rc, 0);
    assert_eq!(after[0].lamports, 1_001);
    assert_eq!(after[1], after[0]);
}

/// xorshift64*: reproducible pseudo-random inputs without dependencies.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_account_lists_round_trip() {
    use crate::host::TestAccount;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..500 {
        let n = rng.below(20) as usize;
        let mut entries = std::vec::Vec::new();
        // For each position, the position of its first occurrence.
        let mut origin = std::vec::Vec::new();
        for i in 0..n {
            if i > 0 && rng.below(3) == 0 {
                let original = origin[rng.below(i as u64) as usize];
                entries.push(InputAccount::Duplicate(original as u8));
                origin.push(original);
            } else {
                let len = rng.below(300) as usize;
                let data: std::vec::Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                let mut key = [0u8; 32];
                key[..8].copy_from_slice(&rng.next().to_le_bytes());
                entries.push(InputAccount::Account(TestAccount {
                    key: crate::Pubkey(key),
                    owner: crate::Pubkey([i as u8; 32]),
                    lamports: rng.next(),
                    data,
                    is_signer: rng.below(2) == 1,
                    is_writable: rng.below(2) == 1,
                    executable: rng.below(2) == 1,
                }));
                origin.push(i);
            }
        }
        let ix: std::vec::Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        let mut input = serialize(&entries, &ix, &key(case as u8));
        let mut s = slots::<20>();
        let parsed = unsafe { deserialize(input.as_mut_ptr(), &mut s) }.unwrap();
        assert_eq!(parsed.accounts.len(), n);
        assert_eq!(parsed.data, &ix[..]);
        assert_eq!(parsed.program_id, &key(case as u8));
        for (i, view) in parsed.accounts.iter().enumerate() {
            let InputAccount::Account(expected) = &entries[origin[i]] else { unreachable!() };
            assert_eq!(view, &parsed.accounts[origin[i]], "case {case} position {i}");
            assert_eq!(view.key(), &expected.key);
            assert_eq!(view.owner(), &expected.owner);
            assert_eq!(view.lamports(), expected.lamports);
            assert_eq!((view.is_signer(), view.is_writable(), view.executable()),
                       (expected.is_signer, expected.is_writable, expected.executable));
            assert_eq!(&*view.try_borrow_data().unwrap(), &expected.data[..]);
        }
        // A mutable borrow through any position blocks exactly the positions
        // that share its first occurrence.
        if n > 0 {
            let pick = rng.below(n as u64) as usize;
            let held = parsed.accounts[pick].try_borrow_mut_data().unwrap();
            for (i, view) in parsed.accounts.iter().enumerate() {
                assert_eq!(view.try_borrow_data().is_err(), origin[i] == origin[pick], "case {case}");
            }
            drop(held);
        }
    }
}
