"""Credits: the account of an API key, the read-only balance of a wallet, top-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from facilitator.api.deps import Key, Service
from facilitator.credits.keys import normalize_wallet

router = APIRouter(tags=["credits"])


class Account(BaseModel):
    wallet: str
    credits_remaining: int
    usdc_value: str
    last_topup_at: datetime | None


class WalletBalance(BaseModel):
    credits: int
    endpoint: str | None


@router.get("/v1/account", response_model=Account)
async def account(key: Key, service: Service) -> Account:
    """The wallet behind the API key and its credits."""
    bal = await service.ledger.balance(key.wallet)
    return Account(wallet=key.wallet, credits_remaining=bal.credits,
                   usdc_value=service.ledger.usdc_value(bal.credits),
                   last_topup_at=bal.last_topup_at)


@router.get("/api/credits/balance", response_model=WalletBalance)
async def balance(service: Service,
                  x_wallet_address: Annotated[str, Header()],
                  endpoint: Annotated[str | None, Query(max_length=128)] = None) -> WalletBalance:
    """A wallet's credits. Reads only: an address names a balance, it never spends it."""
    _, wallet = normalize_wallet(x_wallet_address)
    bal = await service.ledger.balance(wallet)
    return WalletBalance(credits=bal.credits, endpoint=endpoint)


@router.post("/compute/credits/topup", responses={402: {"description": "x402 payment required"},
                                                  202: {"description": "payment pending"}})
async def topup(request: Request, service: Service, body: dict[str, Any]) -> JSONResponse:
    """Buy ``amount`` credits with an x402 payment on ``network`` (any when omitted)."""
    status, headers, payload = await service.topup.handle(
        body, {k.lower(): v for k, v in request.headers.items()}, str(request.url))
    return JSONResponse(payload, status_code=status, headers=headers)
