use crate::host::{serialize, InputAccount, TestAccount};
use crate::token::{Mint, TokenAccount, TOKEN_ACCOUNT_LEN};
use crate::{ProgramError, Pubkey};

fn token_account_bytes(mint: [u8; 32], owner: [u8; 32], amount: u64, state: u8) -> std::vec::Vec<u8> {
    let mut d = std::vec![0u8; TOKEN_ACCOUNT_LEN];
    d[0..32].copy_from_slice(&mint);
    d[32..64].copy_from_slice(&owner);
    d[64..72].copy_from_slice(&amount.to_le_bytes());
    d[72..76].copy_from_slice(&1u32.to_le_bytes());
    d[76..108].copy_from_slice(&[4; 32]);
    d[108] = state;
    d[121..129].copy_from_slice(&77u64.to_le_bytes());
    d
}

#[test]
fn token_account_fields() {
    let d = token_account_bytes([1; 32], [2; 32], 123_456, 1);
    let t = TokenAccount::from_bytes(&d).unwrap();
    assert_eq!((t.mint(), t.owner(), t.amount()), (&Pubkey([1; 32]), &Pubkey([2; 32]), 123_456));
    assert_eq!((t.delegate(), t.delegated_amount()), (Some(&Pubkey([4; 32])), 77));
    assert!(!t.is_frozen() && !t.is_native());
    assert_eq!(t.close_authority(), None);
    let frozen = token_account_bytes([1; 32], [2; 32], 0, 2);
    assert!(TokenAccount::from_bytes(&frozen).unwrap().is_frozen());
    let uninit = token_account_bytes([1; 32], [2; 32], 0, 0);
    assert_eq!(TokenAccount::from_bytes(&uninit).err(), Some(ProgramError::UninitializedAccount));
    assert_eq!(TokenAccount::from_bytes(&d[..164]).err(), Some(ProgramError::InvalidAccountData));
}

#[test]
fn mint_fields() {
    let mut d = [0u8; 82];
    d[0..4].copy_from_slice(&1u32.to_le_bytes());
    d[4..36].copy_from_slice(&[8; 32]);
    d[36..44].copy_from_slice(&1_000_000u64.to_le_bytes());
    d[44] = 6;
    d[45] = 1;
    let m = Mint::from_bytes(&d).unwrap();
    assert_eq!((m.mint_authority(), m.supply(), m.decimals(), m.freeze_authority()), (Some(&Pubkey([8; 32])), 1_000_000, 6, None));
    d[45] = 0;
    assert_eq!(Mint::from_bytes(&d).err(), Some(ProgramError::UninitializedAccount));
}

#[test]
fn from_account_checks_the_owner_and_borrows() {
    let data = token_account_bytes([1; 32], [2; 32], 5, 1);
    let good = TestAccount { key: Pubkey([1; 32]), owner: crate::cpi::token::TOKEN_PROGRAM_ID, data: data.clone(), ..Default::default() };
    let fake = TestAccount { key: Pubkey([2; 32]), owner: Pubkey([9; 32]), data, ..Default::default() };
    let mut input = serialize(&[InputAccount::Account(good), InputAccount::Account(fake)], &[], &Pubkey::default());
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 2];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    let [good, fake] = parsed.accounts else { panic!() };
    let t = TokenAccount::from_account(good).unwrap();
    assert_eq!(t.amount(), 5);
    assert_eq!(good.try_borrow_mut_data().err(), Some(ProgramError::AccountBorrowFailed));
    drop(t);
    assert!(good.try_borrow_mut_data().is_ok());
    assert_eq!(TokenAccount::from_account(fake).err(), Some(ProgramError::InvalidAccountOwner));
}
