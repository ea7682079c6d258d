use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{CloseCreditAccountAccounts, CloseCreditAccountData};
use crate::errors::EscrowError;
use crate::logic;
use crate::state::CreditAccount;
use crate::utils::load;

/// Closes the wallet's empty credit account (rent to the wallet).
pub fn process_close_credit_account(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = CloseCreditAccountAccounts::try_from(accounts)?;
    CloseCreditAccountData::try_from(data)?;
    {
        let credit = load::<CreditAccount>(a.credit, program_id)?;
        if &credit.wallet != a.wallet.key() {
            return Err(EscrowError::CreditAccountMismatch.into());
        }
        logic::check_closable(&credit)?;
    }
    a.credit.close_to(a.wallet)
}
