//! The SDK's example program: one instruction per SDK feature, each
//! validated first and then run, in the layout the product programs use.
//!
//! | instruction | feature |
//! |---|---|
//! | `noop` | the entrypoint alone (input parsing for any accounts, dispatch) |
//! | `log_event` | logs (text, numbers, key, compute units), an Anchor event |
//! | `create_note` | PDA find + creation by System CPI signed with seeds, zero-copy state |
//! | `find_pda` | PDA lookup, return data |
//! | `transfer_sol` | System transfer CPI |
//! | `token_deposit` | token account creation + `InitializeAccount3`, `TransferChecked` CPI, token readers |
//! | `token_withdraw` | PDA-signed `TransferChecked`, `CloseAccount` |
//! | `read_sysvars` | clock and rent |
//! | `verify_ed25519` | instructions sysvar, Ed25519 precompile introspection |
//! | `fail_custom` | Anchor-compatible custom errors |
//! | `duplicates` | the same account passed twice |
//! | `borrow_conflict` | borrow tracking, including across a CPI |
//! | `close_note` | closing a program account |
//! | `log_line` | one log line alone |
//! | `derive_pda` | `create_program_address` alone (PDA check with a stored bump) |
//! | `find_bump` | `find_program_address` alone |
//! | `allocate_pda` | PDA check + System `Allocate` CPI signed by the PDA |
//! | `transfer_tokens` | `TransferChecked` CPI alone, signer authority |
//!
//! The last five run one primitive each, so `gridpay bench toolchain` can
//! price them.
#![no_std]

pub mod errors;
pub mod events;
pub mod instructions;
pub mod processor;
pub mod state;

#[cfg(not(feature = "no-entrypoint"))]
gridpay_sdk::entrypoint!(processor::process_instruction);
