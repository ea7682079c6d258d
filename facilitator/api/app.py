"""The FastAPI application: routers, limits, error mapping, lifecycle."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facilitator.api import account, keys, ops, x402
from facilitator.errors import RPC_UNAVAILABLE, ApiError, ChainUnavailable
from facilitator.service import Facilitator

log = logging.getLogger("gridpay.facilitator.http")


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413) before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(self.limit, send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(self.limit, send)


class _TooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    body = (b'{"error":"request_too_large","message":"request body exceeds %d bytes"}' % limit)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """Per API key (or per client address without one): a token bucket of
    ``per_minute`` requests, answered 429 with Retry-After when empty."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, who: str) -> float:
        """0 if allowed now, else seconds until it would be."""
        now = time.monotonic()
        tokens, last = self.buckets.get(who, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets[who] = (tokens - 1, now)
            return 0.0
        self.buckets[who] = (tokens, now)
        return (1 - tokens) / self.rate


UNLIMITED = {"/healthz", "/readyz", "/metrics"}


class Observe:
    """Rate limit per API key (or client address), then count and time the
    request by route (plain ASGI: no per-request task or body copy)."""

    def __init__(self, app: ASGIApp, limiter: RateLimit, metrics: Any) -> None:
        self.app, self.limiter, self.metrics = app, limiter, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] not in UNLIMITED:
            headers = dict(scope.get("headers") or [])
            client = scope.get("client")
            who = (headers.get(b"x-api-key", b"").decode("latin-1")
                   or (client[0] if client else "unknown"))
            wait = self.limiter.allow(who[:64])
            if wait:
                response = JSONResponse({"error": "rate_limited", "message": "too many requests"},
                                        status_code=429,
                                        headers={"Retry-After": str(max(1, int(wait + 0.999)))})
                await response(scope, receive, send)
                return
        status = 500
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


def create_app(service: Facilitator, *, manage_lifecycle: bool = True,
               gateway: Any = None) -> FastAPI:
    """The app over ``service``; with ``manage_lifecycle`` the app starts and
    closes the service (``gridpay facilitator``). ``gateway``: the grid gateway
    to serve (default: built from settings; see facilitator/gateway)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if manage_lifecycle:
            await service.start()
            await service.topup.catch_up()
        try:
            yield
        finally:
            if manage_lifecycle:
                await service.close()

    app = FastAPI(title="gridpay facilitator", version="1",
                  description="x402 verify/settle on Base, MegaETH, BSC and Solana; credits "
                              "and API keys.", lifespan=lifespan)
    app.state.facilitator = service
    app.state.metrics = ops.Metrics(service)
    limiter = RateLimit(service.settings.rate_limit_per_minute)

    app.state.limiter = limiter
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(ChainUnavailable)
    async def chain_down(_: Request, exc: ChainUnavailable) -> JSONResponse:
        log.warning("RPC unavailable on %s: %s", exc.network, exc.message)
        return JSONResponse(
            {"error": RPC_UNAVAILABLE, "errorReason": RPC_UNAVAILABLE, "network": exc.network,
             "message": f"{exc.network} RPC is unreachable; nothing was charged, retry later"},
            status_code=503, headers={"Retry-After": str(service.settings.retry_after_seconds)})

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": "invalid_request", "message": f"{where}: {first['msg']}"},
                            status_code=400)

    for router in (x402.router, keys.router, account.router, ops.router):
        app.include_router(router)
    # --- the OpenAI-compatible grid gateway (facilitator/gateway owns it) ---
    from facilitator.gateway import mount

    mount(app, service, gateway)
    # ------------------------------------------------------------------------
    app.add_middleware(Observe, limiter=limiter, metrics=app.state.metrics)
    app.add_middleware(BodyLimit, limit=service.settings.max_request_bytes)
    return app
