use crate::ProgramError;

crate::program_errors! {
    /// Test errors.
    pub enum TestError {
        /// First.
        First = "the first error",
        /// Second.
        Second = "the second error",
    }
}

#[test]
fn custom_errors_start_at_6000() {
    assert_eq!(TestError::First.code(), 6000);
    assert_eq!(TestError::Second.code(), 6001);
    assert_eq!(ProgramError::from(TestError::Second), ProgramError::Custom(6001));
    assert_eq!(ProgramError::from(TestError::Second).to_u64(), 6001);
    assert_eq!(TestError::from_code(6001), Some(TestError::Second));
    assert_eq!(TestError::from_code(6002), None);
    assert_eq!(TestError::from_code(5999), None);
    assert_eq!((TestError::First.name(), TestError::First.message()), ("First", "the first error"));
}

#[test]
fn builtin_codes_match_the_runtime() {
    assert_eq!(ProgramError::Custom(0).to_u64(), 1 << 32);
    assert_eq!(ProgramError::InvalidArgument.to_u64(), 2 << 32);
    assert_eq!(ProgramError::MissingRequiredSignature.to_u64(), 8 << 32);
    assert_eq!(ProgramError::AccountBorrowFailed.to_u64(), 12 << 32);
    assert_eq!(ProgramError::InvalidAccountOwner.to_u64(), 23 << 32);
    assert_eq!(ProgramError::IncorrectAuthority.to_u64(), 26 << 32);
    for code in 2..=26u64 {
        let e = ProgramError::from_u64(code << 32).unwrap();
        assert_eq!(e.to_u64(), code << 32);
    }
    assert_eq!(ProgramError::from_u64(0), None);
    assert_eq!(ProgramError::from_u64(1 << 32), Some(ProgramError::Custom(0)));
    assert_eq!(ProgramError::from_u64(7), Some(ProgramError::Custom(7)));
    assert_eq!(ProgramError::from_u64(99 << 32), None);
}
