use crate::borsh::{Reader, Writer};
use crate::event::Event;
use crate::Pubkey;

crate::event! {
    /// A test event.
    pub struct Deposited {
        pub wallet: Pubkey,
        pub amount: u64,
        pub credits: u64,
        pub first: bool,
    }
}

#[test]
fn event_layout_is_discriminator_then_borsh() {
    let e = Deposited { wallet: Pubkey([3; 32]), amount: 1_500_000, credits: 150, first: true };
    assert_eq!(Deposited::DISCRIMINATOR, [111, 141, 26, 45, 161, 35, 100, 57]);
    assert_eq!(Deposited::ENCODED_LEN, 8 + 32 + 8 + 8 + 1);
    let mut buf = [0u8; 64];
    let n = crate::event::encode(&e, &mut buf).unwrap();
    assert_eq!(n, Deposited::ENCODED_LEN);
    assert_eq!(&buf[..8], &Deposited::DISCRIMINATOR);
    assert_eq!(&buf[8..40], &[3; 32]);
    assert_eq!(&buf[40..48], &1_500_000u64.to_le_bytes());
    assert_eq!(&buf[48..56], &150u64.to_le_bytes());
    assert_eq!(buf[56], 1);
    assert_eq!(Deposited::decode(&buf[..n]).unwrap(), e);
    assert!(Deposited::decode(&buf[..n - 1]).is_err());
    let mut small = [0u8; 20];
    assert_eq!(crate::event::encode(&e, &mut small), Err(crate::ProgramError::BorshIoError));
}

#[test]
fn emit_logs_one_data_entry() {
    crate::syscalls::take_logs();
    let e = Deposited { wallet: Pubkey([1; 32]), amount: 2, credits: 3, first: false };
    e.emit().unwrap();
    crate::log::log("after");
    let logs = crate::syscalls::take_logs();
    assert_eq!(logs.len(), 2);
    assert!(logs[0].starts_with("Program data: 6f8d1a2da1236439"), "{}", logs[0]);
    assert_eq!(logs[1], "Program log: after");
}

#[test]
fn reader_and_writer() {
    let mut buf = [0u8; 16];
    let mut w = Writer::new(&mut buf);
    w.write(&7u32);
    w.write(&-2i64);
    w.write(&true);
    assert_eq!(w.finish(), Ok(13));
    let mut r = Reader::new(&buf[..13]);
    assert_eq!(r.read::<u32>(), Ok(7));
    assert_eq!(r.read::<i64>(), Ok(-2));
    assert_eq!(r.read::<bool>(), Ok(true));
    assert!(r.finish().is_ok());
    let mut r = Reader::new(&[2]);
    assert_eq!(r.read::<bool>(), Err(crate::ProgramError::InvalidInstructionData));
    let r = Reader::new(&[1, 2]);
    assert_eq!(r.finish(), Err(crate::ProgramError::InvalidInstructionData));
    let mut r = Reader::new(&[1, 2]);
    assert_eq!(r.read::<u64>(), Err(crate::ProgramError::InvalidInstructionData));
}
