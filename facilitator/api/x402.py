"""x402 facilitator endpoints: ``POST /verify``, ``POST /settle``, ``GET /supported``.

Bodies are taken as JSON objects and parsed by the engine with the ``x402``
package's models (versions 1 and 2), so that a malformed payment is answered
the x402 way (``isValid: false`` / ``success: false`` with a reason) rather
than with a framework error; responses are the ``x402`` package's models.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from x402.schemas import SettleResponse, SupportedResponse, VerifyResponse

from facilitator.api.deps import Service

router = APIRouter(tags=["x402"])

_BODY = Body(..., description="{x402Version, paymentPayload, paymentRequirements} (v1 or v2)")


@router.post("/verify", response_model=VerifyResponse, response_model_exclude_none=True)
async def verify(service: Service, body: dict[str, Any] = _BODY) -> Any:
    """Check a payment without moving funds."""
    return await service.engine.verify(body)


@router.post("/settle", response_model=SettleResponse, response_model_exclude_none=True)
async def settle(service: Service, body: dict[str, Any] = _BODY) -> Any:
    """Settle a payment on-chain, once; every repeat gets the same answer."""
    return await service.engine.settle(body)


@router.get("/supported", response_model=SupportedResponse)
async def supported(service: Service) -> Any:
    """Payment kinds (x402 versions 1 and 2) and the addresses that settle them."""
    return service.registry.supported()
