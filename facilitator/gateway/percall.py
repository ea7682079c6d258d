"""x402 per call: the 402 a grid request gets without credits, and checking,
then settling, the payment that comes back.

A call is priced for its ``max_tokens`` at the node's price, in whole
credits, in each network's token (the same requirement a credit top-up of
that many credits would get, paid to the network's treasury). The payer may
pay more (any whole number of credits): what the job does not use becomes
credits of the payer's wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from x402.http.utils import decode_payment_signature_header
from x402.schemas.v1 import PaymentPayloadV1

from facilitator.credits.topup import b64json

if TYPE_CHECKING:
    from facilitator.mechanisms.base import Mechanism
    from facilitator.service import Facilitator


API_SCHEMA = {
    "method": "POST", "path": "/v1/chat/completions", "content_type": "application/json",
    "body": {"model": "string (GET /v1/models)", "messages": "[{role, content}]",
             "max_tokens": "int (the call is priced for it)", "stream": "bool"},
    "pay_with": ["X-API-Key (credits)", "PAYMENT-SIGNATURE (x402 v2)", "X-PAYMENT (x402 v1)"],
}
PURCHASE_URL = "/compute/credits/topup"


@dataclass
class Paid:
    """A payment that verified: what to settle, and what it bought."""

    request: dict[str, Any]
    mech: Mechanism
    payer: str
    credits: int
    response_header: str


class Challenge(Exception):
    """Answer 402 with these requirements (the payment is missing or refused)."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body.get("error"))
        self.body = body

    def headers(self) -> dict[str, str]:
        return {"PAYMENT-REQUIRED": b64json(self.body)}


class PerCall:
    def __init__(self, service: Facilitator) -> None:
        self.service = service

    def sellers(self) -> list[Mechanism]:
        return [m for m in self.service.registry.mechanisms if m.config.treasury]

    def challenge(self, url: str, credits: int, description: str,
                  error: str | None) -> Challenge:
        topup = self.service.topup
        return Challenge({"x402Version": 2, "error": error,
                          "resource": {"url": url, "description": description,
                                       "mimeType": "application/json"},
                          "accepts": [topup.requirement(m, credits) for m in self.sellers()],
                          "api_schema": API_SCHEMA, "purchaseUrl": PURCHASE_URL})

    async def verify(self, header: str, url: str, credits: int, description: str) -> Paid:
        """The payment in ``header`` checked for a call costing up to ``credits``;
        Challenge when it is missing, malformed, too small or invalid."""
        def refuse(error: str) -> Challenge:
            return self.challenge(url, credits, description, error)

        try:
            payload = decode_payment_signature_header(header)
        except Exception as exc:  # noqa: BLE001 - any undecodable header is the client's
            raise refuse(f"invalid_payload: {exc}") from None
        ledger, topup = self.service.ledger, self.service.topup
        if isinstance(payload, PaymentPayloadV1):
            mech = next((m for m in self.sellers()
                         if payload.network in (m.v1_network, m.network)), None)
            if mech is None:
                raise refuse(f"invalid_network: {payload.network!r} is not offered")
            requirement = topup.requirement_v1(mech, credits, url)
            request = {"x402Version": 1, "paymentPayload": payload.model_dump(by_alias=True),
                       "paymentRequirements": requirement}
            paid, response_header = credits, "X-PAYMENT-RESPONSE"
        else:
            chosen = payload.accepted.model_dump(by_alias=True)
            mech = next((m for m in self.sellers() if _same_place(topup.requirement(m, 1), chosen)),
                        None)
            if mech is None:
                raise refuse("invalid_payment_requirements: the payment accepts none of the "
                             "offered networks, tokens and recipients")
            try:
                paid = ledger.credits_for(int(chosen.get("amount", "0")), mech.config.decimals)
            except ValueError as exc:
                raise refuse(f"invalid_exact_evm_payload_authorization_value: {exc}") from None
            if paid < credits:
                raise refuse(f"insufficient_payment: {paid} credits paid, this call may cost "
                             f"{credits}")
            requirement = topup.requirement(mech, paid)
            dumped = payload.model_dump(by_alias=True, exclude_none=True)
            dumped["resource"] = {"url": url, "description": description}
            request = {"x402Version": 2, "paymentPayload": dumped,
                       "paymentRequirements": requirement}
            response_header = "PAYMENT-RESPONSE"
        verdict = await self.service.engine.verify(request)
        if not verdict.get("isValid"):
            raise refuse(str(verdict.get("invalidReason") or "invalid_payload"))
        return Paid(request, mech, str(verdict.get("payer")), paid, response_header)

    async def settle(self, paid: Paid) -> dict[str, Any]:
        return await self.service.engine.settle(paid.request)


def _same_place(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Same scheme, network, token and recipient (the amount is checked apart)."""
    return (ours["scheme"] == theirs.get("scheme") and ours["network"] == theirs.get("network")
            and str(ours["asset"]).lower() == str(theirs.get("asset", "")).lower()
            and str(ours["payTo"]).lower() == str(theirs.get("payTo", "")).lower())
