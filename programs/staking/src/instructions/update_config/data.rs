pub use crate::instructions::initialize::Data;
