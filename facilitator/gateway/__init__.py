"""The OpenAI-compatible grid gateway, served by the facilitator app:
routing to staked nodes, billing per delivered token (credits or x402),
receipt checks. ``mount`` adds it to an app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from facilitator.gateway.service import Gateway
    from facilitator.service import Facilitator


def mount(app: FastAPI, service: Facilitator, gateway: Gateway | None = None) -> Gateway | None:
    """Serve the grid routes from ``app``: ``gateway`` if given, else one built
    from settings (none when not configured: the routes then answer 404).
    The gateway starts and closes with the app."""
    from facilitator.gateway.api import router
    from facilitator.gateway.service import Gateway

    if gateway is None:
        gateway = Gateway.from_settings(service)
    app.state.gateway = gateway
    app.include_router(router)
    if gateway is None:
        return None
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            await gateway.start()
            try:
                yield state
            finally:
                await gateway.close()

    app.router.lifespan_context = lifespan
    return gateway
