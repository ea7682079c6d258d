//! Every way an instruction can fail, as a named error (codes from 6000,
//! Anchor's convention). The IDL's `errors` list is checked against this
//! enum by the tests: name, code and message.

gridpay_sdk::program_errors! {
    /// Errors of the staking program; the custom code is `6000 + index`.
    pub enum StakingError {
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
        /// `initialize` on a config that already exists.
        AlreadyInitialized = "Config account already initialized",
        /// The address is not the program-derived address of the expected
        /// seeds and the bump passed in the instruction data.
        InvalidPda = "Address is not the PDA of the expected seeds and bump",
        /// The signer is not the config's admin.
        NotAdmin = "Signer is not the admin",
        /// New stakes and slashes are paused (unstake and withdraw never are).
        ProgramPaused = "Program is paused: no new stakes or slashes",
        /// The mint is not the configured SGL mint.
        InvalidMint = "Mint is not the configured SGL mint",
        /// The vault is not the configured vault.
        InvalidVault = "Vault is not the configured vault",
        /// The penalty vault is not the configured penalty vault.
        InvalidPenaltyVault = "Penalty vault is not the configured penalty vault",
        /// The account is not an initialized SPL Token account of the SGL mint.
        InvalidTokenAccount = "Not an initialized token account of the SGL mint",
        /// The token program account is not SPL Token.
        InvalidTokenProgram = "Token program is not SPL Token",
        /// The system program account is not the System Program.
        InvalidSystemProgram = "System program account is not the System Program",
        /// The instructions sysvar account is not the instructions sysvar.
        InvalidInstructionsSysvar = "Account is not the instructions sysvar",
        /// The same account was passed in two roles that must differ.
        DuplicateAccount = "The same account was passed in two roles that must differ",
        /// Role index outside the configured roles.
        InvalidRole = "Role is not one of the program's roles",
        /// Slash cap above 10,000 basis points.
        InvalidSlashCap = "Slash cap must be at most 10,000 basis points",
        /// Cooldown negative or longer than the maximum.
        InvalidCooldown = "Cooldown must be between 0 and 90 days",
        /// A zero amount where a positive one is required.
        ZeroAmount = "Amount must be greater than zero",
        /// An arithmetic step overflowed.
        ArithmeticOverflow = "Arithmetic overflow",
        /// The signer is not the operator of this stake account.
        NotStakeOperator = "Signer is not the operator of this stake account",
        /// Unstake request above the active stake.
        InsufficientStake = "Amount exceeds the active stake",
        /// An unstake is already in cooldown.
        UnstakePending = "An unstake is already in cooldown: cancel or withdraw it first",
        /// No unstake in cooldown to withdraw or cancel.
        NoPendingUnstake = "No unstake is in cooldown",
        /// Withdrawal before the snapshotted cooldown has passed.
        CooldownNotElapsed = "Cooldown has not elapsed",
        /// Both receipts point at one instruction: one receipt is no proof.
        SameReceiptInstruction = "Both receipts are the same instruction: a proof needs two receipts",
        /// The receipt instruction index is beyond the transaction.
        Ed25519InstructionMissing = "No instruction at the receipt's index in this transaction",
        /// The instruction at the receipt's index is not the Ed25519 precompile.
        NotEd25519Instruction = "Instruction at the receipt's index is not the Ed25519 precompile",
        /// Not one signature with key, signature and message in its own data.
        MalformedEd25519Instruction = "Ed25519 instruction must verify one signature over its own data",
        /// The signed message is not a version-1 job receipt.
        InvalidReceipt = "Signed message is not a valid job receipt",
        /// The Ed25519 key is not the operator the receipt names.
        ReceiptSignerMismatch = "Receipt is not signed by the operator it names",
        /// The receipts name an operator other than the stake account's.
        ReceiptOperatorMismatch = "Receipts are not from this stake account's operator",
        /// The receipts are for different jobs.
        ReceiptJobMismatch = "Receipts are for different jobs",
        /// The two receipts are the same bytes.
        ReceiptsIdentical = "The two receipts are identical",
        /// The receipts agree on everything but the signing time.
        ReceiptsNotConflicting = "Receipts differ only in signing time: no tampering",
        /// This (operator, job) was already slashed.
        ProofAlreadyUsed = "This proof was already used to slash",
        /// Nothing slashable: no stake, or the cap rounds to zero.
        NothingToSlash = "Nothing to slash: no slashable stake under the cap",
        /// A withdrawal into the vault itself.
        DestinationIsVault = "Destination token account is the vault",
        /// The stake's source token account holds less than the amount.
        InsufficientBalance = "Source token account holds less than the amount",
        /// The address is the PDA of the seeds with the bump passed, but a
        /// higher bump gives a PDA too: only the canonical one is accepted.
        NonCanonicalBump = "Bump is not the canonical (highest valid) bump of the PDA",
        /// The stake account is not `create_with_seed(operator,
        /// "stake:<role>", program_id)` for the signer and role.
        InvalidStakeAddress = "Stake account is not the operator's position address for this role",
        /// A position's first stake: the account at its address was not
        /// created for this program in the same transaction (System
        /// Program `CreateAccountWithSeed`, or `AllocateWithSeed`).
        StakeAccountNotCreated = "Stake account does not exist yet: create it with seed, owned by this program, first",
        /// `initialize` not co-signed by the program's own key (the keypair
        /// it was deployed at).
        NotProgramKey = "initialize must be signed by the program's own key",
    }
}
