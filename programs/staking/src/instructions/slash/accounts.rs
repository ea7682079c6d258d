use gridpay_sdk::AccountView;

use crate::checks::{self, Result};
use crate::errors::StakingError;

/// Accounts of `slash`:
///
/// 0. `[writable, signer]` slasher — anyone holding the proof; pays the
///    proof record's rent
/// 1. `[]` config
/// 2. `[writable]` stake — the position slashed
/// 3. `[writable]` proof — PDA `["proof", operator, job_id]`, created here
/// 4. `[writable]` vault — the config's vault
/// 5. `[writable]` penalty_vault — the config's penalty vault
/// 6. `[]` sgl_mint
/// 7. `[]` instructions_sysvar
/// 8. `[]` token_program
/// 9. `[]` system_program
pub struct Accounts<'a> {
    pub slasher: &'a AccountView,
    pub config: &'a AccountView,
    pub stake: &'a AccountView,
    pub proof: &'a AccountView,
    pub vault: &'a AccountView,
    pub penalty_vault: &'a AccountView,
    pub sgl_mint: &'a AccountView,
    pub instructions_sysvar: &'a AccountView,
    pub token_program: &'a AccountView,
    pub system_program: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for Accounts<'a> {
    type Error = gridpay_sdk::ProgramError;

    fn try_from(accounts: &'a [AccountView]) -> Result<Self> {
        let [slasher, config, stake, proof, vault, penalty_vault, sgl_mint, instructions_sysvar, token_program, system_program, ..] =
            accounts
        else {
            return Err(StakingError::NotEnoughAccounts.into());
        };
        // 1. signers and writable
        checks::writable_signer(slasher)?;
        checks::writable(stake)?;
        checks::writable(proof)?;
        checks::writable(vault)?;
        checks::writable(penalty_vault)?;
        // 2. programs and sysvars
        checks::instructions_sysvar(instructions_sysvar)?;
        checks::token_program(token_program)?;
        checks::system_program(system_program)?;
        Ok(Self {
            slasher,
            config,
            stake,
            proof,
            vault,
            penalty_vault,
            sgl_mint,
            instructions_sysvar,
            token_program,
            system_program,
        })
    }
}
