//! The example's events (Anchor layout).

use gridpay_sdk::Pubkey;

gridpay_sdk::event! {
    /// Emitted by `log_event`.
    pub struct ValueLogged {
        /// Who called.
        pub user: Pubkey,
        /// The value passed.
        pub value: u64,
    }
}
