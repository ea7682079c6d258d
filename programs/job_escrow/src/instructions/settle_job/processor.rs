use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{JobAccounts, SettleJobAccounts, SettleJobData, SettlementAccounts};
use crate::errors::EscrowError;
use crate::events::JobSettled;
use crate::logic;
use crate::state::{Config, CreditAccount};
use crate::utils::{load, load_job, load_mut, pay_from_vault, verify_distinct, verify_usdc_account};

/// Settles one job.
pub fn process_settle_job(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = SettleJobAccounts::try_from(accounts)?;
    let d = SettleJobData::try_from(data)?;
    let settlement = Settlement::begin(program_id, &a.settlement)?;
    let fees = settlement.settle(program_id, &a.settlement, &a.job, d.used_credits)?;
    settlement.finish(program_id, &a.settlement, fees)
}

/// What a settlement reads from the config once, for any number of jobs.
pub struct Settlement {
    worker_bps: u16,
    config_bump: u8,
}

impl Settlement {
    /// Checks the authority, the pause flag, vault and mint.
    #[inline(always)]
    pub fn begin(program_id: &Pubkey, a: &SettlementAccounts) -> Result<Self, EscrowError> {
        let config = load::<Config>(a.config, program_id)?;
        if a.authority.key() != &config.settlement_authority {
            return Err(EscrowError::NotSettlementAuthority);
        }
        if config.paused.get() {
            return Err(EscrowError::ProgramPaused);
        }
        if a.vault.key() != &config.vault {
            return Err(EscrowError::InvalidVault);
        }
        if a.usdc_mint.key() != &config.usdc_mint {
            return Err(EscrowError::InvalidMint);
        }
        Ok(Self { worker_bps: config.worker_bps.get(), config_bump: config.bump })
    }

    /// Settles one job: credits back to available, the job closed (rent to
    /// its payer), the worker paid from the vault. Returns the treasury
    /// share, which the caller accrues once.
    #[inline(always)]
    pub fn settle(
        &self,
        program_id: &Pubkey,
        s: &SettlementAccounts,
        j: &JobAccounts,
        used_credits: u64,
    ) -> Result<u64, gridpay_sdk::ProgramError> {
        verify_distinct(j.worker_token, s.vault)?;
        verify_distinct(j.rent_receiver, j.job)?;
        let (payout, worker, job_id, available, locked) = {
            let job = load_job(j.job, program_id)?;
            if &job.credit != j.credit.key() {
                return Err(EscrowError::JobCreditMismatch.into());
            }
            if &job.rent_payer != j.rent_receiver.key() {
                return Err(EscrowError::WrongRentReceiver.into());
            }
            let mut credit = load_mut::<CreditAccount>(j.credit, program_id)?;
            let payout = logic::settle(&mut credit, &job, used_credits, self.worker_bps)?;
            (payout, job.worker, job.job_id.get(), credit.available.get(), credit.locked.get())
        };
        verify_usdc_account(j.worker_token, s.usdc_mint.key(), &worker, EscrowError::WrongWorker)?;
        j.job.close_to(j.rent_receiver)?;
        if payout.worker > 0 {
            pay_from_vault(s.vault, s.usdc_mint, j.worker_token, s.config, self.config_bump, payout.worker)?;
        }
        JobSettled {
            credit: *j.credit.key(),
            job_id,
            used_credits,
            worker_amount: payout.worker,
            treasury_amount: payout.treasury,
            available,
            locked,
        }
        .emit()?;
        Ok(payout.treasury)
    }

    /// Adds the treasury's share of the settled jobs to the fees owed.
    #[inline(always)]
    pub fn finish(&self, program_id: &Pubkey, s: &SettlementAccounts, fees: u64) -> ProgramResult {
        if fees > 0 {
            let mut config = load_mut::<Config>(s.config, program_id)?;
            logic::accrue_fees(&mut config, fees)?;
        }
        Ok(())
    }
}
