"""SPL Token / Token-2022 account layouts and their `jsonParsed` shapes.

The JSON mirrors Agave's `account-decoder` (`parse_token.rs`): explorers,
wallets and the x402 SDK read `tokenAmount.amount` and `decimals` from it.
Amounts stay integers; `uiAmount` is the validator's display float and is
derived from the integer only at the edge.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from solders.pubkey import Pubkey

TOKEN_PROGRAM_ID = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM_ID = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
TOKEN_PROGRAMS = {TOKEN_PROGRAM_ID: "spl-token", TOKEN_2022_PROGRAM_ID: "spl-token-2022"}
NATIVE_MINT = Pubkey.from_string("So11111111111111111111111111111111111111112")

MINT_LEN = 82
ACCOUNT_LEN = 165
MULTISIG_LEN = 355
# Token-2022 pads an extended mint to ACCOUNT_LEN, then writes one account-type byte.
ACCOUNT_TYPE_MINT = 1
ACCOUNT_TYPE_ACCOUNT = 2

_STATES = {0: "uninitialized", 1: "initialized", 2: "frozen"}

# Token-2022 extensions that carry no state serialize as {"extension": name};
# the rest are reported as unparseable rather than guessed.
_UNIT_EXTENSIONS = {7: "immutableOwner", 9: "nonTransferable", 13: "nonTransferableAccount",
                    27: "pausableAccount"}


@dataclass(frozen=True, slots=True)
class TokenAccount:
    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    state: int
    native_reserve: int | None
    delegated_amount: int
    close_authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class Mint:
    mint_authority: Pubkey | None
    supply: int
    decimals: int
    is_initialized: bool
    freeze_authority: Pubkey | None


def _coption_pubkey(data: bytes, offset: int) -> Pubkey | None:
    (tag,) = struct.unpack_from("<I", data, offset)
    return Pubkey.from_bytes(data[offset + 4 : offset + 36]) if tag == 1 else None


def _account_type(data: bytes) -> int | None:
    """Which token-2022 account kind an extended buffer holds (None for base layouts)."""
    if len(data) <= ACCOUNT_LEN or len(data) == MULTISIG_LEN:
        return None
    return data[ACCOUNT_LEN]


def unpack_account(data: bytes) -> TokenAccount | None:
    """Decode an initialized token account (base layout, with or without extensions)."""
    if len(data) < ACCOUNT_LEN or len(data) == MULTISIG_LEN:
        return None
    if len(data) > ACCOUNT_LEN and _account_type(data) != ACCOUNT_TYPE_ACCOUNT:
        return None
    state = data[108]
    if state == 0 or state not in _STATES:
        return None
    (amount,) = struct.unpack_from("<Q", data, 64)
    native_tag, native_value = struct.unpack_from("<IQ", data, 109)
    (delegated,) = struct.unpack_from("<Q", data, 121)
    return TokenAccount(
        mint=Pubkey.from_bytes(data[0:32]),
        owner=Pubkey.from_bytes(data[32:64]),
        amount=amount,
        delegate=_coption_pubkey(data, 72),
        state=state,
        native_reserve=native_value if native_tag == 1 else None,
        delegated_amount=delegated,
        close_authority=_coption_pubkey(data, 129),
    )


def unpack_mint(data: bytes) -> Mint | None:
    if len(data) < MINT_LEN or (len(data) > MINT_LEN and len(data) < ACCOUNT_LEN + 1):
        return None
    if len(data) > MINT_LEN and _account_type(data) != ACCOUNT_TYPE_MINT:
        return None
    if len(data) > MINT_LEN and any(data[MINT_LEN:ACCOUNT_LEN]):
        return None
    (supply,) = struct.unpack_from("<Q", data, 36)
    if not data[45]:
        return None
    return Mint(
        mint_authority=_coption_pubkey(data, 0),
        supply=supply,
        decimals=data[44],
        is_initialized=bool(data[45]),
        freeze_authority=_coption_pubkey(data, 46),
    )


def pack_mint(mint: Mint) -> bytes:
    """Serialize a base (82-byte) SPL mint, e.g. to write boot state with set_account."""
    def coption(key: Pubkey | None) -> bytes:
        return struct.pack("<I", 1) + bytes(key) if key else bytes(36)

    return (
        coption(mint.mint_authority)
        + struct.pack("<QB?", mint.supply, mint.decimals, mint.is_initialized)
        + coption(mint.freeze_authority)
    )


def pack_account(account: TokenAccount) -> bytes:
    """Serialize a base (165-byte) SPL token account."""
    def coption(key: Pubkey | None) -> bytes:
        return struct.pack("<I", 1) + bytes(key) if key else bytes(36)

    native = (
        struct.pack("<IQ", 1, account.native_reserve)
        if account.native_reserve is not None
        else bytes(12)
    )
    return (
        bytes(account.mint)
        + bytes(account.owner)
        + struct.pack("<Q", account.amount)
        + coption(account.delegate)
        + bytes([account.state])
        + native
        + struct.pack("<Q", account.delegated_amount)
        + coption(account.close_authority)
    )


def ui_amount_string(amount: int, decimals: int) -> str:
    """`amount / 10^decimals` with trailing zeros trimmed, as Agave prints it."""
    if decimals == 0:
        return str(amount)
    whole, frac = divmod(amount, 10**decimals)
    frac_s = str(frac).rjust(decimals, "0").rstrip("0")
    return f"{whole}.{frac_s}" if frac_s else str(whole)


def ui_token_amount(amount: int, decimals: int) -> dict[str, Any]:
    text = ui_amount_string(amount, decimals)
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": float(Decimal(text)),
        "uiAmountString": text,
    }


def _extensions(data: bytes) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset = ACCOUNT_LEN + 1
    while offset + 4 <= len(data):
        ext_type, length = struct.unpack_from("<HH", data, offset)
        if ext_type == 0:
            break
        name = _UNIT_EXTENSIONS.get(ext_type)
        out.append({"extension": name or "unparseableExtension"})
        offset += 4 + length
    return out


def _parsed_account(account: TokenAccount, decimals: int, data: bytes) -> dict[str, Any]:
    info: dict[str, Any] = {
        "isNative": account.native_reserve is not None,
        "mint": str(account.mint),
        "owner": str(account.owner),
        "state": _STATES[account.state],
        "tokenAmount": ui_token_amount(account.amount, decimals),
    }
    if account.delegate is not None:
        info["delegate"] = str(account.delegate)
        info["delegatedAmount"] = ui_token_amount(account.delegated_amount, decimals)
    if account.native_reserve is not None:
        info["rentExemptReserve"] = ui_token_amount(account.native_reserve, decimals)
    if account.close_authority is not None:
        info["closeAuthority"] = str(account.close_authority)
    if len(data) > ACCOUNT_LEN:
        info["extensions"] = _extensions(data)
    return {"type": "account", "info": info}


def _parsed_mint(mint: Mint, data: bytes) -> dict[str, Any]:
    info: dict[str, Any] = {
        "decimals": mint.decimals,
        "freezeAuthority": str(mint.freeze_authority) if mint.freeze_authority else None,
        "isInitialized": mint.is_initialized,
        "mintAuthority": str(mint.mint_authority) if mint.mint_authority else None,
        "supply": str(mint.supply),
    }
    if len(data) > MINT_LEN:
        info["extensions"] = _extensions(data)
    return {"type": "mint", "info": info}


def _parsed_multisig(data: bytes) -> dict[str, Any] | None:
    m, n, initialized = data[0], data[1], data[2]
    if not initialized:
        return None
    signers = [str(Pubkey.from_bytes(data[3 + 32 * i : 35 + 32 * i])) for i in range(n)]
    return {
        "type": "multisig",
        "info": {
            "isInitialized": True,
            "numRequiredSigners": m,
            "numValidSigners": n,
            "signers": signers,
        },
    }


def parse_token_data(
    program: Pubkey, data: bytes, mint_decimals: Any
) -> dict[str, Any] | None:
    """The `{"program", "parsed", "space"}` object, or None when not parseable.

    `mint_decimals(mint) -> int | None` looks up the decimals of a token account's
    mint; Agave also falls back to base64 when the mint cannot be read.
    """
    name = TOKEN_PROGRAMS.get(program)
    if name is None:
        return None
    parsed: dict[str, Any] | None = None
    if len(data) == MULTISIG_LEN:
        parsed = _parsed_multisig(data)
    elif (mint := unpack_mint(data)) is not None:
        parsed = _parsed_mint(mint, data)
    elif (account := unpack_account(data)) is not None:
        decimals = mint_decimals(account.mint)
        if decimals is None:
            return None
        parsed = _parsed_account(account, decimals, data)
    if parsed is None:
        return None
    return {"program": name, "parsed": parsed, "space": len(data)}
