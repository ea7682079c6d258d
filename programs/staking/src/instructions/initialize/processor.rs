use gridpay_sdk::cpi::system::CreateRentExempt;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::ConfigUpdated;
use crate::address::verify_canonical;
use crate::state::{Config, CONFIG_SEED};

/// Creates the config PDA with the given settings; the admin signer becomes
/// admin, with the program's own key co-signing.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    checks::address(a.program_key, program_id, StakingError::NotProgramKey)?;
    let Data { params, config_bump: bump } = Data::parse(data)?;
    params.validate()?;

    // Only ever at the canonical PDA: a second config at another bump could
    // name its own admin, vaults and cap.
    verify_canonical(a.config, &[CONFIG_SEED], bump, program_id)?;
    let config_key = *a.config.key();
    if a.config.is_owned_by(program_id) {
        return Err(StakingError::AlreadyInitialized.into());
    }
    let mint = *a.sgl_mint.key();
    checks::mint_decimals(a.sgl_mint, &mint)?;
    {
        // The vault must be movable only by this program: owned by the
        // config PDA, with no delegate and no close authority.
        let vault = checks::token_account(a.vault, &mint, StakingError::InvalidVault)?;
        if vault.owner() != &config_key || vault.delegate().is_some() || vault.close_authority().is_some() {
            return Err(StakingError::InvalidVault.into());
        }
        checks::token_account(a.penalty_vault, &mint, StakingError::InvalidPenaltyVault)?;
    }

    let bump_seed = [bump];
    let seeds = crate::config_signer_seeds!(&bump_seed);
    CreateRentExempt { payer: a.admin, account: a.config, space: Config::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&seeds)])
        .map_err(|e| match e {
            ProgramError::AccountAlreadyInitialized => StakingError::AlreadyInitialized.into(),
            other => other,
        })?;

    let mut config = checks::init_created::<Config>(a.config)?;
    config.admin = *a.admin.key();
    config.sgl_mint = mint;
    config.vault = *a.vault.key();
    config.penalty_vault = *a.penalty_vault.key();
    config.set_params(&params);
    config.paused.set(false);
    config.bump = bump;
    drop(config);

    ConfigUpdated { admin: *a.admin.key(), params }.emit()
}
