use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_writable};

/// Accounts of `close_credit_account`.
///
/// 0. `[signer, writable]` wallet — receives the rent
/// 1. `[writable]` credit — PDA `["credit", wallet]`
pub struct CloseCreditAccountAccounts<'a> {
    pub wallet: &'a AccountView,
    pub credit: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for CloseCreditAccountAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [wallet, credit, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(wallet)?;
        // 2. Writable
        verify_writable(wallet)?;
        verify_writable(credit)?;
        Ok(Self { wallet, credit })
    }
}
