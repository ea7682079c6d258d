//! The Rent sysvar and the rent-exempt minimum, in integer arithmetic.

use crate::error::ProgramError;

/// Bytes the runtime charges for on top of an account's data.
pub const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// The rent parameters, as `sol_get_rent_sysvar` writes them.
///
/// The exemption threshold is an `f64` on the wire; it is kept as its bit
/// pattern because the program target has no floating point.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rent {
    /// Lamports per byte per year.
    pub lamports_per_byte_year: u64,
    /// Bit pattern of the `f64` exemption threshold (years).
    pub exemption_threshold_bits: u64,
    /// Percentage of collected rent burned.
    pub burn_percent: u8,
}

/// Bit pattern of `2.0f64`, the default threshold.
const TWO_F64_BITS: u64 = 0x4000_0000_0000_0000;
/// Bit pattern of `1.0f64`.
const ONE_F64_BITS: u64 = 0x3FF0_0000_0000_0000;

/// `a * b`, or `ArithmeticOverflow` (checked by division, so no overflow
/// intrinsic reaches the program target).
#[inline(always)]
fn mul(a: u64, b: u64) -> Result<u64, ProgramError> {
    if a != 0 && b > u64::MAX / a {
        return Err(ProgramError::ArithmeticOverflow);
    }
    Ok(a * b)
}

impl Rent {
    /// The runtime's default parameters (3,480 lamports per byte-year,
    /// 2 years, 50 % burned).
    pub const DEFAULT: Rent =
        Rent { lamports_per_byte_year: 3480, exemption_threshold_bits: TWO_F64_BITS, burn_percent: 50 };

    /// Reads the rent sysvar (about 100 CU).
    #[inline]
    pub fn get() -> Result<Rent, ProgramError> {
        let mut rent = Rent { lamports_per_byte_year: 0, exemption_threshold_bits: 0, burn_percent: 0 };
        // SAFETY: `rent` is a writable, aligned 24-byte `repr(C)` mirror of
        // the runtime's Rent (u64, f64, u8 + padding).
        let rc = unsafe { crate::syscalls::sol_get_rent_sysvar(&mut rent as *mut Rent as *mut u8) };
        match rc {
            0 => Ok(rent),
            _ => Err(ProgramError::UnsupportedSysvar),
        }
    }

    /// Lamports an account of `data_len` bytes needs to be rent-exempt:
    /// `floor((128 + data_len) * lamports_per_byte_year * threshold)`,
    /// equal to the runtime's `f64` computation whenever that is exact
    /// (always, for the default 2.0 and for 1.0).
    ///
    /// `ArithmeticOverflow` if the result does not fit a `u64`;
    /// `InvalidAccountData` for a negative, infinite or NaN threshold.
    pub fn minimum_balance(&self, data_len: usize) -> Result<u64, ProgramError> {
        if data_len as u64 > u64::MAX - ACCOUNT_STORAGE_OVERHEAD {
            return Err(ProgramError::ArithmeticOverflow);
        }
        let bytes = ACCOUNT_STORAGE_OVERHEAD + data_len as u64;
        let base = mul(bytes, self.lamports_per_byte_year)?;
        let bits = self.exemption_threshold_bits;
        if bits == TWO_F64_BITS {
            return mul(base, 2);
        }
        if bits == ONE_F64_BITS {
            return Ok(base);
        }
        let exponent = (bits >> 52) & 0x7FF;
        if bits >> 63 != 0 || exponent == 0x7FF {
            return Err(ProgramError::InvalidAccountData);
        }
        if exponent == 0 {
            // Zero or subnormal (< 2^-1022): the product floors to 0.
            return Ok(0);
        }
        // threshold = mantissa * 2^(exponent - 1075), mantissa odd.
        let mut mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
        let mut exp2 = exponent;
        while mantissa & 1 == 0 {
            mantissa >>= 1;
            exp2 += 1;
        }
        let product = mul(base, mantissa)?;
        if exp2 >= 1075 {
            let shift = exp2 - 1075;
            if shift >= 64 || (shift > 0 && product >> (64 - shift) != 0) {
                return Err(ProgramError::ArithmeticOverflow);
            }
            Ok(product << shift)
        } else {
            let shift = 1075 - exp2;
            Ok(if shift >= 64 { 0 } else { product >> shift })
        }
    }

    /// Whether `lamports` make an account of `data_len` bytes rent-exempt.
    #[inline]
    pub fn is_exempt(&self, lamports: u64, data_len: usize) -> Result<bool, ProgramError> {
        Ok(lamports >= self.minimum_balance(data_len)?)
    }
}
