//! Anchor discriminators: `sha256("global:<instruction>")[..8]` for
//! instructions and `sha256("event:<Event>")[..8]` for events (account
//! discriminators live with their layouts in `state/`). The tests recompute
//! every one from its name and compare with the IDL.

/// `initialize`
pub const INITIALIZE: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];
/// `update_config`
pub const UPDATE_CONFIG: [u8; 8] = [29, 158, 252, 191, 10, 83, 219, 99];
/// `deposit`
pub const DEPOSIT: [u8; 8] = [242, 35, 198, 137, 82, 225, 242, 182];
/// `lock_job`
pub const LOCK_JOB: [u8; 8] = [77, 154, 182, 89, 5, 162, 27, 120];
/// `settle_job`
pub const SETTLE_JOB: [u8; 8] = [246, 155, 221, 34, 168, 70, 173, 72];
/// `settle_jobs`
pub const SETTLE_JOBS: [u8; 8] = [169, 172, 206, 79, 147, 28, 56, 38];
/// `refund_job`
pub const REFUND_JOB: [u8; 8] = [194, 186, 15, 90, 246, 119, 89, 240];
/// `withdraw`
pub const WITHDRAW: [u8; 8] = [183, 18, 70, 156, 148, 109, 161, 34];
/// `close_credit_account`
pub const CLOSE_CREDIT_ACCOUNT: [u8; 8] = [114, 49, 149, 95, 1, 65, 159, 181];
/// `claim_fees`
pub const CLAIM_FEES: [u8; 8] = [82, 251, 233, 156, 12, 52, 184, 202];

/// Every instruction: (name, discriminator).
pub const INSTRUCTIONS: &[(&str, [u8; 8])] = &[
    ("initialize", INITIALIZE),
    ("update_config", UPDATE_CONFIG),
    ("deposit", DEPOSIT),
    ("lock_job", LOCK_JOB),
    ("settle_job", SETTLE_JOB),
    ("settle_jobs", SETTLE_JOBS),
    ("refund_job", REFUND_JOB),
    ("withdraw", WITHDRAW),
    ("close_credit_account", CLOSE_CREDIT_ACCOUNT),
    ("claim_fees", CLAIM_FEES),
];

/// `CreditsDeposited` event
pub const EVENT_CREDITS_DEPOSITED: [u8; 8] = [126, 93, 137, 123, 137, 226, 32, 75];
/// `JobLocked` event
pub const EVENT_JOB_LOCKED: [u8; 8] = [152, 195, 1, 14, 160, 137, 251, 39];
/// `JobSettled` event
pub const EVENT_JOB_SETTLED: [u8; 8] = [130, 105, 205, 34, 87, 86, 152, 27];
/// `JobRefunded` event
pub const EVENT_JOB_REFUNDED: [u8; 8] = [156, 171, 111, 37, 17, 174, 8, 167];
/// `CreditsWithdrawn` event
pub const EVENT_CREDITS_WITHDRAWN: [u8; 8] = [183, 95, 31, 250, 78, 31, 234, 144];
/// `FeesClaimed` event
pub const EVENT_FEES_CLAIMED: [u8; 8] = [22, 104, 110, 222, 38, 157, 14, 62];
