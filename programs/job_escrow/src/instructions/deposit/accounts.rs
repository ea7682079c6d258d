use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_system_program, verify_token_program, verify_writable};

/// Accounts of `deposit`.
///
/// 0. `[signer, writable]` wallet — the buyer; pays the credit account's
///    rent on first use
/// 1. `[]` config — PDA `["config"]`
/// 2. `[writable]` credit — PDA `["credit", wallet]` (created on first use)
/// 3. `[writable]` wallet_token — the wallet's USDC token account (source)
/// 4. `[writable]` vault — the program's vault (destination)
/// 5. `[]` usdc_mint
/// 6. `[]` token_program — SPL Token
/// 7. `[]` system_program
pub struct DepositAccounts<'a> {
    pub wallet: &'a AccountView,
    pub config: &'a AccountView,
    pub credit: &'a AccountView,
    pub wallet_token: &'a AccountView,
    pub vault: &'a AccountView,
    pub usdc_mint: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for DepositAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [wallet, config, credit, wallet_token, vault, usdc_mint, token_program, system_program, ..] = accounts
        else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(wallet)?;
        // 2. Writable
        verify_writable(wallet)?;
        verify_writable(credit)?;
        verify_writable(wallet_token)?;
        verify_writable(vault)?;
        // 3. Programs
        verify_token_program(token_program)?;
        verify_system_program(system_program)?;
        Ok(Self { wallet, config, credit, wallet_token, vault, usdc_mint })
    }
}
