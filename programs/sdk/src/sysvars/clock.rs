//! The Clock sysvar.

use crate::error::ProgramError;

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
}
