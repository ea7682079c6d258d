use crate::sysvars::rent::Rent;
use crate::ProgramError;

/// What the runtime computes, in f64 as it does.
fn runtime(rent: &Rent, len: usize) -> u64 {
    (((128 + len as u64) * rent.lamports_per_byte_year) as f64 * f64::from_bits(rent.exemption_threshold_bits)) as u64
}

#[test]
fn default_rent_matches_known_values() {
    let r = Rent::get().unwrap();
    assert_eq!(r, Rent::DEFAULT);
    assert_eq!(r.minimum_balance(0), Ok(890_880));
    assert_eq!(r.minimum_balance(165), Ok(2_039_280));
    assert_eq!(r.is_exempt(2_039_280, 165), Ok(true));
    assert_eq!(r.is_exempt(2_039_279, 165), Ok(false));
}

#[test]
fn other_thresholds_match_the_f64_formula() {
    for threshold in [1.0f64, 0.5, 1.5, 3.0, 0.75, 2.5, 10.0, 1.0 / 1024.0] {
        for lpby in [0u64, 1, 3480, 6960, 1_000_003] {
            let rent = Rent { lamports_per_byte_year: lpby, exemption_threshold_bits: threshold.to_bits(), burn_percent: 50 };
            for len in [0usize, 1, 82, 165, 10_240, 1 << 20] {
                assert_eq!(rent.minimum_balance(len), Ok(runtime(&rent, len)), "{threshold} {lpby} {len}");
            }
        }
    }
}

#[test]
fn overflow_and_bad_thresholds_are_errors() {
    let rent = Rent { lamports_per_byte_year: u64::MAX / 2, ..Rent::DEFAULT };
    assert_eq!(rent.minimum_balance(100), Err(ProgramError::ArithmeticOverflow));
    assert_eq!(Rent::DEFAULT.minimum_balance(usize::MAX), Err(ProgramError::ArithmeticOverflow));
    for bad in [-1.0f64, f64::INFINITY, f64::NAN] {
        let rent = Rent { exemption_threshold_bits: bad.to_bits(), ..Rent::DEFAULT };
        assert_eq!(rent.minimum_balance(1), Err(ProgramError::InvalidAccountData));
    }
    let zero = Rent { exemption_threshold_bits: 0, ..Rent::DEFAULT };
    assert_eq!(zero.minimum_balance(1), Ok(0));
}
