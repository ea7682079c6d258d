use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_system_program, verify_writable};

/// Accounts of `initialize`.
///
/// 0. `[signer, writable]` admin — pays the config's rent and becomes admin
/// 1. `[signer]` program_key — the program's own address: only whoever
///    holds the keypair the program was deployed at can initialize it, so
///    nobody can take a fresh deployment by initializing it first
/// 2. `[writable]` config — PDA `["config"]`, not created yet
/// 3. `[]` usdc_mint — SPL Token mint with 6 decimals
/// 4. `[]` vault — USDC token account owned by the config PDA, without
///    delegate or close authority (its associated token account)
/// 5. `[]` treasury — USDC token account receiving claimed fees
/// 6. `[]` system_program
pub struct InitializeAccounts<'a> {
    pub admin: &'a AccountView,
    pub program_key: &'a AccountView,
    pub config: &'a AccountView,
    pub usdc_mint: &'a AccountView,
    pub vault: &'a AccountView,
    pub treasury: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for InitializeAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [admin, program_key, config, usdc_mint, vault, treasury, system_program, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(admin)?;
        if !program_key.is_signer() {
            return Err(EscrowError::NotProgramKey);
        }
        // 2. Writable
        verify_writable(admin)?;
        verify_writable(config)?;
        // 3. Programs
        verify_system_program(system_program)?;
        Ok(Self { admin, program_key, config, usdc_mint, vault, treasury })
    }
}
