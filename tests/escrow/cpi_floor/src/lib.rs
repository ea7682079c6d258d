//! Budget baseline: each instruction makes exactly one of job_escrow's CPIs
//! through the same SDK calls, with no validation and no state.
//!
//! Instruction data: `[0]` mode, `[1..9]` amount (u64 LE), `[9]` bump.
//! - mode 0: `TransferChecked` signed by the authority (deposit's CPI);
//!   accounts: from, mint, to, authority;
//! - mode 1: `TransferChecked` signed by the PDA `["config", bump]` of this
//!   program (withdraw's and settle's CPI); same accounts;
//! - mode 2: `CreateRentExempt` of 152 bytes at the PDA `["job", bump]`
//!   (lock_job's CPI); accounts: payer, account.
#![no_std]

use gridpay_sdk::cpi::system::CreateRentExempt;
use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::{seeds, AccountView, ProgramError, ProgramResult, Pubkey};

pub fn process_instruction(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let [mode, a0, a1, a2, a3, a4, a5, a6, a7, bump] = data else {
        return Err(ProgramError::InvalidInstructionData);
    };
    let amount = u64::from_le_bytes([*a0, *a1, *a2, *a3, *a4, *a5, *a6, *a7]);
    let bump = [*bump];
    match (mode, accounts) {
        (0 | 1, [from, mint, to, authority, ..]) => {
            let t = TransferChecked { from, mint, to, authority, amount, decimals: 6 };
            if *mode == 0 {
                t.invoke()
            } else {
                t.invoke_signed(&[Signer::from(&seeds!(b"config", &bump))])
            }
        }
        (2, [payer, account, ..]) => CreateRentExempt { payer, account, space: 152, owner: program_id }
            .invoke_signed(&[Signer::from(&seeds!(b"job", &bump))]),
        _ => Err(ProgramError::InvalidArgument),
    }
}

#[cfg(any(target_os = "solana", target_arch = "bpf"))]
gridpay_sdk::entrypoint!(process_instruction);
