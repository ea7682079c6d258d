//! Events in Anchor's layout: one `sol_log_data` entry holding the 8-byte
//! discriminator `sha256("event:<Name>")[..8]` followed by the Borsh
//! fields, so Anchor clients (`EventParser`) decode them.

use crate::borsh::Writer;
use crate::error::ProgramResult;

/// An event type. Implemented by [`event!`](crate::event!).
pub trait Event {
    /// `sha256("event:<Name>")[..8]`.
    const DISCRIMINATOR: [u8; 8];
    /// Length of the Borsh fields (without the discriminator).
    const FIELDS_LEN: usize;
    /// Appends the Borsh fields.
    fn write_fields(&self, w: &mut Writer<'_>);
}

/// Encodes `event` (discriminator + fields) into `buf`; returns the length.
/// `BorshIoError` if `buf` is too small.
#[inline(always)]
pub fn encode<E: Event>(event: &E, buf: &mut [u8]) -> Result<usize, crate::ProgramError> {
    let mut w = Writer::new(buf);
    w.put(&E::DISCRIMINATOR);
    event.write_fields(&mut w);
    w.finish()
}

/// Encodes and logs `event` from a buffer of `N` bytes on the stack.
#[inline(always)]
pub fn emit_with_buffer<E: Event, const N: usize>(event: &E) -> ProgramResult {
    let mut buf = [0u8; N];
    let len = encode(event, &mut buf)?;
    crate::log::log_data(&[&buf[..len]]);
    Ok(())
}

/// Declares an event struct and its Anchor encoding.
///
/// ```
/// gridpay_sdk::event! {
///     /// Credits bought.
///     pub struct Deposited {
///         pub wallet: gridpay_sdk::Pubkey,
///         pub amount: u64,
///     }
/// }
/// # use gridpay_sdk::event::Event;
/// assert_eq!(Deposited::ENCODED_LEN, 8 + 32 + 8);
/// assert_eq!(Deposited::DISCRIMINATOR, gridpay_sdk::discriminator::event_discriminator("Deposited"));
/// ```
///
/// Field types implement [`Borsh`](crate::borsh::Borsh). The generated
/// `emit()` encodes into an exactly-sized stack buffer and logs it.
#[macro_export]
macro_rules! event {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
        }

        impl $crate::event::Event for $name {
            const DISCRIMINATOR: [u8; 8] =
                $crate::discriminator::event_discriminator(stringify!($name));
            const FIELDS_LEN: usize = 0 $( + <$ty as $crate::borsh::Borsh>::LEN )*;
            #[inline(always)]
            fn write_fields(&self, _w: &mut $crate::borsh::Writer<'_>) {
                $( $crate::borsh::Borsh::write(&self.$field, _w); )*
            }
        }

        impl $name {
            /// Encoded length: discriminator plus fields.
            pub const ENCODED_LEN: usize = 8 + <$name as $crate::event::Event>::FIELDS_LEN;

            /// Logs the event with `sol_log_data`.
            #[inline(always)]
            pub fn emit(&self) -> $crate::error::ProgramResult {
                $crate::event::emit_with_buffer::<$name, { $name::ENCODED_LEN }>(self)
            }

            /// Decodes the fields from an event's bytes (discriminator
            /// included), for tests and clients.
            pub fn decode(bytes: &[u8]) -> Result<Self, $crate::error::ProgramError> {
                let mut _r = $crate::borsh::Reader::new(bytes);
                if _r.take_array::<8>()? != &<$name as $crate::event::Event>::DISCRIMINATOR {
                    return Err($crate::error::ProgramError::InvalidInstructionData);
                }
                let value = $name { $( $field: _r.read()?, )* };
                _r.finish()?;
                Ok(value)
            }
        }
    };
}
