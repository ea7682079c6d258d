"""EIP-712 messages for gridpay's contracts, built here from the standards (not from
pyclients), so the contracts are tested against an independent encoding."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

AUTHORIZATION_FIELDS = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"},
    {"name": "nonce", "type": "bytes32"},
]
TYPES = {
    "TransferWithAuthorization": AUTHORIZATION_FIELDS,
    "ReceiveWithAuthorization": AUTHORIZATION_FIELDS,
    "CancelAuthorization": [
        {"name": "authorizer", "type": "address"},
        {"name": "nonce", "type": "bytes32"},
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
    "PaymentIntent": [
        {"name": "token", "type": "address"},
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "validAfter", "type": "uint256"},
        {"name": "validBefore", "type": "uint256"},
        {"name": "nonce", "type": "bytes32"},
    ],
}


@dataclass(frozen=True)
class Domain:
    name: str
    version: str
    chain_id: int
    verifying_contract: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


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


def sign(
    key: LocalAccount, domain: Domain, primary_type: str, message: dict[str, Any]
) -> Signature:
    signed = Account.sign_typed_data(
        key.key, domain.as_dict(), {primary_type: TYPES[primary_type]}, message
    )
    return Signature(signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"))


def random_nonce() -> bytes:
    return os.urandom(32)


@dataclass(frozen=True)
class Authorization:
    """An EIP-3009 authorization's fields, in the contract's argument order."""

    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: bytes

    @property
    def args(self) -> tuple[Any, ...]:
        return (self.from_, self.to, self.value, self.valid_after, self.valid_before, self.nonce)

    def message(self) -> dict[str, Any]:
        return dict(zip(["from", "to", "value", "validAfter", "validBefore", "nonce"], self.args))

    def sign(
        self, key: LocalAccount, domain: Domain, primary_type: str = "TransferWithAuthorization"
    ) -> Signature:
        return sign(key, domain, primary_type, self.message())


@dataclass(frozen=True)
class Intent:
    """A PermitSettlement PaymentIntent, in the struct's field order."""

    token: str
    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: bytes

    @property
    def tuple(self) -> tuple[Any, ...]:
        return (
            self.token,
            self.from_,
            self.to,
            self.value,
            self.valid_after,
            self.valid_before,
            self.nonce,
        )

    def sign(self, key: LocalAccount, domain: Domain) -> Signature:
        names = ["token", "from", "to", "value", "validAfter", "validBefore", "nonce"]
        return sign(key, domain, "PaymentIntent", dict(zip(names, self.tuple)))


def sign_permit(
    key: LocalAccount,
    domain: Domain,
    owner: str,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
) -> Signature:
    message = {
        "owner": owner,
        "spender": spender,
        "value": value,
        "nonce": nonce,
        "deadline": deadline,
    }
    return sign(key, domain, "Permit", message)


def sign_cancel(key: LocalAccount, domain: Domain, authorizer: str, nonce: bytes) -> Signature:
    return sign(key, domain, "CancelAuthorization", {"authorizer": authorizer, "nonce": nonce})
