"""schemathesis against the facilitator's own OpenAPI document, over real
HTTP: every operation, with bodies, queries and headers generated from the
schema (and outside it), never answers a 5xx."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.facilitator.conftest import EvmWorld, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")
EXAMPLES = 60  # per operation, schema-valid and schema-violating cases mixed


def fuzz(url: str) -> dict[str, list[int]]:
    """Run every operation of the schema at ``url``; returns status codes per
    operation. Synchronous (schemathesis calls over requests): run off the loop."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    seen: dict[str, list[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        codes = seen.setdefault(label, [])

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        def call(case: Any) -> None:
            response = case.call(base_url=url, timeout=30)
            codes.append(response.status_code)
            assert response.status_code < 500, (
                f"{label}: {response.status_code} {response.text[:300]}\n{case.as_curl_command()}")

        call()
    return seen


async def test_no_operation_answers_a_5xx(evm_world: EvmWorld, build_facilitator: Any) -> None:
    service = build_facilitator(*evm_world.networks())
    await service.start()
    async with serve(service, manage_lifecycle=False) as url:
        seen = await asyncio.to_thread(fuzz, url)
    # the document covers the x402 and credit endpoints, and each was exercised
    for op in ("POST /verify", "POST /settle", "GET /supported", "GET /v1/account",
               "GET /api/credits/balance", "POST /compute/credits/topup", "POST /v1/keys"):
        assert seen.get(op), (op, sorted(seen))
    assert sum(len(codes) for codes in seen.values()) >= EXAMPLES * len(seen) // 2
