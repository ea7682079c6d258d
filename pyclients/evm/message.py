"""Signed messages declared once.

A message is a frozen dataclass whose fields are declared with :func:`member`:
a Solidity type and the member's name (its EIP-712 name and its x402 JSON key).
From that one declaration come the EIP-712 type string and type hash, the struct
hash (plain keccak over 32-byte words, as the contracts compute it), the ABI
tuple, and the x402 JSON codec, whose errors name the field that was wrong
(``authorization.value must be a uint256 ...``). Integers travel as decimal
strings, bytes as 0x-hex.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from operator import attrgetter, call
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from eth_utils import is_address, to_checksum_address

from pyclients.evm.eip712 import hash_struct, type_hash, typed_digest, word_address, word_uint
from pyclients.evm.errors import InvalidPayload

if TYPE_CHECKING:
    from pyclients.evm.domain import Eip712Domain


# --- parsing x402 payload fields -------------------------------------------------
def parse_address(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise InvalidPayload(f"{field} must be a 0x-prefixed 20-byte address, got {value!r}")
    return to_checksum_address(value)


def parse_uint(value: Any, field: str, *, bits: int = 256) -> int:
    """Integers travel as decimal strings in x402 JSON; ints are accepted too."""
    if isinstance(value, bool):
        raise InvalidPayload(f"{field} must be an unsigned integer, got {value!r}")
    try:
        number = int(value, 10) if isinstance(value, str) else value
    except ValueError:
        number = None
    if not isinstance(number, int) or not 0 <= number < 2**bits:
        raise InvalidPayload(f"{field} must be a uint{bits} (decimal string), got {value!r}")
    return number


def parse_bytes(value: Any, field: str, length: int | None = None) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raw = None
        if raw is not None and (length is None or len(raw) == length):
            return raw
    want = f"{length} bytes" if length else "bytes"
    raise InvalidPayload(f"{field} must be 0x-prefixed hex of {want}, got {value!r}")


def random_nonce() -> bytes:
    """A fresh 32-byte authorization nonce (EIP-3009 nonces are random, not sequential)."""
    return os.urandom(32)


def to_hex(raw: bytes) -> str:
    return "0x" + raw.hex()


# --- member types ----------------------------------------------------------------
@dataclass(frozen=True)
class SolType:
    """How a member of one Solidity type is parsed from and written to x402 JSON,
    and encoded as an EIP-712 word (``eip712`` None: not part of a signed struct)."""

    eip712: str | None
    parse: Callable[[Any, str], Any]
    dump: Callable[[Any], str]
    word: Callable[[Any], bytes] | None


ADDRESS = SolType("address", parse_address, str, word_address)
UINT256 = SolType("uint256", parse_uint, str, word_uint)
BYTES32 = SolType("bytes32", lambda v, f: parse_bytes(v, f, 32), to_hex, bytes)
#: A 65-byte r||s||v ECDSA signature carried next to a message.
SIGNATURE = SolType(None, lambda v, f: parse_bytes(v, f, 65), to_hex, None)


def member(name: str, sol_type: SolType) -> Any:
    """A message field: its name in the EIP-712 type and in x402 JSON, and its type."""
    return field(metadata={"name": name, "type": sol_type})


# --- messages ----------------------------------------------------------------------
M = TypeVar("M", bound="Message")


class Message:
    """Base of frozen dataclasses declared with :func:`member` (in struct order), e.g.
    ``class Permit(Message, eip712="Permit")``."""

    #: The EIP-712 primary type; None for a message that is only carried, not signed.
    PRIMARY_TYPE: ClassVar[str | None] = None
    #: How errors name the message: ``<WHERE>.<member> must be ...``, ``<WHERE> lacks ...``.
    WHERE: ClassVar[str] = "message"

    def __init_subclass__(
        cls, *, eip712: str | None = None, where: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if eip712 is not None:
            cls.PRIMARY_TYPE = eip712
        if where is not None:
            cls.WHERE = where

    @classmethod
    def encoded_type(cls) -> str:
        """EIP-712 ``encodeType``: ``CancelAuthorization(address authorizer,bytes32 nonce)``."""
        return f"{cls.PRIMARY_TYPE}({','.join(f'{t.eip712} {n}' for _, n, t in _members(cls))})"

    @classmethod
    def typehash(cls) -> bytes:
        return _typehash(cls)

    def struct_hash(self) -> bytes:
        typehash, values, words = _encoding(type(self))
        return hash_struct(typehash, *map(call, words, values(self)))

    def digest(self, domain: Eip712Domain) -> bytes:
        """The digest the signer signs: this struct on ``domain``."""
        return typed_digest(domain.separator, self.struct_hash())

    def as_tuple(self) -> tuple:
        """The members in order, as the contract's ABI tuple takes them."""
        return tuple(getattr(self, a) for a, _, _ in _members(type(self)))

    def to_json(self) -> dict[str, str]:
        return {n: t.dump(getattr(self, a)) for a, n, t in _members(type(self))}

    @classmethod
    def from_json(cls: type[M], data: Mapping[str, Any]) -> M:
        try:
            values = {a: t.parse(data[n], f"{cls.WHERE}.{n}") for a, n, t in _members(cls)}
        except KeyError as exc:
            raise InvalidPayload(f"{cls.WHERE} lacks {exc.args[0]!r}") from None
        return cls(**values)


@cache
def _members(cls: type) -> tuple[tuple[str, str, SolType], ...]:
    """(attribute, member name, type) of each field, in declaration order."""
    return tuple((f.name, f.metadata["name"], f.metadata["type"]) for f in fields(cls))


@cache
def _typehash(cls: type[Message]) -> bytes:
    if cls.PRIMARY_TYPE is None:
        raise TypeError(f"{cls.__name__} is not an EIP-712 struct")
    return type_hash(cls.encoded_type())


@cache
def _encoding(cls: type[Message]) -> tuple[bytes, Callable[[Any], tuple], tuple]:
    """(type hash, getter of all member values, word encoder per member): struct_hash
    is on the verification hot path, so the per-call work is one getter and the words."""
    members = _members(cls)
    names = [a for a, _, _ in members]
    return _typehash(cls), attrgetter(*names), tuple(t.word for _, _, t in members)
