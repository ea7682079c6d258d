"""Job prices: integer, rounded up to whole credits, never above the lock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facilitator.gateway.pricing import (
    MICRO,
    TIERS,
    PriceOutOfBand,
    band,
    check_price,
    credits_for,
    tier_for_params,
)

prices = st.integers(min_value=1, max_value=10**7)
tokens = st.integers(min_value=0, max_value=10**6)


@given(tokens, tokens, prices)
def test_a_settled_cost_never_exceeds_the_lock(used: int, extra: int, price: int) -> None:
    assert credits_for(used, price) <= credits_for(used + extra, price)


@given(tokens, prices)
def test_credits_cover_the_exact_cost_by_less_than_one_credit(n: int, price: int) -> None:
    exact = n * price
    assert exact <= credits_for(n, price) * MICRO < exact + MICRO


def test_suggested_prices_and_bands() -> None:
    assert [t.suggested_micro_per_token for t in TIERS] == [4_000, 16_000, 36_000, 80_000]
    assert band(TIERS[0]) == (2_000, 20_000)
    assert tier_for_params(135_000_000).name == "lite"
    assert tier_for_params(8_000_000_000).name == "standard"
    assert tier_for_params(70_000_000_000).name == "max"


@pytest.mark.parametrize("price", [1_999, 20_001, 0, -5, True, "4000"])
def test_prices_outside_the_band_are_refused(price: object) -> None:
    with pytest.raises(PriceOutOfBand, match="lite band"):
        check_price(TIERS[0], price)  # type: ignore[arg-type]


@given(st.binary(min_size=16, max_size=16))
def test_per_request_escrow_ids_never_look_like_lock_ahead_chunks(raw: bytes) -> None:
    # The gateway refunds per-request jobs a dead run left open; the facilitator's
    # lock-ahead chunks (bit 62) are its own to settle and must never match.
    from facilitator.credits.escrow import CHUNK_JOB_TAG, chunk_job_id
    from facilitator.gateway.service import Job

    job = Job(id=raw.hex(), wallet="w", model="m", node="n", price=1, max_tokens=1,
              max_credits=1, payment="credits", stream=False)
    assert job.escrow_id & CHUNK_JOB_TAG == 0
    assert chunk_job_id() & CHUNK_JOB_TAG
