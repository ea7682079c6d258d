use gridpay_sdk::cpi::system::CreateRentExempt;
use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::seeds;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::Staked;
use crate::logic::check_role;
use crate::pda::verify_canonical;
use crate::state::{Config, StakePosition, STAKE_SEED};

/// Adds SGL to the operator's position in a role, creating the position on
/// first use.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { role, amount, stake_bump } = Data::parse(data)?;
    check_role(role)?;

    let (mint, vault) = {
        let config = checks::load::<Config>(a.config, program_id)?;
        if config.paused.get() {
            return Err(StakingError::ProgramPaused.into());
        }
        (config.sgl_mint, config.vault)
    };
    checks::address(a.vault, &vault, StakingError::InvalidVault)?;
    let decimals = checks::mint_decimals(a.sgl_mint, &mint)?;
    checks::paying_token_account(a.operator_token, &mint, a.operator.key(), amount)?;

    let staked = if !a.stake.is_owned_by(program_id) {
        open_position(program_id, &a, role, stake_bump, amount)?
    } else {
        let mut stake = checks::load_mut::<StakePosition>(a.stake, program_id)?;
        if &stake.operator != a.operator.key() {
            return Err(StakingError::NotStakeOperator.into());
        }
        // The stored role and bump are those of the address it was created
        // at: a position of another role, or a wrong bump, is not this PDA.
        if stake.role != role || stake.bump != stake_bump {
            return Err(StakingError::InvalidPda.into());
        }
        stake.stake(amount)?
    };

    TransferChecked {
        from: a.operator_token,
        mint: a.sgl_mint,
        to: a.vault,
        authority: a.operator,
        amount,
        decimals,
    }
    .invoke()?;

    Staked { operator: *a.operator.key(), role, amount, staked }.emit()
}

/// Creates the position at its canonical PDA (never at any other address:
/// that is what lets later instructions trust owner + stored keys) with
/// `amount` staked; returns the active stake.
#[cold]
#[inline(never)]
fn open_position(program_id: &Pubkey, a: &Accounts<'_>, role: u8, bump: u8, amount: u64) -> Result<u64, ProgramError> {
    let role_seed = [role];
    verify_canonical(a.stake, &[STAKE_SEED, a.operator.key().as_ref(), &role_seed], bump, program_id)?;
    let bump_seed = [bump];
    let signer = seeds!(STAKE_SEED, a.operator.key().as_ref(), &role_seed, &bump_seed);
    CreateRentExempt { payer: a.operator, account: a.stake, space: StakePosition::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer)])?;
    let mut stake = checks::init_created::<StakePosition>(a.stake)?;
    stake.operator = *a.operator.key();
    stake.role = role;
    stake.bump = bump;
    Ok(stake.stake(amount)?)
}
