use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::address::verify_stake_address;
use crate::checks;
use crate::errors::StakingError;
use crate::events::Staked;
use crate::logic::check_role;
use crate::state::{Config, StakePosition};

/// Adds SGL to the operator's position in a role, opening the position on
/// first use.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { role, amount } = Data::parse(data)?;
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

    // One borrow decides: an opened position is staked into; an account not
    // yet owned here, or owned and zeroed, is opened (after its address check).
    let staked = match StakePosition::load_mut(a.stake, program_id) {
        Ok(mut stake) => {
            if &stake.operator != a.operator.key() {
                return Err(StakingError::NotStakeOperator.into());
            }
            // A position is only ever opened at the address of its operator and
            // role, so the stored role stands for the address.
            if stake.role != role {
                return Err(StakingError::InvalidStakeAddress.into());
            }
            stake.stake(amount)?
        }
        Err(ProgramError::InvalidAccountOwner | ProgramError::UninitializedAccount) => {
            open_position(program_id, &a, role, amount)?
        }
        Err(e) => return Err(checks::state_error(e)),
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

/// Opens the position the operator has just created for this program at
/// its address (never any other address: that is what lets later
/// instructions trust owner + stored keys) with `amount` staked; returns
/// the active stake. The runtime has already required the account to be
/// rent-exempt.
#[cold]
#[inline(never)]
fn open_position(program_id: &Pubkey, a: &Accounts<'_>, role: u8, amount: u64) -> Result<u64, ProgramError> {
    verify_stake_address(a.stake, a.operator.key(), role, program_id)?;
    let mut stake = StakePosition::init(a.stake, program_id).map_err(|e| match e {
        ProgramError::InvalidAccountOwner => StakingError::StakeAccountNotCreated,
        _ => StakingError::InvalidAccountData,
    })?;
    stake.operator = *a.operator.key();
    stake.role = role;
    Ok(stake.stake(amount)?)
}
