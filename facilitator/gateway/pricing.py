"""Prices of grid jobs, in integers.

A node prices output tokens in micro-credits per token (1 credit = 10^6
micro-credits = 0.01 USDC). The suggested price of a tier is its per-request
price spread over the ~500 output tokens a request covers (economics.md):
Lite 2 credits / 500 tokens = 4,000 micro-credits per token. A node may
price within ×0.5 to ×5 of its tier's suggestion.

The escrow counts whole credits, so a job's cost is its exact micro-credit
cost rounded up to the next credit; the lock for ``max_tokens`` is computed
the same way, so a settled cost can never exceed its lock.
"""

from __future__ import annotations

from dataclasses import dataclass

MICRO = 1_000_000
#: Output tokens the per-request tier price covers.
TOKENS_PER_REQUEST = 500


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    #: Smallest parameter count (billions × 10) the tier starts at.
    min_params_b10: int
    request_credits: int

    @property
    def suggested_micro_per_token(self) -> int:
        return self.request_credits * MICRO // TOKENS_PER_REQUEST


#: Tiers by model size; models below the first tier's size are priced as Lite.
TIERS = (
    Tier("lite", 0, 2),
    Tier("standard", 70, 8),
    Tier("pro", 130, 18),
    Tier("max", 700, 40),
)
BAND_LOW_NUM, BAND_LOW_DEN = 1, 2   # ×0.5
BAND_HIGH = 5                      # ×5


class PriceOutOfBand(ValueError):
    """A node's price is outside the band its model's tier allows."""


def tier_named(name: str) -> Tier:
    for tier in TIERS:
        if tier.name == name:
            return tier
    raise ValueError(f"unknown tier {name!r}; tiers: {[t.name for t in TIERS]}")


def tier_for_params(params: int) -> Tier:
    """The tier of a model with ``params`` parameters."""
    b10 = params * 10 // 10**9
    return [t for t in TIERS if b10 >= t.min_params_b10][-1]


def band(tier: Tier) -> tuple[int, int]:
    """(lowest, highest) micro-credits per token a node may ask in ``tier``."""
    s = tier.suggested_micro_per_token
    return s * BAND_LOW_NUM // BAND_LOW_DEN, s * BAND_HIGH


def check_price(tier: Tier, micro_per_token: int) -> None:
    low, high = band(tier)
    if isinstance(micro_per_token, bool) or not isinstance(micro_per_token, int) \
            or not low <= micro_per_token <= high:
        raise PriceOutOfBand(
            f"price {micro_per_token!r} micro-credits/token is outside the {tier.name} band "
            f"[{low}, {high}] (×0.5–×5 of the suggested {tier.suggested_micro_per_token})")


def cost_micro(tokens: int, micro_per_token: int) -> int:
    """Exact cost of ``tokens`` output tokens, in micro-credits."""
    return tokens * micro_per_token


def credits_for(tokens: int, micro_per_token: int) -> int:
    """Whole credits charged for ``tokens`` output tokens (rounded up)."""
    return -(-cost_micro(tokens, micro_per_token) // MICRO)
