"""x402 ``exact`` on EVM through EIP-3009 ``transferWithAuthorization`` (USDC on Base).

The payer signs a TransferWithAuthorization on the token's EIP-712 domain;
anyone holding it can move exactly ``value`` from ``from`` to ``to`` inside the
time window, once. Wire payload (x402): ``{"signature": "0x..", "authorization":
{"from", "to", "value", "validAfter", "validBefore", "nonce"}}`` with integers
as decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.domain import Eip712Domain
from pyclients.evm.eip712 import recover, recover_raw, same_address, sign_digest
from pyclients.evm.errors import InvalidPayload
from pyclients.evm.message import ADDRESS, BYTES32, Message, member, parse_bytes, to_hex
from pyclients.evm.payment import PaymentPath, Transfer
from pyclients.evm.relayer import Relayer


@dataclass(frozen=True)
class Authorization(Transfer, eip712="TransferWithAuthorization", where="authorization"):
    """The EIP-3009 authorization the payer signs."""


@dataclass(frozen=True)
class CancelAuthorization(Message, eip712="CancelAuthorization"):
    """The EIP-3009 message cancelling an unused authorization."""

    authorizer: str = member("authorizer", ADDRESS)
    nonce: bytes = member("nonce", BYTES32)


TRANSFER_WITH_AUTHORIZATION_TYPEHASH = Authorization.typehash()
CANCEL_AUTHORIZATION_TYPEHASH = CancelAuthorization.typehash()


@dataclass(frozen=True)
class SignedAuthorization:
    """An authorization with the payer's signature: the x402 payload."""

    authorization: Authorization
    signature: bytes

    def to_payload(self) -> dict[str, Any]:
        return {
            "signature": to_hex(self.signature),
            "authorization": self.authorization.to_json(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> SignedAuthorization:
        if not isinstance(payload, Mapping) or not isinstance(
            payload.get("authorization"), Mapping
        ):
            raise InvalidPayload("EIP-3009 payload needs an 'authorization' object")
        return cls(
            authorization=Authorization.from_json(payload["authorization"]),
            signature=parse_bytes(payload.get("signature"), "signature"),
        )


class Eip3009(PaymentPath[SignedAuthorization]):
    """An EIP-3009 token on one chain: sign, verify and settle authorizations."""

    NONCE_STATE = abi.AUTHORIZATION_STATE
    SPENT = "used"
    SIGNED = "authorization"

    def __init__(self, chain: EvmChain, token: str, domain: Eip712Domain) -> None:
        super().__init__(chain, token)
        self.domain = domain

    @classmethod
    async def at(cls, chain: EvmChain, token: str) -> Eip3009:
        """The client for ``token``, with its EIP-712 domain read from the chain."""
        return cls(chain, token, await chain.domain(token))

    def signed(self, payment: SignedAuthorization) -> tuple[Authorization, bytes]:
        return payment.authorization, payment.signature

    @property
    def transfer_domain(self) -> Eip712Domain:
        return self.domain

    # --- payer side -------------------------------------------------------------
    def digest(self, authorization: Authorization) -> bytes:
        return authorization.digest(self.domain)

    def sign_transfer(self, signer: LocalAccount, members: dict[str, Any]) -> SignedAuthorization:
        authorization = Authorization(**members)
        return SignedAuthorization(authorization, sign_digest(signer, self.digest(authorization)))

    async def cancel(self, signer: LocalAccount, nonce: bytes, relayer: Relayer) -> None:
        """Cancel the signer's unused authorization ``nonce`` on-chain (relayer pays gas)."""
        cancel = CancelAuthorization(signer.address, nonce)
        signature = sign_digest(signer, cancel.digest(self.domain))
        data = abi.CANCEL_AUTHORIZATION.encode(signer.address, nonce, signature)
        await relayer.transact(self.token, data, action="cancelAuthorization")

    # --- facilitator side ----------------------------------------------------------
    def recover_signer(self, payment: SignedAuthorization) -> str | None:
        """The ECDSA signer of the authorization (pure; None if malformed)."""
        return recover(self.digest(payment.authorization), payment.signature)

    def signed_by_payer(self, payment: SignedAuthorization) -> bool:
        """The pure signature check for a payer without code (no chain access)."""
        a = payment.authorization
        return same_address(recover_raw(self.digest(a), payment.signature), a.from_)

    def settle_call(self, payment: SignedAuthorization) -> tuple[str, bytes, str]:
        a = payment.authorization
        data = abi.TRANSFER_WITH_AUTHORIZATION.encode(*a.as_tuple(), payment.signature)
        return self.token, data, "transferWithAuthorization"
