use gridpay_receipts::{check_conflict, ConflictError, ReceiptView};
use gridpay_sdk::cpi::system::CreateRentExempt;
use gridpay_sdk::cpi::token::TransferChecked;
use gridpay_sdk::cpi::Signer;
use gridpay_sdk::ed25519::{Ed25519Instruction, ED25519_PROGRAM_ID};
use gridpay_sdk::hash::sha256v;
use gridpay_sdk::pda::find_program_address_hashed;
use gridpay_sdk::seeds;
use gridpay_sdk::state::AccountState;
use gridpay_sdk::sysvars::clock::Clock;
use gridpay_sdk::sysvars::instructions::{Instructions, IntrospectedInstruction};
use gridpay_sdk::{AccountView, ProgramError, ProgramResult, Pubkey};

use super::{Accounts, Data};
use crate::checks;
use crate::errors::StakingError;
use crate::events::Slashed;
use crate::state::{Config, ProofRecord, StakePosition, PROOF_SEED};

/// What the two receipts establish, copied out of the sysvar borrow.
struct Proof {
    job_id: [u8; 32],
    earliest_signed_at: i64,
    hash: [u8; 32],
}

/// Slashes a position on proof of tampering: two different receipts for one
/// job, each signed by the position's operator, whose signatures the Ed25519
/// precompile verified in this same transaction. Nothing else can slash.
pub fn process(program_id: &Pubkey, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
    let a = Accounts::try_from(accounts)?;
    let Data { receipt_a_ix, receipt_b_ix } = Data::parse(data)?;

    let (mint, cap_bps, bump) = {
        let config = checks::load::<Config>(a.config, program_id)?;
        if config.paused.get() {
            return Err(StakingError::ProgramPaused.into());
        }
        checks::address(a.vault, &config.vault, StakingError::InvalidVault)?;
        checks::address(a.penalty_vault, &config.penalty_vault, StakingError::InvalidPenaltyVault)?;
        (config.sgl_mint, config.slash_cap_bps.get(), config.bump)
    };
    let decimals = checks::mint_decimals(a.sgl_mint, &mint)?;
    let (operator, role) = {
        let stake = checks::load::<StakePosition>(a.stake, program_id)?;
        (stake.operator, stake.role)
    };

    // The evidence, checked before anything is written.
    let proof = verify_proof(a.instructions_sysvar, receipt_a_ix, receipt_b_ix, &operator)?;

    let (address, proof_bump) =
        find_program_address_hashed(&[PROOF_SEED, operator.as_ref(), &proof.job_id], program_id)?;
    if a.proof.key() != &address {
        return Err(StakingError::InvalidPda.into());
    }
    if a.proof.is_owned_by(program_id) {
        return Err(StakingError::ProofAlreadyUsed.into());
    }

    let outcome = checks::load_mut::<StakePosition>(a.stake, program_id)?.slash(proof.earliest_signed_at, cap_bps)?;

    let now = Clock::get()?.unix_timestamp;
    let bump_seed = [proof_bump];
    let signer = seeds!(PROOF_SEED, operator.as_ref(), &proof.job_id, &bump_seed);
    CreateRentExempt { payer: a.slasher, account: a.proof, space: ProofRecord::SPACE as u64, owner: program_id }
        .invoke_signed(&[Signer::from(&signer)])?;
    {
        let mut record = ProofRecord::init(a.proof, program_id)?;
        record.operator = operator;
        record.job_id = proof.job_id;
        record.slasher = *a.slasher.key();
        record.proof_hash = proof.hash;
        record.role = role;
        record.bump = proof_bump;
        record.amount.set(outcome.amount);
        record.slashed_at.set(now);
    }

    let config_bump = [bump];
    let config_seeds = crate::config_signer_seeds!(&config_bump);
    TransferChecked {
        from: a.vault,
        mint: a.sgl_mint,
        to: a.penalty_vault,
        authority: a.config,
        amount: outcome.amount,
        decimals,
    }
    .invoke_signed(&[Signer::from(&config_seeds)])?;

    Slashed {
        operator,
        role,
        job_id: proof.job_id,
        slasher: *a.slasher.key(),
        amount: outcome.amount,
        from_staked: outcome.from_staked,
        from_unstaking: outcome.from_unstaking,
        proof_hash: proof.hash,
    }
    .emit()
}

/// Reads both receipts from their Ed25519 instructions and checks they
/// prove tampering by `operator`.
fn verify_proof(sysvar: &AccountView, a_ix: u8, b_ix: u8, operator: &Pubkey) -> Result<Proof, ProgramError> {
    if a_ix == b_ix {
        return Err(StakingError::SameReceiptInstruction.into());
    }
    let instructions = Instructions::from_account(sysvar)
        .map_err(|_| ProgramError::from(StakingError::InvalidInstructionsSysvar))?;
    let ix_a = load_ed25519(&instructions, a_ix)?;
    let ix_b = load_ed25519(&instructions, b_ix)?;
    let a = signed_receipt(&ix_a)?;
    let b = signed_receipt(&ix_b)?;
    let conflict = check_conflict(&a, &b).map_err(|e| {
        ProgramError::from(match e {
            ConflictError::OperatorMismatch => StakingError::ReceiptOperatorMismatch,
            ConflictError::JobMismatch => StakingError::ReceiptJobMismatch,
            ConflictError::Identical => StakingError::ReceiptsIdentical,
            ConflictError::NotConflicting => StakingError::ReceiptsNotConflicting,
        })
    })?;
    if conflict.operator != operator.as_array() {
        return Err(StakingError::ReceiptOperatorMismatch.into());
    }
    // Order-independent: the same two receipts give the same hash.
    let (lo, hi) = if a.as_bytes() <= b.as_bytes() { (a, b) } else { (b, a) };
    Ok(Proof {
        job_id: *conflict.job_id,
        earliest_signed_at: conflict.earliest_signed_at,
        hash: sha256v(&[lo.as_bytes(), hi.as_bytes()]),
    })
}

/// The instruction at `index`, which must be the Ed25519 precompile.
fn load_ed25519<'a, T: core::ops::Deref<Target = [u8]>>(
    instructions: &'a Instructions<T>,
    index: u8,
) -> Result<IntrospectedInstruction<'a>, ProgramError> {
    let ix = instructions.load_instruction_at(index as usize).map_err(|e| match e {
        ProgramError::InvalidArgument => StakingError::Ed25519InstructionMissing.into(),
        _ => ProgramError::from(StakingError::InvalidInstructionsSysvar),
    })?;
    if ix.program_id() != &ED25519_PROGRAM_ID {
        return Err(StakingError::NotEd25519Instruction.into());
    }
    Ok(ix)
}

/// The one receipt an Ed25519 instruction verifies, with its signer being
/// the operator the receipt names.
fn signed_receipt<'a>(ix: &IntrospectedInstruction<'a>) -> Result<ReceiptView<'a>, ProgramError> {
    let malformed = || ProgramError::from(StakingError::MalformedEd25519Instruction);
    let parsed = Ed25519Instruction::parse(ix).map_err(|_| malformed())?;
    if parsed.len() != 1 {
        return Err(malformed());
    }
    let entry = parsed.entry(0).map_err(|_| malformed())?;
    let receipt = ReceiptView::parse(entry.message).map_err(|_| ProgramError::from(StakingError::InvalidReceipt))?;
    if receipt.operator() != entry.pubkey.as_array() {
        return Err(StakingError::ReceiptSignerMismatch.into());
    }
    Ok(receipt)
}
