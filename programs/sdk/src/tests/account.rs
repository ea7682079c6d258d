use super::{account, key};
use crate::host::serialize;
use crate::{AccountView, ProgramError};

fn with_account<R>(data: &[u8], f: impl FnOnce(&AccountView, &crate::host::SerializedInput) -> R) -> R {
    let mut input = serialize(&[account(1, data, true, true), account(2, &[], false, true)], &[], &key(9));
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 2];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    let view = parsed.accounts[0];
    f(&view, &input)
}

#[test]
fn shared_borrows_stack_up_to_seven() {
    with_account(&[1, 2, 3], |a, input| {
        let refs: std::vec::Vec<_> = (0..7).map(|_| a.try_borrow_data().unwrap()).collect();
        assert_eq!(a.try_borrow_data().unwrap_err(), ProgramError::AccountBorrowFailed);
        assert_eq!(a.try_borrow_mut_data().unwrap_err(), ProgramError::AccountBorrowFailed);
        assert_eq!(input.borrow_state(0), 0xF8);
        drop(refs);
        assert_eq!(input.borrow_state(0), 0xFF);
        assert!(a.try_borrow_mut_data().is_ok());
    });
}

#[test]
fn mutable_borrow_excludes_everything_on_the_same_field() {
    with_account(&[1, 2, 3], |a, input| {
        let mut m = a.try_borrow_mut_data().unwrap();
        m[0] = 42;
        assert_eq!(input.borrow_state(0), 0xF0);
        assert_eq!(a.try_borrow_data().unwrap_err(), ProgramError::AccountBorrowFailed);
        assert_eq!(a.try_borrow_mut_data().unwrap_err(), ProgramError::AccountBorrowFailed);
        assert!(!a.can_borrow_data());
        // Lamports are tracked separately.
        assert_eq!(*a.try_borrow_lamports().unwrap(), 1_001);
        drop(m);
        assert_eq!(input.borrow_state(0), 0xFF);
        assert_eq!(a.try_borrow_data().unwrap()[0], 42);
    });
}

#[test]
fn lamport_borrows_are_tracked() {
    with_account(&[], |a, input| {
        let mut l = a.try_borrow_mut_lamports().unwrap();
        *l += 5;
        assert_eq!(input.borrow_state(0), 0x0F);
        assert_eq!(a.try_borrow_lamports().unwrap_err(), ProgramError::AccountBorrowFailed);
        assert!(a.try_borrow_mut_data().is_ok());
        drop(l);
        assert_eq!(a.lamports(), 1_006);
        let r1 = a.try_borrow_lamports().unwrap();
        assert_eq!(a.try_borrow_mut_lamports().unwrap_err(), ProgramError::AccountBorrowFailed);
        drop(r1);
        assert_eq!(input.borrow_state(0), 0xFF);
    });
}

#[test]
fn map_keeps_the_borrow_and_try_map_releases_on_error() {
    with_account(&[1, 2, 3, 4], |a, input| {
        let tail = crate::Ref::map(a.try_borrow_data().unwrap(), |d| &d[2..]);
        assert_eq!(&*tail, &[3, 4]);
        assert_eq!(input.borrow_state(0), 0xFE);
        drop(tail);
        let failed: Result<crate::Ref<'_, [u8]>, ()> = crate::Ref::try_map(a.try_borrow_data().unwrap(), |_| Err(()));
        assert!(failed.is_err());
        assert_eq!(input.borrow_state(0), 0xFF);
        let mut m = crate::RefMut::map(a.try_borrow_mut_data().unwrap(), |d| &mut d[..1]);
        m[0] = 9;
        assert_eq!(input.borrow_state(0), 0xF0);
        drop(m);
        assert_eq!(input.account(0).data, [9, 2, 3, 4]);
    });
}

#[test]
fn close_moves_lamports_empties_and_reassigns() {
    let mut input = serialize(&[account(1, &[7; 16], true, true), account(2, &[], false, true)], &[], &key(9));
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 2];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    let [a, b] = parsed.accounts else { panic!() };
    let held = a.try_borrow_data().unwrap();
    assert_eq!(a.close_to(b).unwrap_err(), ProgramError::AccountBorrowFailed);
    drop(held);
    assert_eq!(a.close_to(a).unwrap_err(), ProgramError::InvalidArgument);
    a.close_to(b).unwrap();
    let (a_after, b_after) = (input.account(0), input.account(1));
    assert_eq!((a_after.lamports, a_after.data.len(), a_after.owner), (0, 0, crate::Pubkey::default()));
    assert_eq!(b_after.lamports, 1_001 + 1_002);
}
