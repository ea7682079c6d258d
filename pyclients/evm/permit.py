"""x402 ``exact`` through gridpay's recipient-bound permit path (USDm on MegaETH,
USD1 on BSC; ``extra.assetTransferMethod = "gridpay-permit"``).

The payer signs two EIP-712 messages: an EIP-2612 Permit to the PermitSettlement
contract on the token's domain, and a PaymentIntent (token, from, to, value,
window, nonce) on the settlement contract's domain. ``PermitSettlement.settle``
checks the intent, applies the permit (tolerating one already applied by
someone else), and pulls exactly ``value`` to ``to``.

Wire payload::

    {"intent": {"token", "from", "to", "value", "validAfter", "validBefore", "nonce"},
     "intentSignature": "0x..",
     "permit": {"value", "deadline", "nonce", "signature"}}

integers as decimal strings; ``permit.nonce`` is the token nonce the permit was
signed for (it is in the signed message, and lets the verifier tell a stale
permit from a forged one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from gridpay.settings import get_settings
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.domain import Eip712Domain
from pyclients.evm.eip712 import (
    VRS,
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
from pyclients.evm.errors import (
    AuthorizationExpired,
    InsufficientAllowance,
    InsufficientFunds,
    InvalidPayload,
    InvalidSignature,
    NonceAlreadyUsed,
    PermitNonceMismatch,
)
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

PERMIT_TYPEHASH = type_hash(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
PAYMENT_INTENT_TYPEHASH = type_hash(
    "PaymentIntent(address token,address from,address to,uint256 value,"
    "uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
ASSET_TRANSFER_METHOD = "gridpay-permit"


@dataclass(frozen=True)
class PaymentIntent:
    """What the payer signs on the PermitSettlement domain."""

    token: str
    from_: str
    to: str
    value: int
    valid_after: int
    valid_before: int
    nonce: bytes

    def struct_hash(self) -> bytes:
        return hash_struct(
            PAYMENT_INTENT_TYPEHASH,
            word_address(self.token),
            word_address(self.from_),
            word_address(self.to),
            word_uint(self.value),
            word_uint(self.valid_after),
            word_uint(self.valid_before),
            self.nonce,
        )

    def as_tuple(self) -> tuple:
        return (
            self.token,
            self.from_,
            self.to,
            self.value,
            self.valid_after,
            self.valid_before,
            self.nonce,
        )

    def to_json(self) -> dict[str, str]:
        return {
            "token": self.token,
            "from": self.from_,
            "to": self.to,
            "value": str(self.value),
            "validAfter": str(self.valid_after),
            "validBefore": str(self.valid_before),
            "nonce": "0x" + self.nonce.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PaymentIntent:
        try:
            return cls(
                token=parse_address(data["token"], "intent.token"),
                from_=parse_address(data["from"], "intent.from"),
                to=parse_address(data["to"], "intent.to"),
                value=parse_uint(data["value"], "intent.value"),
                valid_after=parse_uint(data["validAfter"], "intent.validAfter"),
                valid_before=parse_uint(data["validBefore"], "intent.validBefore"),
                nonce=parse_bytes(data["nonce"], "intent.nonce", 32),
            )
        except KeyError as exc:
            raise InvalidPayload(f"intent lacks {exc.args[0]!r}") from None


@dataclass(frozen=True)
class SignedPermit:
    """The payer's EIP-2612 permit to the settlement contract."""

    value: int
    deadline: int
    nonce: int
    signature: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "value": str(self.value),
            "deadline": str(self.deadline),
            "nonce": str(self.nonce),
            "signature": "0x" + self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedPermit:
        try:
            return cls(
                value=parse_uint(data["value"], "permit.value"),
                deadline=parse_uint(data["deadline"], "permit.deadline"),
                nonce=parse_uint(data["nonce"], "permit.nonce"),
                signature=parse_bytes(data["signature"], "permit.signature", 65),
            )
        except KeyError as exc:
            raise InvalidPayload(f"permit lacks {exc.args[0]!r}") from None

    def as_tuple(self) -> tuple:
        vrs = VRS.from_bytes(self.signature)
        return (self.value, self.deadline, vrs.v, vrs.r, vrs.s)


