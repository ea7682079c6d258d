use gridpay_sdk::cpi::system::{CreateRentExempt, SYSTEM_PROGRAM_ID};
use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::pda::find_program_address_hashed;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::sysvars::clock::Clock;
use gridpay_sdk::{seeds, AccountView, ProgramResult, Pubkey};

use super::{DepositAccounts, DepositData};
use crate::errors::EscrowError;
use crate::events::CreditsDeposited;
use crate::logic::{self, USDC_DECIMALS};
use crate::state::{Config, CreditAccount};
use crate::utils::{load, load_mut, verify_usdc_account, CREDIT_SEED};

/// Moves `amount` USDC from the wallet into the vault and credits the
/// wallet's account with exactly `amount / 10_000` credits.
pub fn process_deposit(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = DepositAccounts::try_from(accounts)?;
    let d = DepositData::try_from(data)?;

    let min_purchase = {
        let config = load::<Config>(a.config, program_id)?;
        if config.paused.get() {
            return Err(EscrowError::ProgramPaused.into());
        }
        if a.vault.key() != &config.vault {
            return Err(EscrowError::InvalidVault.into());
        }
        if a.usdc_mint.key() != &config.usdc_mint {
            return Err(EscrowError::InvalidMint.into());
        }
        config.min_purchase_credits.get()
    };
    let credits = logic::credits_for_deposit(d.amount, min_purchase)?;
    verify_usdc_account(a.wallet_token, a.usdc_mint.key(), a.wallet.key(), EscrowError::TokenAccountOwnerMismatch)?;

    if a.credit.is_owned_by(&SYSTEM_PROGRAM_ID) && a.credit.data_is_empty() {
        open_credit_account(program_id, &a)?;
    }
    let now = Clock::unix_timestamp()?;
    let available = {
        let mut credit = load_mut::<CreditAccount>(a.credit, program_id)?;
        if &credit.wallet != a.wallet.key() {
            return Err(EscrowError::CreditAccountMismatch.into());
        }
        logic::deposit(&mut credit, credits, now)?;
        credit.available.get()
    };

    TransferChecked {
        from: a.wallet_token,
        mint: a.usdc_mint,
        to: a.vault,
        authority: a.wallet,
        amount: d.amount,
        decimals: USDC_DECIMALS,
    }
    .invoke()?;

    CreditsDeposited { wallet: *a.wallet.key(), amount: d.amount, credits, available }.emit()
}

/// First deposit: creates the credit PDA (canonical bump) and binds it to
/// the wallet. Creation works even if someone pre-funded the address.
#[inline(never)]
fn open_credit_account(program_id: &Pubkey, a: &DepositAccounts) -> ProgramResult {
    let (address, bump) =
        find_program_address_hashed(&[CREDIT_SEED, a.wallet.key().as_ref()], program_id).map_err(|_| EscrowError::InvalidPda)?;
    if a.credit.key() != &address {
        return Err(EscrowError::InvalidPda.into());
    }
    let bump_seed = [bump];
    let signer_seeds = seeds!(CREDIT_SEED, a.wallet.key().as_ref(), &bump_seed);
    CreateRentExempt { payer: a.wallet, account: a.credit, space: CreditAccount::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer_seeds)])?;
    let mut credit = CreditAccount::init(a.credit, program_id).map_err(|_| EscrowError::InvalidAccountData)?;
    logic::open_credit(&mut credit, a.wallet.key(), bump);
    Ok(())
}
