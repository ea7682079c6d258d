use crate::discriminator::account_discriminator;
use crate::host::{serialize, InputAccount, TestAccount};
use crate::state::{AccountState, Pod, PodBool, PodU64};
use crate::{ProgramError, Pubkey};

#[repr(C)]
struct Counter {
    owner: Pubkey,
    value: PodU64,
    open: PodBool,
}
// SAFETY: repr(C), alignment-1 fields, no padding.
unsafe impl Pod for Counter {}
impl AccountState for Counter {
    const DISCRIMINATOR: [u8; 8] = account_discriminator("Counter");
}

const PROGRAM: Pubkey = Pubkey([7; 32]);

fn run(data: std::vec::Vec<u8>, owner: Pubkey, f: impl FnOnce(&crate::AccountView)) -> std::vec::Vec<u8> {
    let acc = TestAccount { key: Pubkey([1; 32]), owner, data, is_writable: true, ..Default::default() };
    let mut input = serialize(&[InputAccount::Account(acc)], &[], &PROGRAM);
    let mut slots = [const { core::mem::MaybeUninit::uninit() }; 1];
    let parsed = unsafe { crate::entrypoint::deserialize(input.as_mut_ptr(), &mut slots) }.unwrap();
    f(&parsed.accounts[0]);
    input.account(0).data
}

#[test]
fn init_load_and_mutate() {
    assert_eq!(Counter::SPACE, 8 + 32 + 8 + 1);
    let after = run(std::vec![0; Counter::SPACE], PROGRAM, |a| {
        assert_eq!(Counter::load(a, &PROGRAM).err(), Some(ProgramError::UninitializedAccount));
        let mut c = Counter::init(a, &PROGRAM).unwrap();
        c.owner = Pubkey([2; 32]);
        c.value.set(41);
        drop(c);
        assert_eq!(Counter::init(a, &PROGRAM).err(), Some(ProgramError::AccountAlreadyInitialized));
        Counter::load_mut(a, &PROGRAM).unwrap().value.set(42);
        let c = Counter::load(a, &PROGRAM).unwrap();
        assert_eq!((c.value.get(), c.owner, c.open.get()), (42, Pubkey([2; 32]), false));
    });
    assert_eq!(&after[..8], &account_discriminator("Counter"));
    assert_eq!(&after[40..48], &42u64.to_le_bytes());
}

#[test]
fn load_refuses_wrong_owner_size_and_type() {
    run(std::vec![0; Counter::SPACE], Pubkey([8; 32]), |a| {
        assert_eq!(Counter::load(a, &PROGRAM).err(), Some(ProgramError::InvalidAccountOwner));
    });
    run(std::vec![0; Counter::SPACE - 1], PROGRAM, |a| {
        assert_eq!(Counter::load(a, &PROGRAM).err(), Some(ProgramError::AccountDataTooSmall));
        assert_eq!(Counter::init(a, &PROGRAM).err(), Some(ProgramError::AccountDataTooSmall));
    });
    let mut other = std::vec![0; Counter::SPACE];
    other[..8].copy_from_slice(&account_discriminator("Other"));
    run(other, PROGRAM, |a| {
        assert_eq!(Counter::load(a, &PROGRAM).err(), Some(ProgramError::InvalidAccountData));
        assert_eq!(Counter::load_mut(a, &PROGRAM).err(), Some(ProgramError::InvalidAccountData));
        // The failed loads released their borrows.
        assert!(a.try_borrow_mut_data().is_ok());
    });
}
