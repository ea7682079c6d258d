//! Zero-copy readers of SPL Token accounts and mints.
//!
//! ```text
//! Account (165 bytes)                  Mint (82 bytes)
//! [0..32]    mint                      [0..4]   mint_authority tag (u32, 1 = some)
//! [32..64]   owner                     [4..36]  mint_authority
//! [64..72]   amount (u64)              [36..44] supply (u64)
//! [72..76]   delegate tag              [44]     decimals
//! [76..108]  delegate                  [45]     is_initialized
//! [108]      state (0 uninit, 1 ok, 2 frozen)
//! [109..113] is_native tag             [46..50] freeze_authority tag
//! [113..121] rent-exempt reserve       [50..82] freeze_authority
//! [121..129] delegated_amount
//! [129..133] close_authority tag
//! [133..165] close_authority
//! ```

use crate::account::{AccountView, Ref};
use crate::cpi::token::TOKEN_PROGRAM_ID;
use crate::error::ProgramError;
use crate::pubkey::Pubkey;

/// Length of a token account.
pub const TOKEN_ACCOUNT_LEN: usize = 165;
/// Length of a mint.
pub const MINT_LEN: usize = 82;

/// An SPL token account, read in place (alignment 1).
#[repr(C)]
pub struct TokenAccount {
    mint: Pubkey,
    owner: Pubkey,
    amount: [u8; 8],
    delegate_tag: [u8; 4],
    delegate: Pubkey,
    state: u8,
    is_native_tag: [u8; 4],
    is_native: [u8; 8],
    delegated_amount: [u8; 8],
    close_authority_tag: [u8; 4],
    close_authority: Pubkey,
}

const _: () = assert!(core::mem::size_of::<TokenAccount>() == TOKEN_ACCOUNT_LEN);
const _: () = assert!(core::mem::align_of::<TokenAccount>() == 1);

/// `COption` tag: 1 means present.
#[inline(always)]
fn some(tag: &[u8; 4]) -> bool {
    u32::from_le_bytes(*tag) == 1
}

impl TokenAccount {
    /// Reads a token account owned by the SPL Token program.
    ///
    /// Errors: `InvalidAccountOwner` if the token program does not own it,
    /// `InvalidAccountData` if the length is wrong, `UninitializedAccount`
    /// if it is not initialized, `AccountBorrowFailed` if mutably borrowed.
    #[inline(always)]
    pub fn from_account(account: &AccountView) -> Result<Ref<'_, TokenAccount>, ProgramError> {
        if !account.is_owned_by(&TOKEN_PROGRAM_ID) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        Ref::try_map(account.try_borrow_data()?, Self::from_bytes)
    }

    /// Reads a token account from its bytes (length and state checked).
    #[inline(always)]
    pub fn from_bytes(data: &[u8]) -> Result<&TokenAccount, ProgramError> {
        if data.len() != TOKEN_ACCOUNT_LEN {
            return Err(ProgramError::InvalidAccountData);
        }
        // SAFETY: the length matches and `TokenAccount` is `repr(C)` of
        // byte arrays (alignment 1, every bit pattern valid).
        let account = unsafe { &*(data.as_ptr() as *const TokenAccount) };
        if account.state == 0 {
            return Err(ProgramError::UninitializedAccount);
        }
        Ok(account)
    }

    /// The mint.
    #[inline(always)]
    pub fn mint(&self) -> &Pubkey {
        &self.mint
    }
    /// The owner (who may transfer).
    #[inline(always)]
    pub fn owner(&self) -> &Pubkey {
        &self.owner
    }
    /// Balance in base units.
    #[inline(always)]
    pub fn amount(&self) -> u64 {
        u64::from_le_bytes(self.amount)
    }
    /// The delegate, if any.
    #[inline(always)]
    pub fn delegate(&self) -> Option<&Pubkey> {
        some(&self.delegate_tag).then_some(&self.delegate)
    }
    /// Amount the delegate may move.
    #[inline(always)]
    pub fn delegated_amount(&self) -> u64 {
        u64::from_le_bytes(self.delegated_amount)
    }
    /// Whether the account is frozen.
    #[inline(always)]
    pub fn is_frozen(&self) -> bool {
        self.state == 2
    }
    /// Whether it holds wrapped SOL.
    #[inline(always)]
    pub fn is_native(&self) -> bool {
        some(&self.is_native_tag)
    }
    /// The close authority, if any.
    #[inline(always)]
    pub fn close_authority(&self) -> Option<&Pubkey> {
        some(&self.close_authority_tag).then_some(&self.close_authority)
    }
}

/// An SPL token mint, read in place (alignment 1).
#[repr(C)]
pub struct Mint {
    mint_authority_tag: [u8; 4],
    mint_authority: Pubkey,
    supply: [u8; 8],
    decimals: u8,
    is_initialized: u8,
    freeze_authority_tag: [u8; 4],
    freeze_authority: Pubkey,
}

const _: () = assert!(core::mem::size_of::<Mint>() == MINT_LEN);

impl Mint {
    /// Reads a mint owned by the SPL Token program; errors as
    /// [`TokenAccount::from_account`].
    #[inline(always)]
    pub fn from_account(account: &AccountView) -> Result<Ref<'_, Mint>, ProgramError> {
        if !account.is_owned_by(&TOKEN_PROGRAM_ID) {
            return Err(ProgramError::InvalidAccountOwner);
        }
        Ref::try_map(account.try_borrow_data()?, Self::from_bytes)
    }

    /// Reads a mint from its bytes (length and initialization checked).
    #[inline(always)]
    pub fn from_bytes(data: &[u8]) -> Result<&Mint, ProgramError> {
        if data.len() != MINT_LEN {
            return Err(ProgramError::InvalidAccountData);
        }
        // SAFETY: the length matches and `Mint` is `repr(C)` of byte
        // arrays (alignment 1, every bit pattern valid).
        let mint = unsafe { &*(data.as_ptr() as *const Mint) };
        if mint.is_initialized == 0 {
            return Err(ProgramError::UninitializedAccount);
        }
        Ok(mint)
    }

    /// Who may mint, if anyone.
    #[inline(always)]
    pub fn mint_authority(&self) -> Option<&Pubkey> {
        some(&self.mint_authority_tag).then_some(&self.mint_authority)
    }
    /// Total supply in base units.
    #[inline(always)]
    pub fn supply(&self) -> u64 {
        u64::from_le_bytes(self.supply)
    }
    /// Decimals.
    #[inline(always)]
    pub fn decimals(&self) -> u8 {
        self.decimals
    }
    /// Who may freeze accounts, if anyone.
    #[inline(always)]
    pub fn freeze_authority(&self) -> Option<&Pubkey> {
        some(&self.freeze_authority_tag).then_some(&self.freeze_authority)
    }
}
