//! The example's custom errors (codes from 6000).

gridpay_sdk::program_errors! {
    /// Errors of the example program.
    pub enum ExampleError {
        /// The instruction discriminator is unknown.
        UnknownInstruction = "unknown instruction",
        /// `fail_custom` was asked to fail.
        RequestedFailure = "failure requested by the caller",
        /// The note belongs to another wallet.
        NotNoteOwner = "the signer does not own this note",
        /// The token account is for another mint.
        WrongMint = "token account has the wrong mint",
        /// The token account belongs to someone else.
        WrongTokenOwner = "token account has the wrong owner",
        /// No Ed25519 precompile instruction precedes this one.
        MissingSignatureInstruction = "no Ed25519 instruction before this one",
        /// The vault holds less than requested.
        InsufficientVaultBalance = "vault balance below the requested amount",
    }
}
