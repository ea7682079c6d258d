use gridpay_sdk::AccountView;

use crate::errors::EscrowError;
use crate::utils::{verify_signer, verify_writable};

/// Accounts of `refund_job`.
///
/// 0. `[signer]` caller — the settlement authority, or anyone after the
///    job's timeout
/// 1. `[]` config — PDA `["config"]`
/// 2. `[writable]` credit — the job's credit account
/// 3. `[writable]` job — the open job (closed by this instruction)
/// 4. `[writable]` rent_receiver — the job's rent payer
/// 5. `[]` clock — the Clock sysvar, read (and its key checked) only for a
///    refund by someone other than the settlement authority
pub struct RefundJobAccounts<'a> {
    pub caller: &'a AccountView,
    pub config: &'a AccountView,
    pub credit: &'a AccountView,
    pub job: &'a AccountView,
    pub rent_receiver: &'a AccountView,
    pub clock: &'a AccountView,
}

impl<'a> TryFrom<&'a [AccountView]> for RefundJobAccounts<'a> {
    type Error = EscrowError;

    #[inline(always)]
    fn try_from(accounts: &'a [AccountView]) -> Result<Self, EscrowError> {
        let [caller, config, credit, job, rent_receiver, clock, ..] = accounts else {
            return Err(EscrowError::NotEnoughAccounts);
        };
        // 1. Signers
        verify_signer(caller)?;
        // 2. Writable
        verify_writable(credit)?;
        verify_writable(job)?;
        verify_writable(rent_receiver)?;
        Ok(Self { caller, config, credit, job, rent_receiver, clock })
    }
}
