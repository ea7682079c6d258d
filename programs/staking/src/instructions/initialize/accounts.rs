use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `initialize`:
///
/// 0. `[writable, signer]` admin — pays the config's rent, becomes its admin
/// 1. `[signer]` program_key — the program's own address: only whoever
///    holds the keypair the program was deployed at can initialize it, so
///    nobody can take a fresh deployment by initializing it first
/// 2. `[writable]` config — PDA `["config"]`, created here
/// 3. `[]` sgl_mint — the SGL mint
/// 4. `[]` vault — SGL token account owned by the config PDA, no delegate,
///    no close authority (e.g. the config PDA's associated token account)
/// 5. `[]` penalty_vault — SGL token account that receives slashed stake
/// 6. `[]` system_program
pub struct Accounts<'a> {
    pub admin: &'a AccountView,
    pub program_key: &'a AccountView,
    pub config: &'a AccountView,
    pub sgl_mint: &'a AccountView,
    pub vault: &'a AccountView,
    pub penalty_vault: &'a AccountView,
    pub system_program: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [admin, program_key, config, sgl_mint, vault, penalty_vault, system_program, ..] = accounts else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        // 1. signers and writable
        checks::writable_signer(admin)?;
        checks::writable(config)?;
        if !program_key.is_signer() {
            return Err(StakingError::NotProgramKey.into());
        }
        // 2. programs
        checks::system_program(system_program)?;
        // 3. token accounts: the config PDA's address (with the bump from
        //    the data) and the mint are checked by the processor.
        checks::distinct(vault, penalty_vault)?;
        Ok(Self { admin, program_key, config, sgl_mint, vault, penalty_vault, system_program })
    }
}
