use gridpay_sdk::cpi::system::{CreateRentExempt, SYSTEM_PROGRAM_ID};
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::pda::find_program_address;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::token::{Mint, TokenAccount};
use gridpay_sdk::{seeds, AccountView, ProgramResult, Pubkey};

use super::{InitializeAccounts, InitializeData};
use crate::errors::EscrowError;
use crate::logic::USDC_DECIMALS;
use crate::state::Config;
use crate::utils::{verify_distinct, CONFIG_SEED};

/// Creates the config, co-signed by the program's own key. Refuses a config that exists (re-initialization), a
/// mint without 6 decimals, a vault the config PDA does not solely control.
pub fn process_initialize(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = InitializeAccounts::try_from(accounts)?;
    if a.program_key.key() != program_id {
        return Err(EscrowError::NotProgramKey.into());
    }
    let d = InitializeData::try_from(data)?;
    d.params.validate()?;

    if !a.config.is_owned_by(&SYSTEM_PROGRAM_ID) || !a.config.data_is_empty() {
        return Err(EscrowError::AlreadyInitialized.into());
    }
    let (address, bump) = find_program_address(&[CONFIG_SEED], program_id).map_err(|_| EscrowError::InvalidPda)?;
    if a.config.key() != &address {
        return Err(EscrowError::InvalidPda.into());
    }
    {
        let mint = Mint::from_account(a.usdc_mint).map_err(|_| EscrowError::InvalidMint)?;
        if mint.decimals() != USDC_DECIMALS {
            return Err(EscrowError::InvalidMint.into());
        }
    }
    {
        // Only the program, signing as the config PDA, may move vault funds.
        let vault = TokenAccount::from_account(a.vault).map_err(|_| EscrowError::InvalidVault)?;
        if vault.mint() != a.usdc_mint.key()
            || vault.owner() != &address
            || vault.delegate().is_some()
            || vault.close_authority().is_some()
        {
            return Err(EscrowError::InvalidVault.into());
        }
    }
    verify_distinct(a.vault, a.treasury)?;
    {
        let treasury = TokenAccount::from_account(a.treasury).map_err(|_| EscrowError::InvalidTreasury)?;
        if treasury.mint() != a.usdc_mint.key() {
            return Err(EscrowError::InvalidTreasury.into());
        }
    }

    let bump_seed = [bump];
    let signer_seeds = seeds!(CONFIG_SEED, &bump_seed);
    CreateRentExempt { payer: a.admin, account: a.config, space: Config::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer_seeds)])?;

    let mut config = Config::init(a.config, program_id).map_err(|_| EscrowError::InvalidAccountData)?;
    config.admin = *a.admin.key();
    config.usdc_mint = *a.usdc_mint.key();
    config.vault = *a.vault.key();
    config.treasury = *a.treasury.key();
    config.settlement_authority = d.settlement_authority;
    config.bump = bump;
    d.params.apply(&mut config)?;
    Ok(())
}
