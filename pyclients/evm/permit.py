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
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from gridpay.settings import get_settings
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.domain import Eip712Domain
from pyclients.evm.eip712 import VRS, recover, recover_raw, same_address, sign_digest
from pyclients.evm.errors import (
    AuthorizationExpired,
    InsufficientAllowance,
    InvalidPayload,
    InvalidSignature,
    PermitNonceMismatch,
)
from pyclients.evm.message import (
    ADDRESS,
    SIGNATURE,
    UINT256,
    Message,
    member,
    parse_bytes,
    to_hex,
)
from pyclients.evm.payment import PaymentPath, Transfer, check_signature

ASSET_TRANSFER_METHOD = "gridpay-permit"


@dataclass(frozen=True)
class _TokenMember(Message):
    token: str = member("token", ADDRESS)


@dataclass(frozen=True)
class PaymentIntent(Transfer, _TokenMember, eip712="PaymentIntent", where="intent"):
    """What the payer signs on the PermitSettlement domain. ``token`` comes first, as
    in the Solidity struct: dataclass fields follow the reversed MRO, so
    ``_TokenMember``'s field precedes ``Transfer``'s."""


@dataclass(frozen=True)
class Permit(Message, eip712="Permit"):
    """The EIP-2612 allowance the payer signs to the settlement contract."""

    owner: str = member("owner", ADDRESS)
    spender: str = member("spender", ADDRESS)
    value: int = member("value", UINT256)
    nonce: int = member("nonce", UINT256)
    deadline: int = member("deadline", UINT256)


PERMIT_TYPEHASH = Permit.typehash()
PAYMENT_INTENT_TYPEHASH = PaymentIntent.typehash()


@dataclass(frozen=True)
class SignedPermit(Message, where="permit"):
    """The payer's EIP-2612 permit to the settlement contract, as the payload carries it."""

    value: int = member("value", UINT256)
    deadline: int = member("deadline", UINT256)
    nonce: int = member("nonce", UINT256)
    signature: bytes = member("signature", SIGNATURE)

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
            "intentSignature": to_hex(self.intent_signature),
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

    NONCE_STATE = abi.INTENT_STATE
    SPENT = "settled"
    SIGNED = "payment intent"

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

    def signed(self, payment: SignedPermitPayment) -> tuple[PaymentIntent, bytes]:
        return payment.intent, payment.intent_signature

    @property
    def transfer_domain(self) -> Eip712Domain:
        return self.settlement_domain

    @property
    def nonce_contract(self) -> str:
        return self.settlement

    def asset_of(self, payment: SignedPermitPayment) -> str:
        return payment.intent.token

    # --- digests ------------------------------------------------------------------
    def intent_digest(self, intent: PaymentIntent) -> bytes:
        return intent.digest(self.settlement_domain)

    def permit_digest(self, owner: str, value: int, nonce: int, deadline: int) -> bytes:
        return Permit(owner, self.settlement, value, nonce, deadline).digest(self.token_domain)

    # --- payer side -----------------------------------------------------------------
    def sign_transfer(
        self,
        signer: LocalAccount,
        members: dict[str, Any],
        *,
        permit_nonce: int,
        permit_value: int | None = None,
        permit_deadline: int | None = None,
    ) -> SignedPermitPayment:
        """Sign intent and permit. The permit allows exactly the intent's value until
        the intent expires unless told otherwise; ``permit_nonce`` is the payer's
        current token nonce (``nonces(payer)``)."""
        intent = PaymentIntent(token=self.token, **members)
        p_value = intent.value if permit_value is None else permit_value
        p_deadline = intent.valid_before if permit_deadline is None else permit_deadline
        permit = SignedPermit(
            value=p_value,
            deadline=p_deadline,
            nonce=permit_nonce,
            signature=sign_digest(
                signer, self.permit_digest(intent.from_, p_value, permit_nonce, p_deadline)
            ),
        )
        return SignedPermitPayment(intent, sign_digest(signer, self.intent_digest(intent)), permit)

    async def signing_terms(self, owner: str) -> dict[str, Any]:
        return {"permit_nonce": await self.chain.read(self.token, abi.NONCES, owner)}

    # --- facilitator side -----------------------------------------------------------
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

    def more_reads(self, payment: SignedPermitPayment) -> Sequence[Awaitable[Any]]:
        payer = payment.intent.from_
        return (
            self.chain.read(self.token, abi.ALLOWANCE, payer, self.settlement),
            self.chain.read(self.token, abi.NONCES, payer),
        )

    async def check_more(
        self, payment: SignedPermitPayment, now: int, has_code: bool, *reads: Any
    ) -> None:
        """Mirror settle(): the permit is applied when it can be (which *sets* the
        allowance to its value), ignored when it cannot; then the allowance must
        cover the value. A permit someone already submitted (front-run) has its
        nonce spent and left the allowance behind, so it still pays."""
        allowance, token_nonce = reads
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
