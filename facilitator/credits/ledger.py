"""The credit ledger as the facilitator serves it: the store's balances behind
an in-memory view, so a per-request check costs a dict lookup.

Writes always go through the store (an atomic conditional update: a balance
can never go below zero, whichever replica spends). The view is updated by
every write made here and re-read after ``view_ttl`` seconds, so another
replica's spending shows within that time; a check that passes on a stale
view is still refused by the store when the credits are not there.

On Solana a balance includes credits bought on-chain through job_escrow
(``credits.escrow`` indexes them). A spend draws on chunks locked on-chain
ahead of time, so it stays a store write; only when no chunk is ready does
it wait for a new lock, and it never draws on-chain credits that are not
locked for the facilitator.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from facilitator.settings import FacilitatorSettings
from facilitator.store import CreditResult, InsufficientCredits, NeedsLock, Store

if TYPE_CHECKING:
    from facilitator.credits.escrow import EscrowBacking
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
        #: job_escrow beneath the ledger (None: off-chain credits only).
        self.escrow: EscrowBacking | None = None

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

    def forget(self, wallet: str) -> None:
        """Drop the view of ``wallet`` (its balance changed elsewhere: the chain)."""
        self._view.pop(wallet, None)

    # -- writes -----------------------------------------------------------------------
    async def add(self, wallet: str, credits: int, *, kind: str, reference: str | None,
                  topup: bool = False, reverses: str | None = None) -> CreditResult:
        """Add credits. ``reverses``: the reference of the spend whose unused
        part this returns (it goes back on-chain when it came from there)."""
        res = await asyncio.to_thread(self.store.add_credits, wallet, credits, kind=kind,
                                      reference=reference, topup=topup, reverses=reverses)
        self._view.pop(wallet, None)  # last_topup_at changed too: re-read on next use
        return res

    async def spend(self, wallet: str, credits: int, *, kind: str,
                    reference: str | None) -> CreditResult:
        """Take credits (InsufficientCredits when short); fires ``credit.low``
        when the balance crosses the threshold."""
        # Each pass spends, or finds a chunk landed (ours or a concurrent
        # request's), or learns the chain has too little: bounded retries.
        attempts = 10
        for attempt in range(attempts):
            try:
                res = await asyncio.to_thread(self.store.spend_credits, wallet, credits,
                                              kind=kind, reference=reference)
                break
            except NeedsLock as exc:
                # on-chain credits not locked for us yet: lock a chunk, then retry
                if self.escrow is not None and attempt < attempts - 1 and await self.escrow.lock(
                        wallet, credits):
                    continue
                self._short(wallet, exc.balance)
                raise InsufficientCredits(wallet, exc.balance, credits) from exc
            except InsufficientCredits as exc:
                self._short(wallet, exc.balance)
                raise
        else:  # pragma: no cover - the loop always breaks or raises
            raise AssertionError("unreachable")
        if (self.escrow is not None and res.ready is not None and res.unlocked
                and res.ready < self.settings.escrow.low_water_credits):
            self.escrow.ahead(wallet)  # the next chunk, before a request waits for it
        after = res.entry.balance_after
        old = self.cached(wallet)
        self._remember(Balance(wallet, after, old.last_topup_at if old else None))
        threshold = self.settings.credit_low_threshold
        if not res.duplicate and after < threshold <= after + credits and self.webhooks:
            await self.webhooks.emit("credit.low", {"wallet": wallet, "credits": after,
                                                    "threshold": threshold})
        return res

    def _short(self, wallet: str, balance: int) -> None:
        old = self.cached(wallet)
        self._remember(Balance(wallet, balance, old.last_topup_at if old else None))
