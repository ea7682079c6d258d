//! Fixed-size Borsh encoding (little-endian integers, `bool` as one byte,
//! arrays and addresses as raw bytes): event fields and instruction
//! arguments, no allocation.

use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// A fixed-size Borsh value.
pub trait Borsh: Sized {
    /// Encoded length in bytes.
    const LEN: usize;
    /// Appends the encoding to `w`.
    fn write(&self, w: &mut Writer<'_>);
    /// Reads one value from `r`.
    fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError>;
}

/// Appends to a byte buffer. Writes past the end are dropped and reported
/// by [`Writer::finish`], so encoding code has no panic path.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Writes into `buf` from its start.
    #[inline(always)]
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Appends raw bytes.
    #[inline(always)]
    pub fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    /// Appends a value.
    #[inline(always)]
    pub fn write<T: Borsh>(&mut self, value: &T) {
        value.write(self);
    }

    /// Bytes written; `BorshIoError` if the buffer was too small.
    #[inline(always)]
    pub fn finish(self) -> Result<usize, ProgramError> {
        if self.pos > self.buf.len() {
            return Err(ProgramError::BorshIoError);
        }
        Ok(self.pos)
    }
}

/// Reads from a byte slice; every read fails with `InvalidInstructionData`
/// when the bytes run out.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `data` from its start.
    #[inline(always)]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Takes the next `N` bytes.
    #[inline(always)]
    pub fn take_array<const N: usize>(&mut self) -> Result<&'a [u8; N], ProgramError> {
        match self.data.split_first_chunk::<N>() {
            Some((head, rest)) => {
                self.data = rest;
                Ok(head)
            }
            None => Err(ProgramError::InvalidInstructionData),
        }
    }

    /// Takes the next `n` bytes.
    #[inline(always)]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ProgramError> {
        if n > self.data.len() {
            return Err(ProgramError::InvalidInstructionData);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    /// Reads one value.
    #[inline(always)]
    pub fn read<T: Borsh>(&mut self) -> Result<T, ProgramError> {
        T::read(self)
    }

    /// Bytes not read yet.
    #[inline(always)]
    pub fn remaining(&self) -> &'a [u8] {
        self.data
    }

    /// Succeeds only if every byte was read: trailing bytes are
    /// `InvalidInstructionData`, so malformed input is never half-accepted.
    #[inline(always)]
    pub fn finish(self) -> Result<(), ProgramError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(ProgramError::InvalidInstructionData)
        }
    }
}

macro_rules! borsh_int {
    ($($t:ty),+) => {$(
        impl Borsh for $t {
            const LEN: usize = core::mem::size_of::<$t>();
            #[inline(always)]
            fn write(&self, w: &mut Writer<'_>) {
                w.put(&self.to_le_bytes());
            }
            #[inline(always)]
            fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError> {
                Ok(<$t>::from_le_bytes(*r.take_array()?))
            }
        }
    )+};
}

borsh_int!(u8, u16, u32, u64, i8, i16, i32, i64);

impl Borsh for bool {
    const LEN: usize = 1;
    #[inline(always)]
    fn write(&self, w: &mut Writer<'_>) {
        w.put(&[*self as u8]);
    }
    /// Only 0 and 1 are valid, as in Borsh.
    #[inline(always)]
    fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError> {
        match r.take_array::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ProgramError::InvalidInstructionData),
        }
    }
}

impl<const N: usize> Borsh for [u8; N] {
    const LEN: usize = N;
    #[inline(always)]
    fn write(&self, w: &mut Writer<'_>) {
        w.put(self);
    }
    #[inline(always)]
    fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError> {
        Ok(*r.take_array()?)
    }
}

impl Borsh for Pubkey {
    const LEN: usize = 32;
    #[inline(always)]
    fn write(&self, w: &mut Writer<'_>) {
        w.put(&self.0);
    }
    #[inline(always)]
    fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError> {
        Ok(Pubkey(*r.take_array()?))
    }
}
