//! Instruction data layouts of the CPI structs, byte for byte, and the
//! borrow checks `invoke_signed` applies before calling out.

use super::{account, key};
use crate::cpi::system::{Allocate, Assign, CreateAccount, Transfer};
use crate::cpi::token::{CloseAccount, InitializeAccount3, TransferChecked};
use crate::cpi::{invoke, AccountMeta, Instruction};
use crate::host::serialize;
use crate::{AccountView, ProgramError};

fn views<const N: usize>(f: impl FnOnce(&[AccountView])) {
    let accounts: std::vec::Vec<_> = (0..N as u8).map(|i| account(i + 1, &[0; 4], true, true)).collect();
    let mut input = serialize(&accounts, &[], &key(9));
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 8];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    f(parsed.accounts)
}

#[test]
fn system_layouts() {
    views::<2>(|a| {
        let owner = key(0x33);
        let create = CreateAccount { from: &a[0], to: &a[1], lamports: 0x0102030405060708, space: 165, owner: &owner };
        let d = create.data();
        assert_eq!(&d[0..4], &[0, 0, 0, 0]);
        assert_eq!(&d[4..12], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&d[12..20], &[165, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&d[20..52], &[0x33; 32]);
        assert_eq!(Transfer { from: &a[0], to: &a[1], lamports: 500 }.data(), [2, 0, 0, 0, 0xF4, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Allocate { account: &a[0], space: 10 }.data(), [8, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0]);
        let assign = Assign { account: &a[0], owner: &owner }.data();
        assert_eq!(&assign[..4], &[1, 0, 0, 0]);
        assert_eq!(&assign[4..], &[0x33; 32]);
    });
}

#[test]
fn token_layouts() {
    views::<4>(|a| {
        let t = TransferChecked { from: &a[0], mint: &a[1], to: &a[2], authority: &a[3], amount: 1_000_001, decimals: 6 };
        assert_eq!(t.data(), [12, 0x41, 0x42, 0x0F, 0, 0, 0, 0, 0, 6]);
        let owner = key(0x44);
        let init = InitializeAccount3 { account: &a[0], mint: &a[1], owner: &owner }.data();
        assert_eq!(init[0], 18);
        assert_eq!(&init[1..], &[0x44; 32]);
        assert_eq!(CloseAccount { account: &a[0], destination: &a[1], authority: &a[2] }.data(), [9]);
    });
}

#[test]
fn invoke_refuses_borrowed_accounts_and_mismatched_keys() {
    views::<2>(|a| {
        let program = key(0x55);
        let metas = [AccountMeta::writable(a[0].key()), AccountMeta::readonly(a[1].key())];
        let ix = Instruction { program_id: &program, accounts: &metas, data: &[] };

        // Writable account borrowed even shared: refused before the call.
        let held = a[0].try_borrow_data().unwrap();
        assert_eq!(invoke(&ix, &[&a[0], &a[1]]), Err(ProgramError::AccountBorrowFailed));
        drop(held);
        // Read-only account borrowed mutably: refused.
        let held = a[1].try_borrow_mut_lamports().unwrap();
        assert_eq!(invoke(&ix, &[&a[0], &a[1]]), Err(ProgramError::AccountBorrowFailed));
        drop(held);
        // Views out of order: refused.
        assert_eq!(invoke(&ix, &[&a[1], &a[0]]), Err(ProgramError::InvalidArgument));
        // Too few views.
        assert_eq!(invoke(&ix, &[&a[0]]), Err(ProgramError::NotEnoughAccountKeys));
        // Read-only account borrowed shared is fine; natively there is no
        // runtime to call, which the host syscall reports.
        let _shared = a[1].try_borrow_data().unwrap();
        assert_eq!(invoke(&ix, &[&a[0], &a[1]]), Err(ProgramError::InvalidArgument));
    });
}

#[test]
fn c_layouts_match_the_runtime() {
    use core::mem::{align_of, size_of};
    // SolAccountMeta: pointer + two bools, padded to 16.
    assert_eq!(size_of::<AccountMeta>(), 16);
    // SolSignerSeed / SolSignerSeeds: pointer + u64.
    assert_eq!(size_of::<crate::cpi::Seed>(), 16);
    assert_eq!(size_of::<crate::cpi::Signer>(), 16);
    assert_eq!(align_of::<crate::cpi::Signer>(), 8);
    let seeds = crate::seeds!(b"vault", &[7u8]);
    let signer = crate::cpi::Signer::from(&seeds);
    let raw: [u64; 2] = unsafe { core::mem::transmute(signer) };
    assert_eq!(raw[1], 2);
    let first: [u64; 2] = unsafe { core::mem::transmute(seeds[0]) };
    assert_eq!(first[1], 5);
}