@dataclass(frozen=True)
class SignedPermitPayment:
    """Intent + intent signature + permit: the x402 payload of this path."""

    intent: PaymentIntent
    intent_signature: bytes
    permit: SignedPermit

    def to_payload(self) -> dict[str, Any]:
        return {
            "intent": self.intent.to_json(),
            "intentSignature": "0x" + self.intent_signature.hex(),
            "permit": self.permit.to_json(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> SignedPermitPayment:
        if not isinstance(payload, Mapping):
            raise InvalidPayload("gridpay-permit payload must be an object")
        for key in ("intent", "permit"):
            if not isinstance(payload.get(key), Mapping):
                raise InvalidPayload(f"gridpay-permit payload needs an {key!r} object")
        return cls(
            intent=PaymentIntent.from_json(payload["intent"]),
            intent_signature=parse_bytes(payload.get("intentSignature"), "intentSignature"),
            permit=SignedPermit.from_json(payload["permit"]),
        )


class PermitPayment(PaymentPath[SignedPermitPayment]):
    """A permit token plus the PermitSettlement contract on one chain."""

    def __init__(
        self,
        chain: EvmChain,
        token: str,
        settlement: str,
        token_domain: Eip712Domain,
        settlement_domain: Eip712Domain,
    ) -> None:
        super().__init__(chain, token)
        self.settlement = to_checksum_address(settlement)
        self.token_domain = token_domain
        self.settlement_domain = settlement_domain

    @classmethod
    async def at(cls, chain: EvmChain, token: str, settlement: str) -> PermitPayment:
        """The client for ``token`` settled through ``settlement``, both domains read
        from the chain."""
        token_domain, settlement_domain = await asyncio.gather(
            chain.domain(token), chain.domain(settlement)
        )
        return cls(chain, token, settlement, token_domain, settlement_domain)

    # --- digests ------------------------------------------------------------------
    def intent_digest(self, intent: PaymentIntent) -> bytes:
        return typed_digest(self.settlement_domain.separator, intent.struct_hash())

    def permit_digest(self, owner: str, value: int, nonce: int, deadline: int) -> bytes:
        struct = hash_struct(
            PERMIT_TYPEHASH,
            word_address(owner),
            word_address(self.settlement),
            word_uint(value),
            word_uint(nonce),
            word_uint(deadline),
        )
        return typed_digest(self.token_domain.separator, struct)

    # --- payer side -----------------------------------------------------------------
    def sign(
        self,
        signer: LocalAccount,
        *,
        to: str,
        value: int,
        valid_after: int,
        valid_before: int,
        permit_nonce: int,
        nonce: bytes | None = None,
        payer: str | None = None,
        permit_value: int | None = None,
        permit_deadline: int | None = None,
    ) -> SignedPermitPayment:
        """Sign intent and permit. The permit allows exactly ``value`` until the
        intent expires unless told otherwise; ``permit_nonce`` is the payer's
        current token nonce (``nonces(payer)``)."""
        owner = to_checksum_address(payer or signer.address)
        intent = PaymentIntent(
            token=self.token,
            from_=owner,
            to=to_checksum_address(to),
            value=value,
            valid_after=valid_after,
            valid_before=valid_before,
            nonce=nonce if nonce is not None else random_nonce(),
        )
        p_value = value if permit_value is None else permit_value
        p_deadline = valid_before if permit_deadline is None else permit_deadline
        permit = SignedPermit(
            value=p_value,
            deadline=p_deadline,
            nonce=permit_nonce,
            signature=sign_digest(
                signer, self.permit_digest(owner, p_value, permit_nonce, p_deadline)
            ),
        )
        return SignedPermitPayment(intent, sign_digest(signer, self.intent_digest(intent)), permit)

    async def authorize(
        self, signer: LocalAccount, req: Requirements, *, payer: str | None = None
    ) -> SignedPermitPayment:
        """Sign what ``req`` asks for, valid from now until ``maxTimeoutSeconds`` on."""
        await self.check_network(req)
        owner = to_checksum_address(payer or signer.address)
        now, permit_nonce = await asyncio.gather(
            self.chain.now(), self.chain.read(self.token, abi.NONCES, owner)
        )
        return self.sign(
            signer,
            to=req.pay_to,
            value=req.amount,
            valid_after=now - VALID_AFTER_SLACK_SECONDS,
            valid_before=now + req.max_timeout_seconds,
            permit_nonce=permit_nonce,
            payer=payer,
        )

    # --- facilitator side -----------------------------------------------------------
    def payer_of(self, payment: SignedPermitPayment) -> str:
        return payment.intent.from_

    def recover_signers(self, payment: SignedPermitPayment) -> tuple[str | None, str | None]:
        """ECDSA signers of (intent, permit) (pure; None where malformed)."""
        i, p = payment.intent, payment.permit
        return (
            recover(self.intent_digest(i), payment.intent_signature),
            recover(self.permit_digest(i.from_, p.value, p.nonce, p.deadline), p.signature),
        )

    def signed_by_payer(self, payment: SignedPermitPayment) -> bool:
        """The pure check of both signatures for a payer without code."""
        i, p = payment.intent, payment.permit
        permit_digest = self.permit_digest(i.from_, p.value, p.nonce, p.deadline)
        return same_address(
            recover_raw(self.intent_digest(i), payment.intent_signature), i.from_
        ) and same_address(recover_raw(permit_digest, p.signature), i.from_)

    async def verify(self, payment: SignedPermitPayment, req: Requirements) -> Verified:
        i = payment.intent
        await self.check_network(req)
        check_terms(req, asset=i.token, to=i.to, value=i.value)
        now, code_size, used, balance, allowance, token_nonce = await asyncio.gather(
            self.chain.now(),
            self.chain.code_size(i.from_),
            self.chain.read(self.settlement, abi.INTENT_STATE, i.from_, i.nonce),
            self.chain.read(self.token, abi.BALANCE_OF, i.from_),
            self.chain.read(self.token, abi.ALLOWANCE, i.from_, self.settlement),
            self.chain.read(self.token, abi.NONCES, i.from_),
        )
        check_window(i.valid_after, i.valid_before, now, what="intent")
        has_code = code_size > 0
        await check_signature(
            self.chain,
            i.from_,
            self.intent_digest(i),
            payment.intent_signature,
            signer_has_code=has_code,
            what="payment intent",
        )
        if used:
            raise NonceAlreadyUsed(
                f"intent nonce 0x{i.nonce.hex()} of {i.from_} " "was already settled or cancelled"
            )
        await self._check_allowance(payment, now, allowance, token_nonce, has_code)
        if balance < i.value:
            raise InsufficientFunds(f"{i.from_} holds {balance}, intent moves {i.value}")
        return Verified(payer=i.from_, checked_at=now)

    async def _check_allowance(
        self,
        payment: SignedPermitPayment,
        now: int,
        allowance: int,
        token_nonce: int,
        has_code: bool,
    ) -> None:
        """Mirror settle(): the permit is applied when it can be (which *sets* the
        allowance to its value), ignored when it cannot; then the allowance must
        cover the value. A permit someone already submitted (front-run) has its
        nonce spent and left the allowance behind, so it still pays."""
        i, p = payment.intent, payment.permit
        margin = get_settings().evm_validity_margin_seconds
        permit_error: Exception | None = None
        if p.nonce != token_nonce:
            permit_error = PermitNonceMismatch(
                f"permit signed for token nonce {p.nonce}, {i.from_}'s nonce is {token_nonce}"
            )
        elif p.deadline < now:
            permit_error = AuthorizationExpired(f"permit deadline {p.deadline} has passed ({now})")
        else:
            digest = self.permit_digest(i.from_, p.value, p.nonce, p.deadline)
            try:
                await check_signature(
                    self.chain,
                    i.from_,
                    digest,
                    p.signature,
                    signer_has_code=has_code,
                    what="permit",
                )
            except InvalidSignature as exc:
                permit_error = exc
        if permit_error is None:
            # The permit will apply (or, inside the margin, may): it sets the allowance.
            if p.value < i.value:
                raise InsufficientAllowance(f"permit allows {p.value}, intent moves {i.value}")
            if p.deadline < now + margin and allowance < i.value:
                raise AuthorizationExpired(
                    f"permit deadline {p.deadline} falls within the {margin}s margin of now ({now})"
                )
            return
        if allowance < i.value:
            if isinstance(permit_error, PermitNonceMismatch):
                raise PermitNonceMismatch(
                    f"{permit_error.message}, and the allowance "
                    f"{allowance} does not cover {i.value}"
                )
            raise permit_error

    def settle_call(self, payment: SignedPermitPayment) -> tuple[str, bytes, str]:
        data = abi.SETTLE.encode(
            payment.intent.as_tuple(), payment.intent_signature, payment.permit.as_tuple()
        )
        return self.settlement, data, "PermitSettlement.settle"
