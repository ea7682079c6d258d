//! One folder per instruction: `accounts.rs` (the numbered account list and
//! its checks), `data.rs` (the argument layout), `processor.rs` (the logic
//! on validated accounts). Instruction data starts with the 8-byte Anchor
//! discriminator `sha256("global:<name>")[..8]`.

use gridpay_sdk::discriminator::instruction_discriminator;
use gridpay_sdk::{AccountView, ProgramResult, Pubkey};

use crate::errors::StakingError;

pub mod cancel_unstake;
pub mod initialize;
pub mod request_unstake;
pub mod set_paused;
pub mod slash;
pub mod stake;
pub mod update_config;
pub mod withdraw_unstaked;

/// Every instruction: (name, discriminator), in IDL order.
pub const INSTRUCTIONS: [(&str, [u8; 8]); 8] = [
    ("initialize", instruction_discriminator("initialize")),
    ("update_config", instruction_discriminator("update_config")),
    ("set_paused", instruction_discriminator("set_paused")),
    ("stake", instruction_discriminator("stake")),
    ("request_unstake", instruction_discriminator("request_unstake")),
    ("cancel_unstake", instruction_discriminator("cancel_unstake")),
    ("withdraw_unstaked", instruction_discriminator("withdraw_unstaked")),
    ("slash", instruction_discriminator("slash")),
];

const fn word(i: usize) -> u64 {
    u64::from_le_bytes(INSTRUCTIONS[i].1)
}

const INITIALIZE: u64 = word(0);
const UPDATE_CONFIG: u64 = word(1);
const SET_PAUSED: u64 = word(2);
const STAKE: u64 = word(3);
const REQUEST_UNSTAKE: u64 = word(4);
const CANCEL_UNSTAKE: u64 = word(5);
const WITHDRAW_UNSTAKED: u64 = word(6);
const SLASH: u64 = word(7);

/// Routes by discriminator (compared as one 64-bit word).
pub fn process_instruction(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let Some((disc, args)) = data.split_first_chunk::<8>() else {
        return Err(StakingError::UnknownInstruction.into());
    };
    match u64::from_le_bytes(*disc) {
        STAKE => stake::process(program_id, accounts, args),
        REQUEST_UNSTAKE => request_unstake::process(program_id, accounts, args),
        CANCEL_UNSTAKE => cancel_unstake::process(program_id, accounts, args),
        WITHDRAW_UNSTAKED => withdraw_unstaked::process(program_id, accounts, args),
        SLASH => slash::process(program_id, accounts, args),
        INITIALIZE => initialize::process(program_id, accounts, args),
        UPDATE_CONFIG => update_config::process(program_id, accounts, args),
        SET_PAUSED => set_paused::process(program_id, accounts, args),
        _ => Err(StakingError::UnknownInstruction.into()),
    }
}
