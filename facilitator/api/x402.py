"""x402 facilitator endpoints: ``POST /verify``, ``POST /settle``, ``GET /supported``.

Bodies are taken as JSON objects and parsed by the engine with the ``x402``
package's models (versions 1 and 2), so that a malformed payment is answered
the x402 way (``isValid: false`` / ``success: false`` with a reason) rather
than with a framework error; responses are the ``x402`` package's models.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from x402.schemas import SettleResponse, SupportedResponse, VerifyResponse

from facilitator.api.deps import Service

router = APIRouter(tags=["x402"])

_BODY = Body(..., description="{x402Version, paymentPayload, paymentRequirements} (v1 or v2)")


# The engine builds its answers with the x402 models already (facilitator.wire):
# they are sent as they are, and the models document them.
@router.post("/verify", responses={200: {"model": VerifyResponse}}, response_class=JSONResponse)
async def verify(service: Service, body: dict[str, Any] = _BODY) -> JSONResponse:
    """Check a payment without moving funds."""
    return JSONResponse(await service.engine.verify(body))


@router.post("/settle", responses={200: {"model": SettleResponse}}, response_class=JSONResponse)
async def settle(service: Service, body: dict[str, Any] = _BODY) -> JSONResponse:
    """Settle a payment on-chain, once; every repeat gets the same answer."""
    return JSONResponse(await service.engine.settle(body))


@router.get("/supported", response_model=SupportedResponse)
async def supported(service: Service) -> Any:
    """Payment kinds (x402 versions 1 and 2) and the addresses that settle them."""
    return service.registry.supported()
