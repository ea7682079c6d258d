"""What routers take from a request: the facilitator, an authenticated key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from facilitator.service import Facilitator
from facilitator.store import ApiKeyRecord


def facilitator(request: Request) -> Facilitator:
    return request.app.state.facilitator


Service = Annotated[Facilitator, Depends(facilitator)]


async def api_key(request: Request,
                  x_api_key: Annotated[str | None, Header()] = None) -> ApiKeyRecord:
    """The live API key of the request (401 otherwise)."""
    return await facilitator(request).keys.authenticate(x_api_key)


Key = Annotated[ApiKeyRecord, Depends(api_key)]
