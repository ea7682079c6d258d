//! Program errors: the runtime's builtin codes, `Custom(u32)`, and the
//! [`program_errors!`](crate::program_errors) macro for Anchor-compatible
//! custom errors numbered from 6000.

/// Result of an instruction handler.
pub type ProgramResult = Result<(), ProgramError>;

/// First custom error code, as Anchor numbers `#[error_code]` enums.
pub const ANCHOR_ERROR_OFFSET: u32 = 6000;

/// Builtin errors sit in the upper 32 bits of the returned `u64`.
const BUILTIN_BIT_SHIFT: u32 = 32;

macro_rules! builtin_errors {
    ($( $(#[$doc:meta])* $name:ident = $code:literal ),+ $(,)?) => {
        /// An error returned by a program, encoded as the runtime expects.
        ///
        /// `Custom(n)` reaches clients as `InstructionError::Custom(n)`;
        /// the other variants are the runtime's builtin errors.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ProgramError {
            /// A program-defined error code (Anchor programs start at 6000).
            Custom(u32),
            $( $(#[$doc])* $name, )+
        }

        impl ProgramError {
            /// The `u64` the entrypoint returns for this error.
            pub const fn to_u64(self) -> u64 {
                match self {
                    // Custom(0) would read as success: the runtime reserves
                    // a builtin code for it.
                    ProgramError::Custom(0) => 1u64 << BUILTIN_BIT_SHIFT,
                    ProgramError::Custom(n) => n as u64,
                    $( ProgramError::$name => ($code as u64) << BUILTIN_BIT_SHIFT, )+
                }
            }

            /// Decodes an entrypoint return value; `None` for 0 (success)
            /// and for unknown builtin codes.
            pub const fn from_u64(value: u64) -> Option<Self> {
                if value == 1u64 << BUILTIN_BIT_SHIFT {
                    return Some(ProgramError::Custom(0));
                }
                if value == 0 {
                    return None;
                }
                if value >> BUILTIN_BIT_SHIFT == 0 {
                    return Some(ProgramError::Custom(value as u32));
                }
                match value >> BUILTIN_BIT_SHIFT {
                    $( $code => Some(ProgramError::$name), )+
                    _ => None,
                }
            }

            /// The variant's name, as the runtime prints it.
            pub const fn name(self) -> &'static str {
                match self {
                    ProgramError::Custom(_) => "Custom",
                    $( ProgramError::$name => stringify!($name), )+
                }
            }
        }
    };
}

builtin_errors! {
    /// The arguments provided to a program were invalid.
    InvalidArgument = 2,
    /// The instruction data was invalid.
    InvalidInstructionData = 3,
    /// An account's data was invalid.
    InvalidAccountData = 4,
    /// An account's data was too small.
    AccountDataTooSmall = 5,
    /// An account's balance was too small to complete the instruction.
    InsufficientFunds = 6,
    /// The account did not have the expected program id.
    IncorrectProgramId = 7,
    /// A signature was required but not found.
    MissingRequiredSignature = 8,
    /// An initialize instruction was sent to an initialized account.
    AccountAlreadyInitialized = 9,
    /// An attempt to operate on an account that hasn't been initialized.
    UninitializedAccount = 10,
    /// Not enough account keys were given to the instruction.
    NotEnoughAccountKeys = 11,
    /// An account was already borrowed in an incompatible way.
    AccountBorrowFailed = 12,
    /// A seed was longer than 32 bytes, or there were more than 16 seeds.
    MaxSeedLengthExceeded = 13,
    /// The seeds do not derive a valid program address.
    InvalidSeeds = 14,
    /// Serialization or deserialization failed.
    BorshIoError = 15,
    /// An account does not have enough lamports to be rent-exempt.
    AccountNotRentExempt = 16,
    /// The sysvar is not supported (or the account is not that sysvar).
    UnsupportedSysvar = 17,
    /// The provided owner is not allowed.
    IllegalOwner = 18,
    /// Accounts data allocations exceeded the maximum.
    MaxAccountsDataAllocationsExceeded = 19,
    /// Account data reallocation was invalid.
    InvalidRealloc = 20,
    /// Instruction trace length exceeded the maximum.
    MaxInstructionTraceLengthExceeded = 21,
    /// Builtin programs must consume compute units.
    BuiltinProgramsMustConsumeComputeUnits = 22,
    /// The account is not owned by the expected program.
    InvalidAccountOwner = 23,
    /// An arithmetic operation overflowed.
    ArithmeticOverflow = 24,
    /// The account is not writable.
    Immutable = 25,
    /// The signer is not the expected authority.
    IncorrectAuthority = 26,
}

impl From<ProgramError> for u64 {
    #[inline(always)]
    fn from(e: ProgramError) -> u64 {
        e.to_u64()
    }
}

/// Declares a program's custom error enum, Anchor-compatible: the first
/// variant is code 6000, the next 6001, and so on in declaration order.
///
/// ```
/// gridpay_sdk::program_errors! {
///     /// Errors of the example program.
///     pub enum ExampleError {
///         /// The deposit is below the minimum purchase.
///         BelowMinimum = "deposit below the minimum purchase",
///         /// The job was already settled.
///         AlreadySettled = "job already settled",
///     }
/// }
/// assert_eq!(ExampleError::AlreadySettled.code(), 6001);
/// let e: gridpay_sdk::ProgramError = ExampleError::BelowMinimum.into();
/// assert_eq!(e, gridpay_sdk::ProgramError::Custom(6000));
/// ```
#[macro_export]
macro_rules! program_errors {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $msg:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The custom error code (6000 + declaration index).
            #[inline(always)]
            pub const fn code(self) -> u32 {
                $crate::error::ANCHOR_ERROR_OFFSET + self as u32
            }

            /// The variant's name (the IDL's error name).
            pub const fn name(self) -> &'static str {
                match self { $( $name::$variant => stringify!($variant), )+ }
            }

            /// The human-readable message (the IDL's `msg`).
            pub const fn message(self) -> &'static str {
                match self { $( $name::$variant => $msg, )+ }
            }

            /// The variant with this code, if any.
            pub fn from_code(code: u32) -> Option<Self> {
                if code < $crate::error::ANCHOR_ERROR_OFFSET {
                    return None;
                }
                Self::ALL.get((code - $crate::error::ANCHOR_ERROR_OFFSET) as usize).copied()
            }
        }

        impl From<$name> for $crate::error::ProgramError {
            #[inline(always)]
            fn from(e: $name) -> Self {
                $crate::error::ProgramError::Custom(e.code())
            }
        }
    };
}
