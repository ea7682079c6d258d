"""The credit ledger as the facilitator serves it: the store's balances behind
an in-memory view, so a per-request check costs a dict lookup.

Writes always go through the store (an atomic conditional update: a balance
can never go below zero, whichever replica spends). The view is updated by
every write made here and re-read after ``view_ttl`` seconds, so another
replica's spending shows within that time; a check that passes on a stale
view is still refused by the store when the credits are not there.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from facilitator.settings import FacilitatorSettings
from facilitator.store import CreditResult, InsufficientCredits, Store

if TYPE_CHECKING:
    from facilitator.credits.webhooks import Webhooks

USDC_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class Balance:
    wallet: str
    credits: int
    last_topup_at: datetime | None


class CreditLedger:
    def __init__(self, store: Store, settings: FacilitatorSettings,
                 webhooks: Webhooks | None = None, *, view_ttl: float = 1.0) -> None:
        self.store = store
        self.settings = settings
        self.webhooks = webhooks
        self.view_ttl = view_ttl
        self._view: dict[str, tuple[float, Balance]] = {}

    # -- units ------------------------------------------------------------------------
    def price(self, credits: int, decimals: int) -> int:
        """Base units of a ``decimals`` stablecoin that buy ``credits``."""
        return credits * self.settings.credit_base_units * 10 ** (decimals - USDC_DECIMALS)

    def credits_for(self, amount: int, decimals: int) -> int:
        """Whole credits ``amount`` base units buy (ValueError if not whole)."""
        unit = self.price(1, decimals)
        if amount % unit:
            raise ValueError(f"{amount} base units is not a whole number of credits "
                             f"({unit} per credit)")
        return amount // unit

    def usdc_value(self, credits: int) -> str:
        """Credits as a decimal string of USDC (display only)."""
        units = Decimal(credits * self.settings.credit_base_units)
        return str((units / 10**USDC_DECIMALS).quantize(Decimal("0.000001")))

    # -- reads ------------------------------------------------------------------------
    def cached(self, wallet: str) -> Balance | None:
        """The in-memory balance if fresh enough (no I/O: the per-request path)."""
        entry = self._view.get(wallet)
        if entry is None or time.monotonic() - entry[0] > self.view_ttl:
            return None
        return entry[1]

    def can_spend(self, wallet: str, credits: int) -> bool | None:
        """Whether the view says ``wallet`` has ``credits``; None when unknown."""
        bal = self.cached(wallet)
        return None if bal is None else bal.credits >= credits

    async def balance(self, wallet: str) -> Balance:
        bal = self.cached(wallet)
        if bal is not None:
            return bal
        account = await asyncio.to_thread(self.store.credit_account, wallet)
        bal = Balance(wallet, account.balance if account else 0,
                      account.last_topup_at if account else None)
        self._remember(bal)
        return bal

    def _remember(self, bal: Balance) -> None:
        self._view[bal.wallet] = (time.monotonic(), bal)

    # -- writes -----------------------------------------------------------------------
    async def add(self, wallet: str, credits: int, *, kind: str, reference: str | None,
                  topup: bool = False) -> CreditResult:
        res = await asyncio.to_thread(self.store.add_credits, wallet, credits, kind=kind,
                                      reference=reference, topup=topup)
        self._view.pop(wallet, None)  # last_topup_at changed too: re-read on next use
        return res

    async def spend(self, wallet: str, credits: int, *, kind: str,
                    reference: str | None) -> CreditResult:
        """Take credits (InsufficientCredits when short); fires ``credit.low``
        when the balance crosses the threshold."""
        try:
            res = await asyncio.to_thread(self.store.spend_credits, wallet, credits, kind=kind,
                                          reference=reference)
        except InsufficientCredits as exc:
            old = self.cached(wallet)
            self._remember(Balance(wallet, exc.balance, old.last_topup_at if old else None))
            raise
        after = res.entry.balance_after
        old = self.cached(wallet)
        self._remember(Balance(wallet, after, old.last_topup_at if old else None))
        threshold = self.settings.credit_low_threshold
        if not res.duplicate and after < threshold <= after + credits and self.webhooks:
            await self.webhooks.emit("credit.low", {"wallet": wallet, "credits": after,
                                                    "threshold": threshold})
        return res
