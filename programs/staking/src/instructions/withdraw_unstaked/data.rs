pub use crate::instructions::cancel_unstake::Data;
