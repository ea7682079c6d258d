"""SPL Token pieces program clients need: associated token addresses, token
account decoding, and the instructions to set up mints and accounts."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from solders.instruction import Instruction
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token.constants import ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID
from spl.token.instructions import (
    create_idempotent_associated_token_account,
    get_associated_token_address,
    initialize_mint2,
    mint_to_checked,
)
from spl.token.models import InitializeMint2Params, MintToCheckedParams

__all__ = [
    "ASSOCIATED_TOKEN_PROGRAM_ID",
    "TOKEN_PROGRAM_ID",
    "MINT_LEN",
    "TOKEN_ACCOUNT_LEN",
    "TokenAccount",
    "associated_token_address",
    "create_ata_idempotent",
    "create_mint_instructions",
    "mint_to",
]

MINT_LEN = 82
TOKEN_ACCOUNT_LEN = 165
# mint, owner, amount, delegate (COption), state, is_native (COption), delegated_amount,
# close_authority (COption)
_ACCOUNT = struct.Struct("<32s32sQI32sBIQQI32s")
assert _ACCOUNT.size == TOKEN_ACCOUNT_LEN


@dataclass(frozen=True)
class TokenAccount:
    """An SPL Token account's fields."""

    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    state: int
    close_authority: Pubkey | None

    @classmethod
    def decode(cls, data: bytes) -> TokenAccount:
        if len(data) != TOKEN_ACCOUNT_LEN:
            raise ValueError(f"token account data is {len(data)} bytes, expected {TOKEN_ACCOUNT_LEN}")
        mint, owner, amount, has_delegate, delegate, state, _, _, _, has_close, close = (
            _ACCOUNT.unpack(data)
        )
        return cls(
            mint=Pubkey.from_bytes(mint),
            owner=Pubkey.from_bytes(owner),
            amount=amount,
            delegate=Pubkey.from_bytes(delegate) if has_delegate else None,
            state=state,
            close_authority=Pubkey.from_bytes(close) if has_close else None,
        )


def associated_token_address(owner: Pubkey, mint: Pubkey) -> Pubkey:
    """The owner's associated token account for ``mint`` (SPL Token)."""
    return get_associated_token_address(owner, mint)


def create_ata_idempotent(payer: Pubkey, owner: Pubkey, mint: Pubkey) -> Instruction:
    """Creates the owner's associated token account unless it exists."""
    return create_idempotent_associated_token_account(payer, owner, mint)


def create_mint_instructions(
    payer: Pubkey, mint: Pubkey, authority: Pubkey, decimals: int, rent_lamports: int
) -> list[Instruction]:
    """Allocates and initializes a mint (``mint`` must sign)."""
    return [
        create_account(
            CreateAccountParams(
                from_pubkey=payer, to_pubkey=mint, lamports=rent_lamports, space=MINT_LEN, owner=TOKEN_PROGRAM_ID
            )
        ),
        initialize_mint2(
            InitializeMint2Params(
                program_id=TOKEN_PROGRAM_ID, mint=mint, decimals=decimals, mint_authority=authority
            )
        ),
    ]


def mint_to(mint: Pubkey, destination: Pubkey, authority: Pubkey, amount: int, decimals: int) -> Instruction:
    return mint_to_checked(
        MintToCheckedParams(
            program_id=TOKEN_PROGRAM_ID,
            mint=mint,
            dest=destination,
            mint_authority=authority,
            amount=amount,
            decimals=decimals,
        )
    )
