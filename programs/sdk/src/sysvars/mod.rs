//! Sysvars read without deserializing whole structures: clock and rent
//! through their syscalls, instructions through the sysvar account.

pub mod clock;
pub mod instructions;
pub mod rent;
