//! Anchor instruction discriminators, `sha256("global:<instruction>")[..8]`,
//! computed at compile time (account and event discriminators live with
//! their types). The tests compare every one with the IDL.

use gridpay_sdk::discriminator::instruction_discriminator as ix;

pub const INITIALIZE: [u8; 8] = ix("initialize");
pub const UPDATE_CONFIG: [u8; 8] = ix("update_config");
pub const DEPOSIT: [u8; 8] = ix("deposit");
pub const LOCK_JOB: [u8; 8] = ix("lock_job");
pub const SETTLE_JOB: [u8; 8] = ix("settle_job");
pub const SETTLE_JOBS: [u8; 8] = ix("settle_jobs");
pub const REFUND_JOB: [u8; 8] = ix("refund_job");
pub const WITHDRAW: [u8; 8] = ix("withdraw");
pub const CLOSE_CREDIT_ACCOUNT: [u8; 8] = ix("close_credit_account");
pub const CLAIM_FEES: [u8; 8] = ix("claim_fees");
