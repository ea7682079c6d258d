//! The Clock sysvar.

use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// The Clock sysvar's address (`SysvarC1ock11111111111111111111111111111111`).
pub const CLOCK_ID: Pubkey = Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");

/// The cluster's clock, as `sol_get_clock_sysvar` writes it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// Current slot.
    pub slot: u64,
    /// Unix time of the first slot of the epoch.
    pub epoch_start_timestamp: i64,
    /// Current epoch.
    pub epoch: u64,
    /// Epoch whose leader schedule is known.
    pub leader_schedule_epoch: u64,
    /// Estimated Unix time of the current slot, in seconds.
    pub unix_timestamp: i64,
}

impl Clock {
    /// Reads the clock (about 100 CU). `UnsupportedSysvar` natively, where
    /// there is no cluster clock: pass time into pure logic instead.
    #[inline]
    pub fn get() -> Result<Clock, ProgramError> {
        let mut clock = Clock::default();
        // SAFETY: `clock` is a writable, aligned `repr(C)` mirror of the
        // runtime's Clock.
        let rc = unsafe { crate::syscalls::sol_get_clock_sysvar(&mut clock as *mut Clock as *mut u8) };
        match rc {
            0 => Ok(clock),
            _ => Err(ProgramError::UnsupportedSysvar),
        }
    }

    /// Reads only the clock's `unix_timestamp` (`sol_get_sysvar`: 110 CU
    /// against `get`'s 140). `UnsupportedSysvar` natively.
    #[inline]
    pub fn unix_timestamp() -> Result<i64, ProgramError> {
        let mut ts = [0u8; 8];
        // SAFETY: the id is 32 bytes and `ts` has room for the 8 bytes
        // requested at the field's offset in the runtime's Clock.
        let rc = unsafe {
            crate::syscalls::sol_get_sysvar(
                CLOCK_ID.0.as_ptr(),
                ts.as_mut_ptr(),
                core::mem::offset_of!(Clock, unix_timestamp) as u64,
                8,
            )
        };
        match rc {
            0 => Ok(i64::from_le_bytes(ts)),
            _ => Err(ProgramError::UnsupportedSysvar),
        }
    }
}
