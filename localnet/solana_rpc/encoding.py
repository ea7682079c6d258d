"""Wire encodings: base58, account `data` encodings and the UiAccount object."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from solders.account import Account
from solders.pubkey import Pubkey

from .errors import INVALID_REQUEST, RpcError, invalid_params
from .token import parse_token_data

_ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
# Agave refuses base58 account data above this size (UiAccountEncoding::Binary/Base58).
MAX_BASE58_BYTES = 128

ACCOUNT_ENCODINGS = ("binary", "base58", "base64", "base64+zstd", "jsonParsed")


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = bytearray()
    while n:
        n, rem = divmod(n, 58)
        out.append(_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return (b"1" * pad + bytes(reversed(out))).decode()


def b58decode(text: str) -> bytes:
    raw = text.encode()
    n = 0
    for c in raw:
        digit = _INDEX.get(c)
        if digit is None:
            raise ValueError(f"invalid base58 character {chr(c)!r}")
        n = n * 58 + digit
    pad = len(raw) - len(raw.lstrip(b"1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def b64decode(text: str) -> bytes:
    # strict: characters outside the alphabet and bad padding are errors, as in the validator
    return binascii.a2b_base64(text, strict_mode=True)


def decode_binary(text: str, encoding: str, what: str) -> bytes:
    """Decode a base58/base64 parameter, with Agave's invalid-params wording."""
    try:
        return b58decode(text) if encoding == "base58" else b64decode(text)
    except (ValueError, binascii.Error) as exc:
        raise invalid_params(f"invalid {encoding} encoding for {what}: {exc}") from None


def base58_too_large() -> RpcError:
    return RpcError(
        INVALID_REQUEST,
        "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
    )


def check_account_encoding(encoding: Any) -> str:
    if encoding is None:
        return "binary"
    if encoding not in ACCOUNT_ENCODINGS:
        raise invalid_params(
            f"unknown variant `{encoding}`, expected one of "
            + ", ".join(f"`{e}`" for e in ACCOUNT_ENCODINGS)
        )
    if encoding == "base64+zstd":
        raise invalid_params("encoding `base64+zstd` is not supported by this node; use `base64`")
    return encoding


def parse_data_slice(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("offset"), int)
        or not isinstance(value.get("length"), int)
        or value["offset"] < 0
        or value["length"] < 0
    ):
        raise invalid_params("dataSlice must be {offset: usize, length: usize}")
    return value["offset"], value["length"]


def encode_account(
    account: Account,
    encoding: str,
    data_slice: tuple[int, int] | None,
    mint_decimals: Callable[[Pubkey], int | None],
) -> dict[str, Any]:
    """The UiAccount object of getAccountInfo, getProgramAccounts and notifications."""
    data = bytes(account.data)
    space = len(data)
    ui_data: Any = None
    if encoding == "jsonParsed":
        ui_data = parse_token_data(account.owner, data, mint_decimals)
        if ui_data is None:  # unparseable: Agave falls back to base64
            encoding = "base64"
    if ui_data is None:
        if data_slice is not None:
            offset, length = data_slice
            data = data[offset : offset + length]
        if encoding in ("binary", "base58"):
            if len(data) > MAX_BASE58_BYTES:
                raise base58_too_large()
            text = b58encode(data)
            ui_data = text if encoding == "binary" else [text, "base58"]
        else:
            ui_data = [base64.b64encode(data).decode(), "base64"]
    return {
        "data": ui_data,
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": str(account.owner),
        "rentEpoch": account.rent_epoch,
        "space": space,
    }
