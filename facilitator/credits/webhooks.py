"""Outgoing webhooks (``credit.low``): written to the delivery log first, then
POSTed by a background worker, HMAC-signed, retried with exponential backoff.

Signature header (the scheme Stripe and GitHub receivers already parse)::

    X-Gridpay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The receiver recomputes the HMAC over the raw body with the shared secret and
rejects stale timestamps; ``X-Gridpay-Delivery`` (the event id) lets it drop
duplicates, since a delivery whose answer was lost is sent again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from facilitator.settings import FacilitatorSettings
from facilitator.store import Store, WebhookDelivery, utcnow

log = logging.getLogger("gridpay.facilitator.webhooks")

#: Attempts before a delivery is given up (logged as failed).
MAX_ATTEMPTS = 8
#: First retry delay in seconds; doubled each attempt, capped at BACKOFF_CAP.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 300.0


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: bytes, header: str, body: bytes, *, tolerance: int = 300,
                     now: int | None = None) -> bool:
    """Receiver side (and for tests): the header is ours, for this body, recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or int(time.time())) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff(attempts: int) -> float:
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))


class Webhooks:
    def __init__(self, settings: FacilitatorSettings, store: Store, *,
                 poll_seconds: float = 0.2) -> None:
        self.settings = settings
        self.store = store
        self.poll_seconds = poll_seconds
        self.secret = (settings.webhook_secret_file.read_bytes().strip()
                       if settings.webhook_secret_file else b"")
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._client: httpx.AsyncClient | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.webhook_url)

    async def emit(self, event: str, data: dict[str, Any]) -> str | None:
        """Record an event for delivery; its id (None when webhooks are off)."""
        if not self.settings.webhook_url:
            return None
        event_id = uuid.uuid4().hex
        payload = {"id": event_id, "type": event, "created": int(time.time()), "data": data}
        await asyncio.to_thread(self.store.add_webhook, event_id, event,
                                self.settings.webhook_url, payload)
        self._wake.set()
        return event_id

    async def start(self) -> None:
        if self.enabled and self._task is None:
            self._client = httpx.AsyncClient(timeout=10.0)
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:  # noqa: BLE001 - keep delivering, say why
                log.exception("webhook delivery pass failed")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            except TimeoutError:
                pass

    async def deliver_due(self) -> int:
        """Send every delivery whose time has come; how many were attempted."""
        due = await asyncio.to_thread(self.store.claim_due_webhooks, timedelta(seconds=30))
        await asyncio.gather(*(self._deliver(d) for d in due))
        return len(due)

    async def _deliver(self, d: WebhookDelivery) -> None:
        assert self._client is not None
        body = json.dumps(d.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "X-Gridpay-Event": d.event,
                   "X-Gridpay-Delivery": d.event_id,
                   "X-Gridpay-Signature": sign(self.secret, int(time.time()), body)}
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(d.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = d.attempts + 1
        retry_at = None
        if error is not None and attempts < MAX_ATTEMPTS:
            retry_at = utcnow() + timedelta(seconds=backoff(attempts))
        await asyncio.to_thread(self.store.webhook_attempted, d.id, delivered=error is None,
                                status_code=status, error=error, retry_at=retry_at)
