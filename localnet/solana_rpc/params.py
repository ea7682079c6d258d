"""Positional-parameter validation shared by the HTTP methods and the subscriptions."""

from __future__ import annotations

from typing import Any

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from .errors import invalid_param, invalid_params

COMMITMENTS = ("processed", "confirmed", "finalized")


def param(params: list[Any], index: int, name: str, *, required: bool = True) -> Any:
    if index < len(params):
        return params[index]
    if required:
        raise invalid_params(f"missing required parameter `{name}` (position {index})")
    return None


def as_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise invalid_params(f"invalid type for `{name}`: expected a string, got {value!r}")
    return value


U64_MAX = 2**64 - 1


def as_int(value: Any, name: str) -> int:
    """A u64 parameter (slots, lamports, sizes are u64 in the validator)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U64_MAX:
        raise invalid_params(f"invalid value for `{name}`: expected a u64 integer, got {value!r}")
    return value


def as_pubkey(value: Any, name: str = "pubkey") -> Pubkey:
    text = as_str(value, name)
    try:
        return Pubkey.from_string(text)
    except Exception:  # solders' parse errors are not ValueError subclasses
        raise invalid_param(f"{name} is not a valid base58 public key: {text!r}") from None


def as_signature(value: Any) -> Signature:
    text = as_str(value, "signature")
    try:
        return Signature.from_string(text)
    except Exception:  # solders' parse errors are not ValueError subclasses
        raise invalid_param(f"not a valid base58 signature: {text!r}") from None


def as_hash(value: Any, name: str) -> Hash:
    text = as_str(value, name)
    try:
        return Hash.from_string(text)
    except Exception:  # solders' parse errors are not ValueError subclasses
        raise invalid_param(f"{name} is not a valid base58 hash: {text!r}") from None


def as_bool(config: dict[str, Any], key: str) -> bool:
    value = config.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_params(f"invalid type for `{key}`: expected a boolean, got {value!r}")
    return value
