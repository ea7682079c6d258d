"""``POST /compute/credits/topup {amount, network}``: buy credits with an x402
payment on any served network.

Without a payment header the answer is 402 with the requirements (one per
network, priced in that network's token: ``amount`` credits × 0.01 USDC,
scaled to the token's decimals, paid to the network's treasury). With
``PAYMENT-SIGNATURE`` (v2) or ``X-PAYMENT`` (v1) the payment goes through the
same engine as ``/settle``; once settled, the payer's wallet is credited.

The credit is tied to the settled payment, not to this request: the payment
log marks a top-up in its ``resource`` (set here, never taken from the
client), and the engine's ``on_settled`` hook credits it, with the payment key
as the ledger reference. So a top-up answered "pending" is credited when the
reconciler settles it, a retried request never credits twice, and a restart
catches up (``catch_up``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from x402.http.utils import decode_payment_signature_header
from x402.schemas.v1 import PaymentPayloadV1

from facilitator.errors import SETTLEMENT_PENDING, ApiError
from facilitator.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from facilitator.credits.ledger import CreditLedger
    from facilitator.engine import Engine
    from facilitator.mechanisms.registry import Registry
    from facilitator.settings import FacilitatorSettings
    from facilitator.store import PaymentRecord

log = logging.getLogger("gridpay.facilitator.topup")

#: ``resource`` of a top-up in the payment log.
TOPUP_RESOURCE = "gridpay:credits-topup"
MAX_TIMEOUT_SECONDS = 300


def b64json(data: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


class TopUp:
    def __init__(self, engine: Engine, registry: Registry, ledger: CreditLedger,
                 settings: FacilitatorSettings) -> None:
        self.engine = engine
        self.registry = registry
        self.ledger = ledger
        self.settings = settings
        engine.on_settled.append(self.credit_settled)

    # -- what to pay ------------------------------------------------------------------
    def _sellers(self, network: str | None) -> list[Mechanism]:
        sellers = [m for m in self.registry.mechanisms if m.config.treasury]
        if network is not None:
            caip2 = self.registry.caip2(network)
            sellers = [m for m in sellers if m.network == caip2]
            if not sellers:
                raise ApiError(400, "invalid_network", f"credits are not sold on {network!r}; "
                               f"networks: {sorted({m.network for m in self.registry.mechanisms if m.config.treasury})}")
        return sellers

    def requirement(self, mech: Mechanism, credits: int) -> dict[str, Any]:
        return {"scheme": mech.scheme, "network": mech.network,
                "amount": str(self.ledger.price(credits, mech.config.decimals)),
                "asset": mech.config.asset, "payTo": mech.config.treasury,
                "maxTimeoutSeconds": MAX_TIMEOUT_SECONDS, "extra": mech.extra()}

    def requirement_v1(self, mech: Mechanism, credits: int, url: str) -> dict[str, Any]:
        return {"scheme": mech.scheme, "network": mech.v1_network or mech.network,
                "maxAmountRequired": str(self.ledger.price(credits, mech.config.decimals)),
                "resource": url, "description": f"{credits} gridpay credits",
                "mimeType": "application/json", "payTo": mech.config.treasury,
                "maxTimeoutSeconds": MAX_TIMEOUT_SECONDS, "asset": mech.config.asset,
                "extra": mech.extra()}

    def _credits(self, body: Any) -> tuple[int, str | None]:
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "body must be a JSON object {amount, network}")
        amount, network = body.get("amount"), body.get("network")
        if isinstance(amount, str) and amount.isdigit():
            amount = int(amount)
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ApiError(400, "invalid_amount", "amount must be a whole number of credits")
        if amount < self.settings.min_topup_credits:
            raise ApiError(400, "invalid_amount", f"amount {amount} is below the minimum "
                           f"purchase of {self.settings.min_topup_credits} credits")
        if amount > 10**12:
            raise ApiError(400, "invalid_amount", f"amount {amount} is too large")
        if network is not None and not isinstance(network, str):
            raise ApiError(400, "invalid_network", "network must be a string")
        return amount, network

    # -- the request ------------------------------------------------------------------
    async def handle(self, body: Any, headers: Mapping[str, str],
                     url: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        """(status, headers, body) of a top-up request."""
        credits, network = self._credits(body)
        sellers = self._sellers(network)
        accepts = [self.requirement(m, credits) for m in sellers]
        header = headers.get("payment-signature") or headers.get("x-payment")
        if not header:
            return self._challenge(accepts, url, credits, "payment required")
        try:
            payload = decode_payment_signature_header(header)
        except Exception as exc:  # noqa: BLE001 - any undecodable header is the client's
            return self._challenge(accepts, url, credits, f"invalid payment header: {exc}")
        marker = f"{TOPUP_RESOURCE}?credits={credits}"
        if isinstance(payload, PaymentPayloadV1):
            mech = next((m for m in sellers if payload.network in (m.v1_network, m.network)),
                        None)
            if mech is None:
                return self._challenge(accepts, url, credits,
                                       f"network {payload.network!r} is not offered")
            requirement = self.requirement_v1(mech, credits, marker)
            request = {"x402Version": 1, "paymentPayload": payload.model_dump(by_alias=True),
                       "paymentRequirements": requirement}
            response_header = "X-PAYMENT-RESPONSE"
        else:
            chosen = payload.accepted.model_dump(by_alias=True)
            requirement = next((r for r in accepts if _same_offer(r, chosen)), None)
            if requirement is None:
                return self._challenge(accepts, url, credits,
                                       "the payment accepts none of the offered requirements")
            dumped = payload.model_dump(by_alias=True, exclude_none=True)
            dumped["resource"] = {"url": marker, "description": f"{credits} gridpay credits"}
            request = {"x402Version": 2, "paymentPayload": dumped,
                       "paymentRequirements": requirement}
            response_header = "PAYMENT-RESPONSE"
        # settle verifies first, and answers a payment settled before with its
        # first outcome: a retried top-up is answered, never credited twice
        answer = await self.engine.settle(request)
        headers_out = {response_header: b64json(answer)}
        if answer.get("success"):
            balance = await self.ledger.balance(answer["payer"])
            return 200, headers_out, {"credits": credits, "balance": balance.credits,
                                      "wallet": answer["payer"], "network": answer["network"],
                                      "transaction": answer["transaction"]}
        if answer.get("errorReason") == SETTLEMENT_PENDING:
            return 202, headers_out, {"status": "pending", "credits": credits,
                                      "transaction": answer.get("transaction"),
                                      "message": "credits are added once the payment confirms"}
        status, _, body_out = self._challenge(accepts, url, credits, answer.get("errorReason"))
        return status, headers_out, body_out

    def _challenge(self, accepts: list[dict[str, Any]], url: str, credits: int,
                   error: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        required = {"x402Version": 2, "error": error,
                    "resource": {"url": url, "description": f"{credits} gridpay credits",
                                 "mimeType": "application/json"},
                    "accepts": accepts}
        return 402, {"PAYMENT-REQUIRED": b64json(required)}, required

    # -- crediting ----------------------------------------------------------------------
    async def credit_settled(self, record: PaymentRecord) -> None:
        """Credit a settled top-up to its payer (once: the payment key is the reference)."""
        if not (record.resource or "").startswith(TOPUP_RESOURCE):
            return
        mech = self.registry.for_record(record)
        if mech is None or not mech.config.treasury or \
                not mech.same_asset(record.pay_to, mech.config.treasury):
            return
        try:
            credits = self.ledger.credits_for(record.amount, mech.config.decimals)
        except ValueError:
            log.warning("top-up %s paid %s, not a whole number of credits", record.payment_key,
                        record.amount)
            return
        if credits > 0:
            await self.ledger.add(record.payer, credits, kind="topup",
                                  reference=f"topup:{record.payment_key}", topup=True)

    async def catch_up(self) -> int:
        """Credit settled top-ups a crash left uncredited; how many were looked at."""
        records = await asyncio.to_thread(self.engine.store.payments, status="settled",
                                          resource_prefix=TOPUP_RESOURCE, limit=100_000)
        for record in records:
            await self.credit_settled(record)
        return len(records)


def _same_offer(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    return (ours["scheme"] == theirs.get("scheme") and ours["network"] == theirs.get("network")
            and ours["amount"] == theirs.get("amount")
            and str(ours["asset"]).lower() == str(theirs.get("asset", "")).lower()
            and str(ours["payTo"]).lower() == str(theirs.get("payTo", "")).lower())
