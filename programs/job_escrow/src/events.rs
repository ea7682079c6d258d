//! Events in Anchor's layout (`sha256("event:<Name>")[..8]`, then the borsh
//! fields), logged with `sol_log_data` — `Program data: <base64>` — which
//! Anchor clients, anchorpy's `EventParser` and `pyclients` decode with the
//! IDL. Every balance-changing instruction emits one, so an indexer can
//! follow a wallet without reading accounts. `sol_log_data` costs a CU per
//! byte, so the events of a job's lock and refund (the per-job cost that
//! issue 5 budgets) carry only what an indexer needs: a lock moves
//! `max_credits` from available to locked and a refund moves them back, so
//! neither repeats the balances after it (the other events do).

use gridpay_sdk::Pubkey;

gridpay_sdk::event! {
    /// A wallet bought credits.
    pub struct CreditsDeposited {
        pub wallet: Pubkey,
        /// USDC base units paid into the vault.
        pub amount: u64,
        pub credits: u64,
        pub available: u64,
    }
}

gridpay_sdk::event! {
    /// A job's maximum cost was locked: `max_credits` moved from available
    /// to locked. The worker is not repeated: it is in the instruction and
    /// the job account, and it moves no credit balance.
    pub struct JobLocked {
        pub credit: Pubkey,
        pub job_id: u64,
        pub max_credits: u64,
        /// From then on anyone may refund the job.
        pub expires_at: i64,
    }
}

gridpay_sdk::event! {
    /// A job was settled for the credits it used.
    pub struct JobSettled {
        pub credit: Pubkey,
        pub job_id: u64,
        pub used_credits: u64,
        /// Base units paid to the worker's token account.
        pub worker_amount: u64,
        /// Base units owed to the treasury.
        pub treasury_amount: u64,
        pub available: u64,
        pub locked: u64,
    }
}

gridpay_sdk::event! {
    /// A job's whole lock went back to available.
    pub struct JobRefunded {
        pub credit: Pubkey,
        pub job_id: u64,
        /// The job's `max_credits`: kept although the lock event carries it,
        /// so a ledger that skips locks can apply a refund on its own.
        pub credits: u64,
        /// Refunded by someone other than the settlement authority (possible
        /// only after the timeout).
        pub by_timeout: bool,
    }
}

gridpay_sdk::event! {
    /// A wallet took credits back as USDC.
    pub struct CreditsWithdrawn {
        pub wallet: Pubkey,
        pub credits: u64,
        /// USDC base units paid to the wallet's token account.
        pub amount: u64,
        pub available: u64,
    }
}

gridpay_sdk::event! {
    /// Owed treasury fees were paid out.
    pub struct FeesClaimed {
        pub treasury: Pubkey,
        pub amount: u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridpay_sdk::event::{encode, Event};

    #[test]
    fn settled_layout_is_borsh_in_field_order() {
        let e = JobSettled {
            credit: Pubkey([7; 32]),
            job_id: 1,
            used_credits: 2,
            worker_amount: 3,
            treasury_amount: 4,
            available: 5,
            locked: 6,
        };
        let mut b = [0u8; JobSettled::ENCODED_LEN];
        assert_eq!(encode(&e, &mut b), Ok(88));
        assert_eq!(&b[..8], &JobSettled::DISCRIMINATOR);
        assert_eq!(&b[8..40], &[7; 32]);
        for (i, v) in (1u64..=6).enumerate() {
            assert_eq!(&b[40 + 8 * i..48 + 8 * i], &v.to_le_bytes());
        }
        assert_eq!(JobSettled::decode(&b), Ok(e));
    }

    #[test]
    fn refunded_has_one_bool_byte() {
        assert_eq!(JobRefunded::ENCODED_LEN, 8 + 32 + 8 + 8 + 1);
    }
}
