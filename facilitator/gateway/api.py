"""The grid's HTTP surface (OpenAI-compatible where OpenAI has the route)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from facilitator.errors import ApiError
from facilitator.gateway.service import Gateway

router = APIRouter(tags=["grid"])


def gateway(request: Request) -> Gateway:
    gw = getattr(request.app.state, "gateway", None)
    if gw is None:
        raise ApiError(404, "grid_disabled", "this facilitator serves no grid gateway")
    return gw


@router.get("/v1/models")
async def models(request: Request) -> dict[str, Any]:
    """Attested models, and whether an eligible node serves each now."""
    return await gateway(request).models()


@router.post("/v1/chat/completions", responses={
    402: {"description": "x402 payment required, or not enough credits"},
    429: {"description": "every eligible node is busy (Retry-After)"},
    503: {"description": "no eligible node serves the model (Retry-After)"}})
async def chat_completions(request: Request) -> Response:
    """Chat completion, streamed (SSE) or not, paid by X-API-Key or x402."""
    return await gateway(request).chat(request)


@router.get("/grid/capacity")
async def capacity(request: Request) -> dict[str, Any]:
    return await gateway(request).registry.capacity()


@router.get("/v1/providers")
async def providers(request: Request) -> dict[str, Any]:
    """Nodes, their prices, stake and state."""
    return {"object": "list", "data": await gateway(request).providers()}


@router.post("/grid/nodes")
async def register(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """A node registers: {document, signature} signed by its operator key."""
    return gateway(request).register(body)


@router.get("/grid/jobs/{job_id}")
async def job(job_id: str, request: Request) -> dict[str, Any]:
    """A job's billing record (its id is a 256-bit secret handed to the caller)."""
    found = gateway(request).jobs.get(job_id)
    if found is None:
        raise ApiError(404, "unknown_job", f"no job {job_id}")
    return found.public()


@router.get("/grid/evidence")
async def evidence(request: Request) -> dict[str, Any]:
    """Receipts that disagree with the gateway's count (two signed receipts for
    one job are a slashing proof for the staking program)."""
    return {"evidence": gateway(request).evidence}
