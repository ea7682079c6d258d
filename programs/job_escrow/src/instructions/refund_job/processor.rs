use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use super::{RefundJobAccounts, RefundJobData};
use crate::errors::EscrowError;
use crate::events::JobRefunded;
use crate::logic;
use crate::state::{Config, CreditAccount};
use crate::utils::{clock_unix_timestamp, load, load_job, load_mut, same_key, verify_distinct};

/// Refunds a job in full and closes it. Works while paused: a user must
/// never depend on the facilitator (or the admin) to get a lock back.
// Out of line: inlined, lock_job and refund_job share the dispatcher's frame
// with every other processor and the compiler spills more on every path
// (measured: 30-90 CU on lock_job, deposit, withdraw and settlements).
#[inline(never)]
pub fn process_refund_job(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = RefundJobAccounts::try_from(accounts)?;
    RefundJobData::try_from(data)?;
    verify_distinct(a.rent_receiver, a.job)?;

    // The settlement authority may refund at any time and needs no clock;
    // anyone else refunds against the time now.
    let by_authority = same_key(a.caller.key(), &load::<Config>(a.config, program_id)?.settlement_authority);
    let now = if by_authority { None } else { Some(clock_unix_timestamp(a.clock)?) };
    let (credits, job_id) = {
        let job = load_job(a.job, program_id)?;
        if &job.credit != a.credit.key() {
            return Err(EscrowError::JobCreditMismatch.into());
        }
        if &job.rent_payer != a.rent_receiver.key() {
            return Err(EscrowError::WrongRentReceiver.into());
        }
        let mut credit = load_mut::<CreditAccount>(a.credit, program_id)?;
        let credits = logic::refund(&mut credit, &job, now.is_none(), now.unwrap_or(0))?;
        (credits, job.job_id.get())
    };
    a.job.close_to(a.rent_receiver)?;

    JobRefunded { credit: *a.credit.key(), job_id, credits, by_timeout: now.is_some() }.emit()
}
