//! Every way an instruction can fail, as a named error.
//!
//! Codes start at 6000 like Anchor's `#[error_code]` (the SDK's
//! `program_errors!`), so Anchor clients and explorers show the name. The
//! IDL's `errors` list is checked against this enum by the tests (code,
//! name and message).

gridpay_sdk::program_errors! {
    /// Errors of the job_escrow program; the custom code is
    /// `6000 + declaration index`.
    pub enum EscrowError {
        /// The instruction discriminator names no instruction of this program.
        UnknownInstruction = "Unknown instruction discriminator",
        /// The instruction data is shorter or longer than its layout.
        InvalidInstructionData = "Instruction data does not match the instruction's layout",
        /// Fewer accounts than the instruction needs.
        NotEnoughAccounts = "Not enough accounts for this instruction",
        /// An account that must sign did not.
        MissingSignature = "A required signer did not sign",
        /// An account that must be writable was passed read-only.
        AccountNotWritable = "An account that must be writable is read-only",
        /// The account is not owned by the program the check expects.
        InvalidAccountOwner = "Account is not owned by the expected program",
        /// The account's data is not the expected account type or size.
        InvalidAccountData = "Account data is not the expected type or size",
        /// The account to create already exists (the config, or a job with
        /// this id).
        AlreadyInitialized = "Account already initialized",
        /// The address is not the program-derived address of the expected seeds.
        InvalidPda = "Address is not the PDA of the expected seeds",
        /// The signer is not the config's admin.
        NotAdmin = "Signer is not the admin",
        /// The signer is not the config's settlement authority.
        NotSettlementAuthority = "Signer is not the settlement authority",
        /// Deposits, locks and settlements are paused.
        ProgramPaused = "Program is paused",
        /// The mint is not the configured USDC mint (or not 6 decimals).
        InvalidMint = "Mint is not the configured 6-decimal USDC mint",
        /// The vault is not the configured vault.
        InvalidVault = "Vault is not the configured vault",
        /// The treasury is not the configured treasury token account.
        InvalidTreasury = "Treasury is not the configured treasury token account",
        /// The token account belongs to someone other than the expected owner.
        TokenAccountOwnerMismatch = "Token account is not owned by the expected wallet",
        /// The account is not an initialized SPL Token account of the USDC mint.
        InvalidTokenAccount = "Not an initialized token account of the USDC mint",
        /// The token program account is not SPL Token.
        InvalidTokenProgram = "Token program is not SPL Token",
        /// The system program account is not the System Program.
        InvalidSystemProgram = "System program account is not the System Program",
        /// Deposit amount is not a whole number of credits (10,000 base units).
        NotWholeCredits = "Amount is not a whole number of credits (10,000 base units each)",
        /// Deposit is below the configured minimum purchase.
        BelowMinimumPurchase = "Deposit is below the minimum purchase",
        /// Not enough available credits for the lock or withdrawal.
        InsufficientCredits = "Not enough available credits",
        /// Settled credits exceed the job's lock.
        SettleAboveLock = "Used credits exceed the job's locked credits",
        /// The job account is closed or was never opened.
        JobNotOpen = "Job is not open (already settled, refunded or never locked)",
        /// The job belongs to another credit account.
        JobCreditMismatch = "Job belongs to another credit account",
        /// The worker token account does not belong to the job's worker.
        WrongWorker = "Token account does not belong to the job's worker",
        /// The rent receiver is not the account that paid the job's rent.
        WrongRentReceiver = "Rent receiver is not the payer of the job's rent",
        /// Refund by a non-authority before the job's timeout.
        TimeoutNotReached = "Job timeout has not passed",
        /// The credit account belongs to another wallet.
        CreditAccountMismatch = "Credit account belongs to another wallet",
        /// Closing a credit account that still holds credits.
        CreditAccountNotEmpty = "Credit account still holds available or locked credits",
        /// An arithmetic step overflowed.
        ArithmeticOverflow = "Arithmetic overflow",
        /// A zero amount where a positive one is required.
        ZeroAmount = "Amount must be greater than zero",
        /// The same account was passed in two roles that must differ.
        DuplicateAccount = "The same account was passed in two roles that must differ",
        /// Worker share above 10,000 basis points.
        InvalidWorkerShare = "Worker share must be at most 10,000 basis points",
        /// Job timeout not in 1..=86,400 seconds.
        InvalidTimeout = "Job timeout must be between 1 and 86,400 seconds",
        /// Minimum purchase of zero credits or too large to express in USDC.
        InvalidMinimumPurchase = "Minimum purchase must be at least one credit and fit in a u64 amount",
        /// Batch settlement with no jobs, or accounts not in groups of four.
        InvalidBatch = "Batch must list 1..=32 jobs, each with its four accounts",
        /// No treasury fees to claim.
        NoFeesToClaim = "No treasury fees to claim",
        /// The clock account is not the Clock sysvar.
        InvalidClockSysvar = "Clock account is not the Clock sysvar",
        /// `initialize` not co-signed by the program's own key (the keypair
        /// it was deployed at).
        NotProgramKey = "initialize must be signed by the program's own key"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_from_6000() {
        for (i, e) in EscrowError::ALL.iter().enumerate() {
            assert_eq!(e.code(), 6000 + i as u32);
            assert_eq!(EscrowError::from_code(e.code()), Some(*e));
        }
        assert_eq!(EscrowError::from_code(5999), None);
        let e: gridpay_sdk::ProgramError = EscrowError::InsufficientCredits.into();
        assert_eq!(e, gridpay_sdk::ProgramError::Custom(EscrowError::InsufficientCredits.code()));
        assert_eq!(EscrowError::from_code(6000 + EscrowError::ALL.len() as u32), None);
    }

    #[test]
    fn names_and_messages_are_distinct() {
        for (i, a) in EscrowError::ALL.iter().enumerate() {
            for b in &EscrowError::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(a.message(), b.message());
            }
        }
    }
}
