//! Reading the Ed25519 precompile's instruction through introspection.
//!
//! The precompile (`Ed25519SigVerify111111111111111111111111111`) checks
//! its signatures before the transaction runs; a program that finds a
//! (public key, message, signature) entry in it therefore knows the
//! signature is valid. Instruction data:
//!
//! ```text
//! [0]     u8 number of signatures n
//! [1]     u8 padding
//! [2..]   n × 14-byte offsets, each:
//!         u16 signature_offset,  u16 signature_instruction_index,
//!         u16 public_key_offset, u16 public_key_instruction_index,
//!         u16 message_offset,    u16 message_size,
//!         u16 message_instruction_index
//! then the signatures, keys and messages the offsets point at
//! ```
//!
//! An instruction index of `u16::MAX` means "this instruction". The
//! precompile may also read from *other* instructions; a program reading
//! only this instruction's bytes would then see data the precompile did
//! not check. [`Ed25519Instruction::entry`] therefore accepts only entries
//! whose three indices all name the precompile instruction itself.

use crate::error::ProgramError;
use crate::pubkey::Pubkey;
use crate::sysvars::instructions::IntrospectedInstruction;

/// The Ed25519 signature-verification precompile.
pub const ED25519_PROGRAM_ID: Pubkey = Pubkey::from_str_const("Ed25519SigVerify111111111111111111111111111");

/// Where the offsets table starts.
pub const OFFSETS_START: usize = 2;
/// Size of one offsets entry.
pub const OFFSETS_LEN: usize = 14;
/// Length of a public key.
pub const PUBKEY_LEN: usize = 32;
/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;
/// Instruction index meaning "the precompile instruction itself".
pub const CURRENT_INSTRUCTION: u16 = u16::MAX;

/// One verified signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ed25519Signature<'a> {
    /// The signer's public key.
    pub pubkey: &'a Pubkey,
    /// The signed message.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

/// A parsed Ed25519 precompile instruction.
#[derive(Clone, Copy, Debug)]
pub struct Ed25519Instruction<'a> {
    data: &'a [u8],
    index: u16,
    count: usize,
}

impl<'a> Ed25519Instruction<'a> {
    /// Parses an introspected instruction.
    ///
    /// Errors: `IncorrectProgramId` if it is not the precompile;
    /// `InvalidInstructionData` if its offsets table is truncated.
    pub fn parse(ix: &IntrospectedInstruction<'a>) -> Result<Self, ProgramError> {
        if ix.program_id() != &ED25519_PROGRAM_ID {
            return Err(ProgramError::IncorrectProgramId);
        }
        Self::from_data(ix.data(), ix.index())
    }

    /// Parses precompile instruction data found at transaction position
    /// `index`.
    pub fn from_data(data: &'a [u8], index: u16) -> Result<Self, ProgramError> {
        let count = *data.first().ok_or(ProgramError::InvalidInstructionData)? as usize;
        if data.len() < OFFSETS_START + count * OFFSETS_LEN {
            return Err(ProgramError::InvalidInstructionData);
        }
        Ok(Self { data, index, count })
    }

    /// Number of signatures.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it holds no signature.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Position of the precompile instruction in the transaction.
    #[inline(always)]
    pub fn index(&self) -> u16 {
        self.index
    }

    #[inline(always)]
    fn field(&self, entry: usize, n: usize) -> u16 {
        let at = OFFSETS_START + entry * OFFSETS_LEN + 2 * n;
        // In bounds: `from_data` checked the table's length.
        u16::from_le_bytes([self.data[at], self.data[at + 1]])
    }

    #[inline(always)]
    fn points_here(&self, instruction_index: u16) -> bool {
        instruction_index == CURRENT_INSTRUCTION || instruction_index == self.index
    }

    /// The signature entry `i`.
    ///
    /// Errors: `InvalidArgument` if `i` is out of range or an offset
    /// points into another instruction; `InvalidInstructionData` if a
    /// range runs past the data.
    pub fn entry(&self, i: usize) -> Result<Ed25519Signature<'a>, ProgramError> {
        if i >= self.count {
            return Err(ProgramError::InvalidArgument);
        }
        let signature_offset = self.field(i, 0) as usize;
        let public_key_offset = self.field(i, 2) as usize;
        let message_offset = self.field(i, 4) as usize;
        let message_size = self.field(i, 5) as usize;
        if !self.points_here(self.field(i, 1))
            || !self.points_here(self.field(i, 3))
            || !self.points_here(self.field(i, 6))
        {
            return Err(ProgramError::InvalidArgument);
        }
        let data = self.data;
        let (Some(sig), Some(key), Some(message)) = (
            data.get(signature_offset..signature_offset + SIGNATURE_LEN),
            data.get(public_key_offset..public_key_offset + PUBKEY_LEN),
            data.get(message_offset..message_offset + message_size),
        ) else {
            return Err(ProgramError::InvalidInstructionData);
        };
        // SAFETY: the slices have exactly the lengths of the target types,
        // which are byte arrays (alignment 1).
        let (signature, pubkey) = unsafe {
            (&*(sig.as_ptr() as *const [u8; SIGNATURE_LEN]), &*(key.as_ptr() as *const Pubkey))
        };
        Ok(Ed25519Signature { pubkey, message, signature })
    }

    /// Finds the entry signed by `pubkey` over exactly `message`;
    /// `MissingRequiredSignature` if there is none.
    pub fn find(&self, pubkey: &Pubkey, message: &[u8]) -> Result<Ed25519Signature<'a>, ProgramError> {
        for i in 0..self.count {
            let entry = self.entry(i)?;
            if entry.pubkey == pubkey && entry.message == message {
                return Ok(entry);
            }
        }
        Err(ProgramError::MissingRequiredSignature)
    }
}
