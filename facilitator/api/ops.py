"""Operations: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, CounterMetricFamily

from facilitator.api.deps import Service

router = APIRouter(tags=["operations"])


class Metrics:
    """The service's Prometheus registry: HTTP traffic, settlement outcomes,
    and the payment log by status (read at scrape time)."""

    def __init__(self, service: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("gridpay_http_requests", "HTTP requests", ["route", "status"],
                                registry=self.registry)
        self.latency = Histogram("gridpay_http_request_seconds", "HTTP request latency",
                                 ["route"], registry=self.registry,
                                 buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25,
                                          .5, 1, 2.5, 5, 10, 30))
        self.service = service
        self.registry.register(self)  # type: ignore[arg-type]
        self.payments: dict[str, int] = {}

    def collect(self) -> Any:
        settle = CounterMetricFamily("gridpay_settlements", "settlement outcomes", labels=["outcome"])
        for outcome, n in sorted(self.service.engine.counters.items()):
            settle.add_metric([outcome], n)
        yield settle
        logged = GaugeMetricFamily("gridpay_payment_log", "payments in the log", labels=["status"])
        for status, n in sorted(self.payments.items()):
            logged.add_metric([status], n)
        yield logged

    async def render(self) -> bytes:
        self.payments = await asyncio.to_thread(self.service.store.count_payments)
        return generate_latest(self.registry)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(service: Service) -> JSONResponse:
    """Chains connected and pending payments of the previous run reconciled."""
    if not service.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    body = await request.app.state.metrics.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
