"""x402 ``exact`` on EVM through EIP-3009 ``transferWithAuthorization`` (USDC on Base).

The payer signs a TransferWithAuthorization on the token's EIP-712 domain;
anyone holding it can move exactly ``value`` from ``from`` to ``to`` inside the
time window, once. Wire payload (x402): ``{"signature": "0x..", "authorization":
{"from", "to", "value", "validAfter", "validBefore", "nonce"}}`` with integers
as decimal strings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.domain import Eip712Domain
from pyclients.evm.eip712 import (
    hash_struct,
    recover,
    recover_raw,
    same_address,
    sign_digest,
    type_hash,
    typed_digest,
    word_address,
    word_uint,
)
from pyclients.evm.errors import InsufficientFunds, InvalidPayload, NonceAlreadyUsed
from pyclients.evm.payment import (
    VALID_AFTER_SLACK_SECONDS,
    PaymentPath,
    Requirements,
    Verified,
    check_signature,
    check_terms,
    check_window,
    parse_address,
    parse_bytes,
    parse_uint,
    random_nonce,
)
from pyclients.evm.relayer import Relayer

TRANSFER_WITH_AUTHORIZATION_TYPEHASH = type_hash(
    "TransferWithAuthorization(address from,address to,uint256 value,"
    "uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
CANCEL_AUTHORIZATION_TYPEHASH = type_hash("CancelAuthorization(address authorizer,bytes32 nonce)")


@dataclass(frozen=True)
class Authorization:
    """The EIP-3009 TransferWithAuthorization message."""

    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: bytes

    def struct_hash(self) -> bytes:
        return hash_struct(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            word_address(self.from_),
            word_address(self.to),
            word_uint(self.value),
            word_uint(self.valid_after),
            word_uint(self.valid_before),
            self.nonce,
        )

    def to_json(self) -> dict[str, str]:
        return {
            "from": self.from_,
            "to": self.to,
            "value": str(self.value),
            "validAfter": str(self.valid_after),
            "validBefore": str(self.valid_before),
            "nonce": "0x" + self.nonce.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Authorization:
        try:
            return cls(
                from_=parse_address(data["from"], "authorization.from"),
                to=parse_address(data["to"], "authorization.to"),
                value=parse_uint(data["value"], "authorization.value"),
                valid_after=parse_uint(data["validAfter"], "authorization.validAfter"),
                valid_before=parse_uint(data["validBefore"], "authorization.validBefore"),
                nonce=parse_bytes(data["nonce"], "authorization.nonce", 32),
            )
        except KeyError as exc:
            raise InvalidPayload(f"authorization lacks {exc.args[0]!r}") from None


@dataclass(frozen=True)
class SignedAuthorization:
    """An authorization with the payer's signature: the x402 payload."""

    authorization: Authorization
    signature: bytes

    def to_payload(self) -> dict[str, Any]:
        return {
            "signature": "0x" + self.signature.hex(),
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

    def __init__(self, chain: EvmChain, token: str, domain: Eip712Domain) -> None:
        super().__init__(chain, token)
        self.domain = domain

    @classmethod
    async def at(cls, chain: EvmChain, token: str) -> Eip3009:
        """The client for ``token``, with its EIP-712 domain read from the chain."""
        return cls(chain, token, await chain.domain(token))

    # --- payer side -------------------------------------------------------------
    def digest(self, authorization: Authorization) -> bytes:
        return typed_digest(self.domain.separator, authorization.struct_hash())

    def sign(
        self,
        signer: LocalAccount,
        *,
        to: str,
        value: int,
        valid_after: int,
        valid_before: int,
        nonce: bytes | None = None,
        payer: str | None = None,
    ) -> SignedAuthorization:
        """Sign an authorization. ``payer`` is the account paying when it differs
        from the signing key (an EIP-1271 wallet the key controls)."""
        authorization = Authorization(
            from_=to_checksum_address(payer or signer.address),
            to=to_checksum_address(to),
            value=value,
            valid_after=valid_after,
            valid_before=valid_before,
            nonce=nonce if nonce is not None else random_nonce(),
        )
        return SignedAuthorization(authorization, sign_digest(signer, self.digest(authorization)))

    async def authorize(
        self, signer: LocalAccount, req: Requirements, *, payer: str | None = None
    ) -> SignedAuthorization:
        """Sign what ``req`` asks for, valid from now until ``maxTimeoutSeconds`` on."""
        await self.check_network(req)
        now = await self.chain.now()
        return self.sign(
            signer,
            to=req.pay_to,
            value=req.amount,
            valid_after=now - VALID_AFTER_SLACK_SECONDS,
            valid_before=now + req.max_timeout_seconds,
            payer=payer,
        )

    async def cancel(self, signer: LocalAccount, nonce: bytes, relayer: Relayer) -> None:
        """Cancel the signer's unused authorization ``nonce`` on-chain (relayer pays gas)."""
        struct = hash_struct(CANCEL_AUTHORIZATION_TYPEHASH, word_address(signer.address), nonce)
        signature = sign_digest(signer, typed_digest(self.domain.separator, struct))
        data = abi.CANCEL_AUTHORIZATION.encode(signer.address, nonce, signature)
        await relayer.transact(self.token, data, action="cancelAuthorization")

    # --- facilitator side ----------------------------------------------------------
    def payer_of(self, payment: SignedAuthorization) -> str:
        return payment.authorization.from_

    def recover_signer(self, payment: SignedAuthorization) -> str | None:
        """The ECDSA signer of the authorization (pure; None if malformed)."""
        return recover(self.digest(payment.authorization), payment.signature)

    def signed_by_payer(self, payment: SignedAuthorization) -> bool:
        """The pure signature check for a payer without code (no chain access)."""
        a = payment.authorization
        return same_address(recover_raw(self.digest(a), payment.signature), a.from_)

    async def verify(self, payment: SignedAuthorization, req: Requirements) -> Verified:
        a = payment.authorization
        await self.check_network(req)
        check_terms(req, asset=self.token, to=a.to, value=a.value)
        now, code_size, used, balance = await asyncio.gather(
            self.chain.now(),
            self.chain.code_size(a.from_),
            self.chain.read(self.token, abi.AUTHORIZATION_STATE, a.from_, a.nonce),
            self.chain.read(self.token, abi.BALANCE_OF, a.from_),
        )
        check_window(a.valid_after, a.valid_before, now, what="authorization")
        await check_signature(
            self.chain,
            a.from_,
            self.digest(a),
            payment.signature,
            signer_has_code=code_size > 0,
            what="authorization",
        )
        if used:
            raise NonceAlreadyUsed(
                f"authorization nonce 0x{a.nonce.hex()} of {a.from_} "
                "was already used or cancelled"
            )
        if balance < a.value:
            raise InsufficientFunds(f"{a.from_} holds {balance}, authorization moves {a.value}")
        return Verified(payer=a.from_, checked_at=now)

    def settle_call(self, payment: SignedAuthorization) -> tuple[str, bytes, str]:
        a = payment.authorization
        data = abi.TRANSFER_WITH_AUTHORIZATION.encode(
            a.from_, a.to, a.value, a.valid_after, a.valid_before, a.nonce, payment.signature
        )
        return self.token, data, "transferWithAuthorization"
