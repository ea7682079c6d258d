"""The nodes the gateway knows, whether each may serve, and who gets a job.

A node is eligible for a model when all hold:
- its operator has at least the minimum compute stake, not counting stake in
  cooldown (``StakingClient.may_serve``, re-read every few seconds);
- it is on-grid (operators go off-grid for planned downtime);
- it claims the model's attested file (same SHA-256 as the gateway's list);
- it has not been caught tampering (evidence held against it);
- it has not failed a job since it last registered (a dead node is skipped
  until it comes back and registers again).

Among eligible nodes with a free slot the cheapest gets the job. None free:
at capacity (429). None eligible: unavailable (503). Both carry Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from facilitator.gateway.pricing import PriceOutOfBand, Tier, check_price, tier_for_params
from facilitator.gateway.protocol import REGISTRATION_DOMAIN, ProtocolError, open_document
from facilitator.gateway.settings import AttestedModel


class RegistrationRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class NoNodeAvailable(Exception):
    """No node can take the job now; ``at_capacity`` tells busy from absent."""

    def __init__(self, model: str, at_capacity: bool, message: str) -> None:
        super().__init__(message)
        self.model, self.at_capacity = model, at_capacity


@dataclass
class Node:
    operator: str
    url: str
    #: model id -> micro-credits per output token
    prices: dict[str, int]
    max_concurrent: int
    on_grid: bool
    registered_at: float
    busy: int = 0
    #: Why the node may not serve although staked (tampering evidence), if so.
    quarantined: str | None = None
    #: Why the node is out of rotation until it registers again (it failed a job).
    down: str | None = None
    jobs_served: int = 0

    def free(self) -> bool:
        return self.busy < self.max_concurrent


@dataclass
class Eligible:
    eligible: bool
    reason: str
    staked: int
    checked_at: float


@dataclass
class Lease:
    """A slot on a node, held for one job; release it exactly once."""

    node: Node
    model: str
    price: int
    _registry: NodeRegistry = field(repr=False)
    _released: bool = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.node.busy -= 1


StakeLookup = Callable[[str], Awaitable[tuple[bool, str, int]]]


class NodeRegistry:
    def __init__(self, models: list[AttestedModel], stake_lookup: StakeLookup, *,
                 eligibility_ttl: float = 5.0, max_age: int = 300) -> None:
        self.models = {m.id: m for m in models}
        self.stake_lookup = stake_lookup
        self.ttl = eligibility_ttl
        self.max_age = max_age
        self.nodes: dict[str, Node] = {}
        self._eligibility: dict[str, Eligible] = {}

    def tier(self, model: str) -> Tier:
        return tier_for_params(self.models[model].params)

    # -- registration -------------------------------------------------------------------
    def register(self, signed: Any, now: float | None = None) -> Node:
        """A node (re)registers with a document its operator key signed."""
        try:
            doc = open_document(REGISTRATION_DOMAIN, signed)
        except ProtocolError as exc:
            raise RegistrationRefused("invalid_signature", str(exc)) from None
        now = time.time() if now is None else now
        ts = doc.get("timestamp")
        if not isinstance(ts, int) or abs(now - ts) > self.max_age:
            raise RegistrationRefused("stale_registration",
                                      f"registration timestamp {ts!r} is more than "
                                      f"{self.max_age} s from the gateway clock ({int(now)})")
        url = doc.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise RegistrationRefused("invalid_url", f"url {url!r} is not an http(s) URL")
        models = doc.get("models")
        if not isinstance(models, list) or not models:
            raise RegistrationRefused("invalid_models", "models must be a non-empty list")
        prices: dict[str, int] = {}
        for m in models:
            if not isinstance(m, dict):
                raise RegistrationRefused("invalid_models", f"model entry {m!r} is not an object")
            attested = self.models.get(m.get("id"))
            if attested is None:
                raise RegistrationRefused("model_not_attested",
                                          f"model {m.get('id')!r} is not attested here; "
                                          f"attested: {sorted(self.models)}")
            if m.get("sha256") != attested.sha256:
                raise RegistrationRefused("model_not_attested",
                                          f"model {attested.id} file hash {m.get('sha256')!r} "
                                          f"differs from the attested {attested.sha256}")
            try:
                check_price(tier_for_params(attested.params), m.get("price"))
            except PriceOutOfBand as exc:
                raise RegistrationRefused("price_out_of_band", str(exc)) from None
            prices[attested.id] = m["price"]
        slots = doc.get("max_concurrent", 1)
        if not isinstance(slots, int) or not 1 <= slots <= 64:
            raise RegistrationRefused("invalid_capacity", f"max_concurrent {slots!r} not in 1..64")
        operator = str(doc["operator"])
        node = self.nodes.get(operator)
        if node is None:
            node = self.nodes[operator] = Node(operator, url, prices, slots, True, now)
        # updated in place: leases of jobs in flight hold this object
        node.url, node.prices, node.max_concurrent = url.rstrip("/"), prices, slots
        node.on_grid, node.registered_at = bool(doc.get("on_grid", True)), now
        node.down = None  # it answers again
        self._eligibility.pop(operator, None)
        return node

    def mark_down(self, operator: str, why: str) -> None:
        """Out of rotation until the node registers again (never a penalty)."""
        node = self.nodes.get(operator)
        if node is not None:
            node.down = why

    def quarantine(self, operator: str, why: str) -> None:
        node = self.nodes.get(operator)
        if node is not None:
            node.quarantined = why

    # -- eligibility ----------------------------------------------------------------------
    async def eligibility(self, operator: str, *, refresh: bool = False) -> Eligible:
        cached = self._eligibility.get(operator)
        if cached is not None and not refresh and time.monotonic() - cached.checked_at < self.ttl:
            return cached
        ok, reason, staked = await self.stake_lookup(operator)
        entry = self._eligibility[operator] = Eligible(ok, reason, staked, time.monotonic())
        return entry

    async def eligible_nodes(self, model: str | None = None) -> list[Node]:
        nodes = [n for n in self.nodes.values()
                 if n.on_grid and n.quarantined is None and n.down is None
                 and (model is None or model in n.prices)]
        checks = await asyncio.gather(*(self.eligibility(n.operator) for n in nodes))
        return [n for n, e in zip(nodes, checks) if e.eligible]

    async def acquire(self, model: str) -> Lease:
        """A slot on the cheapest eligible node serving ``model``."""
        if model not in self.models:
            raise KeyError(model)
        nodes = await self.eligible_nodes(model)
        if not nodes:
            raise NoNodeAvailable(model, False, f"no eligible node serves {model} now")
        free = [n for n in nodes if n.free()]
        if not free:
            raise NoNodeAvailable(model, True, f"all {len(nodes)} node(s) serving {model} are busy")
        node = min(free, key=lambda n: (n.prices[model], n.busy, n.registered_at))
        node.busy += 1
        return Lease(node, model, node.prices[model], self)

    async def capacity(self) -> dict[str, Any]:
        nodes = await self.eligible_nodes()
        models = sorted({m for n in nodes for m in n.prices})
        slots = sum(n.max_concurrent for n in nodes)
        busy = sum(n.busy for n in nodes)
        return {"active_nodes": len(nodes), "models": models, "slots": slots, "busy": busy,
                "at_capacity": busy >= slots}
