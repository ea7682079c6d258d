"""The facilitator's wire: x402 request bodies of versions 1 and 2, parsed with
the ``x402`` package's own models into one internal ``PaymentRequest``, and the
responses built with its response models (so peers parse them by construction).

Version 1 carries ``scheme``/``network`` at the payload's top level, names
networks (``base``, ``solana``) and calls the amount ``maxAmountRequired``;
version 2 uses CAIP-2 ids and repeats the chosen requirements in ``accepted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from x402.schemas import (
    PaymentPayload,
    PaymentRequirements,
    SettleResponse,
    VerifyResponse,
)
from x402.schemas.v1 import PaymentPayloadV1, PaymentRequirementsV1

from facilitator.errors import (
    ACCEPTED_MISMATCH,
    INVALID_PAYLOAD,
    INVALID_PAYMENT_REQUIREMENTS,
    INVALID_X402_VERSION,
    Refused,
)

_Req = TypeVar("_Req", bound=BaseModel)
_Pay = TypeVar("_Pay", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """One payment to verify or settle, whatever version it came in."""

    x402_version: int
    scheme: str
    #: The network as the client named it (v1: ``base``; v2: ``eip155:8453``);
    #: the registry resolves it, answers echo it.
    network: str
    amount: int
    asset: str
    pay_to: str
    max_timeout_seconds: int
    extra: dict[str, Any]
    #: The scheme-specific payload (``authorization``+``signature``, ``transaction``...).
    payload: dict[str, Any]
    resource: str | None
    extensions: dict[str, Any] = field(default_factory=dict)

    def requirements_v2(self, network: str) -> dict[str, Any]:
        """The requirements as a v2 JSON dict on CAIP-2 ``network`` (what the
        clients in ``pyclients`` check against)."""
        return {"scheme": self.scheme, "network": network, "amount": str(self.amount),
                "asset": self.asset, "payTo": self.pay_to,
                "maxTimeoutSeconds": self.max_timeout_seconds, "extra": self.extra}


def _amount(value: str, where: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                      f"{where} must be a decimal string of base units, got {value!r}")
    return int(value)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"


def _validate(req_model: type[_Req], requirements: dict[str, Any], pp_model: type[_Pay],
              payload: dict[str, Any]) -> tuple[_Req, _Pay]:
    """Both halves of a request, validated; Refused names the first bad field."""
    try:
        req = req_model.model_validate(requirements)
    except ValidationError as exc:
        raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                      f"paymentRequirements.{_first_error(exc)}") from None
    try:
        pp = pp_model.model_validate(payload)
    except ValidationError as exc:
        raise Refused(INVALID_PAYLOAD, f"paymentPayload.{_first_error(exc)}") from None
    return req, pp


def parse_request(body: Any) -> PaymentRequest:
    """Parse a ``/verify`` or ``/settle`` body. Refused(invalid_*) names the
    field that is wrong."""
    if not isinstance(body, dict):
        raise Refused(INVALID_PAYLOAD, "request body must be a JSON object")
    version = body.get("x402Version", body.get("x402_version"))
    payload = body.get("paymentPayload")
    requirements = body.get("paymentRequirements")
    if not isinstance(payload, dict):
        raise Refused(INVALID_PAYLOAD, "paymentPayload must be an object")
    if not isinstance(requirements, dict):
        raise Refused(INVALID_PAYMENT_REQUIREMENTS, "paymentRequirements must be an object")
    if version is None:
        version = payload.get("x402Version")
    if version not in (1, 2) or isinstance(version, bool):
        raise Refused(INVALID_X402_VERSION, f"x402Version must be 1 or 2, got {version!r}")
    if payload.get("x402Version", version) != version:
        raise Refused(INVALID_X402_VERSION, f"paymentPayload.x402Version "
                      f"{payload.get('x402Version')!r} differs from x402Version {version}")
    return _parse_v1(payload, requirements) if version == 1 else _parse_v2(payload, requirements)


def _parse_v2(payload: dict[str, Any], requirements: dict[str, Any]) -> PaymentRequest:
    req, pp = _validate(PaymentRequirements, requirements, PaymentPayload, payload)
    amount = _amount(req.amount, "paymentRequirements.amount")
    acc = pp.accepted
    for name in ("scheme", "network", "amount", "asset", "pay_to"):
        mine, theirs = getattr(acc, name), getattr(req, name)
        if name in ("asset", "pay_to") and mine.lower() == theirs.lower():
            continue
        if mine != theirs:
            raise Refused(ACCEPTED_MISMATCH, f"paymentPayload.accepted.{name} {mine!r} differs "
                          f"from paymentRequirements {theirs!r}")
    return PaymentRequest(
        x402_version=2, scheme=req.scheme, network=req.network, amount=amount, asset=req.asset,
        pay_to=req.pay_to, max_timeout_seconds=req.max_timeout_seconds, extra=dict(req.extra),
        payload=pp.payload, resource=pp.resource.url if pp.resource else None,
        extensions=dict(pp.extensions or {}),
    )


def _parse_v1(payload: dict[str, Any], requirements: dict[str, Any]) -> PaymentRequest:
    req, pp = _validate(PaymentRequirementsV1, requirements, PaymentPayloadV1, payload)
    for name in ("scheme", "network"):
        if getattr(pp, name) != getattr(req, name):
            raise Refused(ACCEPTED_MISMATCH, f"paymentPayload.{name} {getattr(pp, name)!r} "
                          f"differs from paymentRequirements {getattr(req, name)!r}")
    return PaymentRequest(
        x402_version=1, scheme=req.scheme, network=req.network,
        amount=_amount(req.max_amount_required, "paymentRequirements.maxAmountRequired"),
        asset=req.asset, pay_to=req.pay_to, max_timeout_seconds=req.max_timeout_seconds,
        extra=dict(req.extra or {}), payload=pp.payload, resource=req.resource,
    )


# --- responses ------------------------------------------------------------------
def verify_ok(payer: str) -> dict[str, Any]:
    return _dump(VerifyResponse(is_valid=True, payer=payer))


def verify_refused(reason: str, message: str, payer: str | None = None) -> dict[str, Any]:
    return _dump(VerifyResponse(is_valid=False, invalid_reason=reason, invalid_message=message,
                                payer=payer))


def settle_answer(*, success: bool, network: str, transaction: str | None = None,
                  payer: str | None = None, amount: int | None = None,
                  reason: str | None = None, message: str | None = None) -> dict[str, Any]:
    return _dump(SettleResponse(
        success=success, error_reason=reason, error_message=message, payer=payer,
        transaction=transaction or "", network=network,
        amount=None if amount is None else str(amount)))


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_none=True)
