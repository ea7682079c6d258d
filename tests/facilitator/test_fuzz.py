"""Arbitrary requests to every endpoint never get a 5xx: hypothesis generates
JSON bodies (and near-valid x402 bodies) against the app over ASGI."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.api.app import create_app
from tests.facilitator.conftest import EvmWorld
from tests.facilitator.helpers import body, requirements

pytestmark = pytest.mark.asyncio(loop_scope="session")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12)
FIELDS = ["x402Version", "paymentPayload", "paymentRequirements", "accepted", "payload",
          "scheme", "network", "amount", "asset", "payTo", "extra", "authorization", "nonce",
          "signature", "value", "validBefore", "transaction", "maxTimeoutSeconds"]


def mutate(value: Any, draw: Any) -> Any:
    """Replace one nested field of a valid body with arbitrary JSON."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: mutate(value[key], draw)}
    return draw(JSON)


@pytest.fixture(scope="module")
def routes() -> list[tuple[str, str]]:
    return [("POST", "/verify"), ("POST", "/settle"), ("POST", "/v1/keys/challenge"),
            ("POST", "/v1/keys"), ("POST", "/compute/credits/topup"), ("GET", "/v1/account"),
            ("GET", "/api/credits/balance"), ("DELETE", "/v1/keys/x"), ("GET", "/supported")]


async def test_no_request_gets_a_5xx(evm_world: EvmWorld, build_facilitator: Any,
                                     routes: list[tuple[str, str]]) -> None:
    service = build_facilitator(*evm_world.networks())
    await service.start()
    app = create_app(service, manage_lifecycle=False)
    valid = body(requirements(service, evm_world, "base"), {
        "signature": "0x" + "11" * 65, "authorization": {
            "from": evm_world.payer("base").address, "to": evm_world.payee("base").address,
            "value": "10000", "validAfter": "0", "validBefore": "99999999999",
            "nonce": "0x" + "22" * 32}})
    seen: list[int] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://fuzz") as http:

        @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
        @given(route=st.sampled_from(routes), data=st.data())
        def case(route: tuple[str, str], data: st.DataObject) -> None:
            seen.append(0)
            method, path = route
            payload = data.draw(st.one_of(JSON, st.just(valid).map(
                lambda v: mutate(v, data.draw))))
            headers = data.draw(st.dictionaries(
                st.sampled_from(["x-api-key", "x-wallet-address", "payment-signature",
                                 "x-payment"]), st.text(max_size=40, alphabet=st.characters(
                    min_codepoint=33, max_codepoint=126)), max_size=2))
            cases.append((method, path, payload, headers))

        cases: list[tuple[str, str, Any, dict[str, str]]] = []
        case()
        for method, path, payload, headers in cases:
            r = await http.request(method, path, json=payload if method == "POST" else None,
                                   headers=headers)
            assert r.status_code < 500, (method, path, payload, headers, r.text)
            seen.append(r.status_code)
    assert len(cases) >= 100
    # the near-valid bodies reach the engine: answered 200 with a reason, not only 4xx
    assert 200 in seen and any(400 <= s < 500 for s in seen)
