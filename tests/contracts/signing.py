"""EIP-712 messages for gridpay's contracts, independent of pyclients: the types are
the standards' own strings (EIP-3009, EIP-2612, PermitSettlement's PaymentIntent), and
every digest and signature comes from eth-account's generic encoder over a full
typed-data message, so the contracts (and pyclients, in tests/evm) are checked against
an encoding that shares no code with them."""

from __future__ import annotations

import keyword
import os
import re
from dataclasses import astuple, dataclass, make_dataclass
from typing import Any, ClassVar

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

_AUTHORIZATION = (
    "(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
#: primary type -> its members, as the standard writes them (`encodeType` = name + members).
MEMBERS = {
    "EIP712Domain": "(string name,string version,uint256 chainId,address verifyingContract)",
    "TransferWithAuthorization": _AUTHORIZATION,
    "ReceiveWithAuthorization": _AUTHORIZATION,
    "CancelAuthorization": "(address authorizer,bytes32 nonce)",
    "Permit": "(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
    "PaymentIntent": "(address token" + _AUTHORIZATION.replace("(", ",", 1),
}
#: The types as eth-account takes them: primary type -> [{"name", "type"}, ...].
TYPES = {
    primary: [dict(zip(("type", "name"), m.split(" "))) for m in members[1:-1].split(",")]
    for primary, members in MEMBERS.items()
}


def encode_type(primary: str) -> str:
    """EIP-712 `encodeType` of `primary`, e.g. `CancelAuthorization(address authorizer,...)`."""
    return primary + MEMBERS[primary]


def _attribute(member: str) -> str:
    """A member's Python name: validAfter -> valid_after, from -> from_."""
    name = re.sub(r"(?<!^)([A-Z])", r"_\1", member).lower()
    return name + "_" if keyword.iskeyword(name) else name


@dataclass(frozen=True)
class Signature:
    v: int
    r: bytes
    s: bytes

    @property
    def packed(self) -> bytes:
        """r‖s‖v, the `bytes signature` layout."""
        return self.r + self.s + bytes([self.v])

    @property
    def vrs(self) -> tuple[int, bytes, bytes]:
        return self.v, self.r, self.s


class Struct:
    """Base of the dataclasses made by `struct_type`: one field per member, in order."""

    PRIMARY_TYPE: ClassVar[str]

    @property
    def args(self) -> tuple[Any, ...]:
        """The members in order: the contract's arguments (or ABI tuple)."""
        return astuple(self)

    def as_dict(self) -> dict[str, Any]:
        """The members by their EIP-712 names."""
        return {m["name"]: v for m, v in zip(TYPES[self.PRIMARY_TYPE], self.args)}

    def typed_data(self, domain: Domain, primary_type: str | None = None) -> dict[str, Any]:
        """The full EIP-712 message; `primary_type` signs the same members as another type
        (a TransferWithAuthorization's as a ReceiveWithAuthorization)."""
        primary = primary_type or self.PRIMARY_TYPE
        return {
            "types": {"EIP712Domain": TYPES["EIP712Domain"], primary: TYPES[primary]},
            "primaryType": primary,
            "domain": domain.as_dict(),
            "message": self.as_dict(),
        }

    def digest(self, domain: Domain, primary_type: str | None = None) -> bytes:
        signable = encode_typed_data(full_message=self.typed_data(domain, primary_type))
        return keccak(b"\x19" + signable.version + signable.header + signable.body)

    def sign(
        self, key: LocalAccount, domain: Domain, primary_type: str | None = None
    ) -> Signature:
        signed = Account.sign_typed_data(
            key.key, full_message=self.typed_data(domain, primary_type)
        )
        return Signature(signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"))

    @classmethod
    def like(cls, other: Any) -> Any:
        """The struct with the members of `other`, any object with the same attribute names."""
        return cls(*(getattr(other, _attribute(m["name"])) for m in TYPES[cls.PRIMARY_TYPE]))


def struct_type(primary: str) -> Any:
    """A frozen dataclass for the EIP-712 type `primary` (fields named by `_attribute`)."""
    fields = [(_attribute(m["name"]), Any) for m in TYPES[primary]]
    return make_dataclass(
        primary, fields, bases=(Struct,), frozen=True, namespace={"PRIMARY_TYPE": primary}
    )


Domain = struct_type("EIP712Domain")  # name, version, chain_id, verifying_contract
#: An EIP-3009 authorization (signs as TransferWithAuthorization unless told otherwise).
Authorization = struct_type("TransferWithAuthorization")
CancelAuthorization = struct_type("CancelAuthorization")
Permit = struct_type("Permit")
Intent = struct_type("PaymentIntent")  # PermitSettlement's


def random_nonce() -> bytes:
    return os.urandom(32)


def sign_permit(key: LocalAccount, domain: Domain, *members: Any) -> Signature:
    """`members`: owner, spender, value, nonce, deadline."""
    return Permit(*members).sign(key, domain)


def sign_cancel(key: LocalAccount, domain: Domain, authorizer: str, nonce: bytes) -> Signature:
    return CancelAuthorization(authorizer, nonce).sign(key, domain)
