//! 32-byte account addresses, with base58 decoding usable in `const`.

use core::fmt;

/// Length of an address in bytes.
pub const PUBKEY_BYTES: usize = 32;

/// Longest base58 encoding of 32 bytes.
pub const MAX_BASE58_LEN: usize = 44;

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// An account address (an ed25519 public key or a program-derived address).
///
/// `repr(transparent)` over `[u8; 32]`, alignment 1: it can be read in place
/// from the program input and from account data.
#[repr(transparent)]
#[derive(Clone, Copy, Default, Hash, PartialOrd, Ord)]
pub struct Pubkey(pub [u8; PUBKEY_BYTES]);

impl Pubkey {
    /// Wraps 32 bytes.
    #[inline(always)]
    pub const fn new_from_array(bytes: [u8; PUBKEY_BYTES]) -> Self {
        Self(bytes)
    }

    /// Decodes a base58 address at compile time; a malformed string is a
    /// compile error when used in a `const`.
    pub const fn from_str_const(s: &str) -> Self {
        match decode_base58(s.as_bytes()) {
            Some(bytes) => Self(bytes),
            None => panic!("invalid base58 address"),
        }
    }

    /// Decodes a base58 address; `None` unless `s` is the canonical
    /// encoding of exactly 32 bytes.
    pub const fn try_from_base58(s: &str) -> Option<Self> {
        match decode_base58(s.as_bytes()) {
            Some(bytes) => Some(Self(bytes)),
            None => None,
        }
    }

    /// The raw bytes.
    #[inline(always)]
    pub const fn to_bytes(self) -> [u8; PUBKEY_BYTES] {
        self.0
    }

    /// The raw bytes, borrowed.
    #[inline(always)]
    pub const fn as_array(&self) -> &[u8; PUBKEY_BYTES] {
        &self.0
    }

    /// Writes the base58 encoding into `out`; returns its length.
    pub fn encode_base58(&self, out: &mut [u8; MAX_BASE58_LEN]) -> usize {
        encode_base58(&self.0, out)
    }

    /// Logs the address (base58) with `sol_log_pubkey`.
    #[inline]
    pub fn log(&self) {
        crate::log::log_pubkey(self)
    }

    /// Reads 8 bytes at `i * 8` as a word, for fast comparison.
    #[inline(always)]
    fn word(&self, i: usize) -> u64 {
        // SAFETY: i < 4 at every call site, so the 8 bytes lie inside the
        // 32-byte array; `read_unaligned` has no alignment requirement.
        unsafe { (self.0.as_ptr().add(i * 8) as *const u64).read_unaligned() }
    }
}

/// Compared as four words rather than bytewise: fewer instructions, and no
/// `memcmp`/`bcmp` call for the linker to resolve.
impl PartialEq for Pubkey {
    #[inline(always)]
    fn eq(&self, other: &Self) -> bool {
        ((self.word(0) ^ other.word(0))
            | (self.word(1) ^ other.word(1))
            | (self.word(2) ^ other.word(2))
            | (self.word(3) ^ other.word(3)))
            == 0
    }
}

impl Eq for Pubkey {}

impl AsRef<[u8]> for Pubkey {
    #[inline(always)]
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; PUBKEY_BYTES]> for Pubkey {
    #[inline(always)]
    fn from(bytes: [u8; PUBKEY_BYTES]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Pubkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; MAX_BASE58_LEN];
        let len = self.encode_base58(&mut out);
        // The alphabet is ASCII, so every byte written is valid UTF-8.
        match core::str::from_utf8(&out[..len]) {
            Ok(s) => f.write_str(s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for Pubkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Declares a `const` [`Pubkey`] from its base58 form, checked at compile
/// time: `pubkey!("Tokenkeg...")`.
#[macro_export]
macro_rules! pubkey {
    ($s:literal) => {
        $crate::pubkey::Pubkey::from_str_const($s)
    };
}

/// Declares the program's id as `pub const ID` and `fn id()`.
#[macro_export]
macro_rules! declare_id {
    ($s:literal) => {
        /// This program's id.
        pub const ID: $crate::pubkey::Pubkey = $crate::pubkey::Pubkey::from_str_const($s);

        /// This program's id.
        #[inline(always)]
        pub const fn id() -> $crate::pubkey::Pubkey {
            ID
        }
    };
}

const fn base58_digit(c: u8) -> Option<u32> {
    let mut i = 0;
    while i < 58 {
        if ALPHABET[i] == c {
            return Some(i as u32);
        }
        i += 1;
    }
    None
}

/// Decodes `s` as a big-endian base58 number of exactly 32 bytes and
/// accepts it only if re-encoding gives back `s` (rejects extra or missing
/// leading '1's).
const fn decode_base58(s: &[u8]) -> Option<[u8; PUBKEY_BYTES]> {
    if s.is_empty() || s.len() > MAX_BASE58_LEN {
        return None;
    }
    let mut out = [0u8; PUBKEY_BYTES];
    let mut i = 0;
    while i < s.len() {
        let mut carry = match base58_digit(s[i]) {
            Some(d) => d,
            None => return None,
        };
        let mut j = PUBKEY_BYTES;
        while j > 0 {
            j -= 1;
            carry += out[j] as u32 * 58;
            out[j] = carry as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return None;
        }
        i += 1;
    }
    let mut enc = [0u8; MAX_BASE58_LEN];
    let len = encode_base58(&out, &mut enc);
    if len != s.len() {
        return None;
    }
    let mut k = 0;
    while k < len {
        if enc[k] != s[k] {
            return None;
        }
        k += 1;
    }
    Some(out)
}

/// Encodes 32 bytes in base58 (Bitcoin alphabet) into `out`; returns the
/// length written.
const fn encode_base58(bytes: &[u8; PUBKEY_BYTES], out: &mut [u8; MAX_BASE58_LEN]) -> usize {
    // Little-endian base-58 digits of the number.
    let mut digits = [0u8; MAX_BASE58_LEN];
    let mut ndigits = 0;
    let mut i = 0;
    while i < PUBKEY_BYTES {
        let mut carry = bytes[i] as u32;
        let mut j = 0;
        while j < ndigits {
            carry += (digits[j] as u32) << 8;
            digits[j] = (carry % 58) as u8;
            carry /= 58;
            j += 1;
        }
        while carry > 0 {
            digits[ndigits] = (carry % 58) as u8;
            ndigits += 1;
            carry /= 58;
        }
        i += 1;
    }
    let mut len = 0;
    let mut z = 0;
    while z < PUBKEY_BYTES && bytes[z] == 0 {
        out[len] = b'1';
        len += 1;
        z += 1;
    }
    while ndigits > 0 {
        ndigits -= 1;
        out[len] = ALPHABET[digits[ndigits] as usize];
        len += 1;
    }
    len
}
