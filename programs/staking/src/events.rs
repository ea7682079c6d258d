//! Events in Anchor's layout (`sha256("event:<Name>")[..8]`, then the borsh
//! fields), logged with `sol_log_data`. Every state change emits one with
//! the balances after it, so an indexer can follow every position.

use gridpay_sdk::borsh::{Borsh, Reader, Writer};
use gridpay_sdk::{event, ProgramError, Pubkey};

use crate::logic::{Params, ROLE_COUNT};

impl Borsh for Params {
    const LEN: usize = ROLE_COUNT * 8 * 2 + 2;

    fn write(&self, w: &mut Writer<'_>) {
        for v in &self.min_stake {
            v.write(w);
        }
        for v in &self.cooldown_seconds {
            v.write(w);
        }
        self.slash_cap_bps.write(w);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, ProgramError> {
        let mut p = Params { min_stake: [0; ROLE_COUNT], cooldown_seconds: [0; ROLE_COUNT], slash_cap_bps: 0 };
        for v in p.min_stake.iter_mut() {
            *v = r.read()?;
        }
        for v in p.cooldown_seconds.iter_mut() {
            *v = r.read()?;
        }
        p.slash_cap_bps = r.read()?;
        Ok(p)
    }
}

event! {
    /// `initialize` or `update_config` set these settings.
    pub struct ConfigUpdated {
        pub admin: Pubkey,
        pub params: Params,
    }
}

event! {
    /// The admin paused or resumed stakes and slashes.
    pub struct PausedSet {
        pub paused: bool,
    }
}

event! {
    /// An operator added stake.
    pub struct Staked {
        pub operator: Pubkey,
        pub role: u8,
        pub amount: u64,
        /// Active stake after.
        pub staked: u64,
    }
}

event! {
    /// An operator moved stake into cooldown.
    pub struct UnstakeRequested {
        pub operator: Pubkey,
        pub role: u8,
        pub amount: u64,
        /// When it can be withdrawn (the cooldown snapshotted now).
        pub available_at: i64,
    }
}

event! {
    /// An operator returned its cooldown amount to active stake.
    pub struct UnstakeCancelled {
        pub operator: Pubkey,
        pub role: u8,
        pub amount: u64,
        /// Active stake after.
        pub staked: u64,
    }
}

event! {
    /// An operator took its unstaked SGL out of the vault.
    pub struct Withdrawn {
        pub operator: Pubkey,
        pub role: u8,
        pub amount: u64,
        pub destination: Pubkey,
    }
}

event! {
    /// A proof of tampering slashed a position.
    pub struct Slashed {
        pub operator: Pubkey,
        pub role: u8,
        pub job_id: [u8; 32],
        pub slasher: Pubkey,
        pub amount: u64,
        pub from_staked: u64,
        pub from_unstaking: u64,
        pub proof_hash: [u8; 32],
    }
}
