"""The verify/settle engine: the rules that make settlement idempotent and
crash-safe, whatever the chain.

- One payment, one settlement. A payment is identified by its chain's own
  replay key (``Mechanism.payment_key``). Inside a process, concurrent
  requests for one payment share one flight; across replicas, the payment
  log's unique key and leases decide who sends (``Store.claim_payment``).
  Every request for the payment gets the same answer.
- Written before sent. The payment is claimed as ``pending`` before anything
  goes out, and what is sent (or how to find it) is recorded before sending
  (``Journal``). A crash at any point leaves a row the reconciler can finish
  from the chain's state; nothing is sent twice.
- Pending is an answer. A settlement not confirmed within
  ``settle_wait_seconds`` is answered ``settlement_pending`` with its
  transaction; it goes on in the background, and a later request (or the
  reconciler after a restart) gets the outcome.
- Outages charge nothing. An unreachable RPC before sending raises
  ``ChainUnavailable`` (HTTP 503, Retry-After) and leaves the payment free to
  be retried.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from facilitator.errors import (
    SETTLEMENT_INTERRUPTED,
    SETTLEMENT_PENDING,
    UNEXPECTED_SETTLE_ERROR,
    UNEXPECTED_VERIFY_ERROR,
    RPC_UNAVAILABLE,
    ChainUnavailable,
    Refused,
)
from facilitator.mechanisms.base import (
    Failed,
    Mechanism,
    Resend,
    Settled,
    SettlementUnconfirmed,
    StillPending,
    Verified,
)
from facilitator.mechanisms.registry import Registry
from facilitator.settings import FacilitatorSettings
from facilitator.store import LeaseLost, NewPayment, PaymentRecord, Store
from facilitator.wire import (
    PaymentRequest,
    parse_request,
    settle_answer,
    verify_ok,
    verify_refused,
)

log = logging.getLogger("gridpay.facilitator")
P = ParamSpec("P")
T = TypeVar("T")
Answer = dict[str, Any]


class _Journal:
    """Records a mechanism's settlement in the payment log before it is sent."""

    def __init__(self, engine: Engine, key: str, req: PaymentRequest) -> None:
        self.engine, self.key, self.req = engine, key, req
        #: Something may have gone out: from here on, only the chain decides.
        self.touched = False
        self.transaction: str | None = None

    def _with_request(self, settlement: dict[str, Any]) -> dict[str, Any]:
        # The request rides along so that a reconciler can settle it again.
        return {**settlement, "request": asdict(self.req)}

    async def sending(self, settlement: dict[str, Any]) -> None:
        await self.engine._db(self.engine.store.record_settlement, self.key, self.engine.worker,
                              self._with_request(settlement))
        self.touched = True

    async def broadcast(self, transaction: str, settlement: dict[str, Any]) -> None:
        await self.engine._db(self.engine.store.record_settlement, self.key, self.engine.worker,
                              self._with_request(settlement), transaction)
        self.touched = True
        self.transaction = transaction


class Engine:
    """Verify and settle x402 payments through the registered mechanisms."""

    def __init__(self, registry: Registry, store: Store, settings: FacilitatorSettings, *,
                 worker: str | None = None) -> None:
        self.registry = registry
        self.store = store
        self.settings = settings
        self.worker = worker or settings.replica_id or socket.gethostname()
        self.lease = timedelta(seconds=settings.claim_lease_seconds)
        self._flights: dict[str, asyncio.Task[Answer]] = {}
        self._reconciler: asyncio.Task[None] | None = None
        #: Counters for /metrics (settle outcomes by kind).
        self.counters: dict[str, int] = {}
        #: Called with each payment once it is settled (credit top-ups hook here).
        self.on_settled: list[Callable[[PaymentRecord], Awaitable[None]]] = []

    @staticmethod
    async def _db(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Store calls are blocking: run them off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    # -- verify -----------------------------------------------------------------------
    async def verify(self, body: Any) -> Answer:
        """/verify: ``isValid`` with the payer, or the reason it is not."""
        try:
            req = parse_request(body)
            verified = await self.registry.lookup(req).verify(req)
        except Refused as exc:
            return verify_refused(exc.reason, exc.message, exc.payer)
        except ChainUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not look like a bad payment
            log.exception("verify failed unexpectedly")
            return verify_refused(UNEXPECTED_VERIFY_ERROR, f"{type(exc).__name__}: {exc}")
        return verify_ok(verified.payer)

    # -- settle -------------------------------------------------------------------------
    async def settle(self, body: Any) -> Answer:
        """/settle: settle once, answer the same way every time."""
        try:
            req = parse_request(body)
            mech = self.registry.lookup(req)
            key = mech.payment_key(req)
        except Refused as exc:
            network = body.get("paymentRequirements", {}).get("network", "") \
                if isinstance(body, dict) and isinstance(body.get("paymentRequirements"), dict) \
                else ""
            return settle_answer(success=False, network=str(network), reason=exc.reason,
                                 message=exc.message, payer=exc.payer)
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._flight(req, mech, key))
            self._flights[key] = flight
            flight.add_done_callback(lambda t, k=key: self._landed(k, t))
        try:
            return await asyncio.wait_for(asyncio.shield(flight), self.settings.settle_wait_seconds)
        except TimeoutError:
            record = await self._db(self.store.get_payment, key)
            return self._pending_answer(req, record)

    def _landed(self, key: str, task: asyncio.Task[Answer]) -> None:
        self._flights.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if not isinstance(exc, ChainUnavailable):
                log.error("settlement flight %s failed", key, exc_info=exc)

    async def _flight(self, req: PaymentRequest, mech: Mechanism, key: str) -> Answer:
        record = await self._db(self.store.get_payment, key)
        if record is not None:
            if not _same_terms(record, req, mech):
                return self._replayed(req, mech, record)
            answer = await self._answer_existing(req, mech, record)
            if answer is not None:
                return answer
        try:
            verified = await mech.verify(req)
        except Refused as exc:
            self._count("refused")
            return settle_answer(success=False, network=req.network, reason=exc.reason,
                                 message=exc.message, payer=exc.payer)
        new = NewPayment(payment_key=key, x402_version=req.x402_version, network=mech.network,
                         scheme=req.scheme, payer=verified.payer, pay_to=req.pay_to,
                         asset=req.asset, amount=req.amount, resource=req.resource)
        claim = await self._db(self.store.claim_payment, new, self.worker, self.lease)
        if not claim.won:
            if not _same_terms(claim.record, req, mech):
                return self._replayed(req, mech, claim.record)
            answer = await self._answer_existing(req, mech, claim.record)
            return answer if answer is not None else self._pending_answer(req, claim.record)
        return await self._send(req, mech, key, verified)

    async def _send(self, req: PaymentRequest, mech: Mechanism, key: str,
                    verified: Verified) -> Answer:
        """Settle a payment this worker holds, and record the outcome."""
        journal = _Journal(self, key, req)
        finish = self.store.finish_payment
        try:
            settled = await mech.settle(req, verified, journal)
        except Refused as exc:
            # Nothing went out (the chain refused in simulation, the node refused
            # the transaction): the payment is failed, and may be retried.
            self._count("failed")
            record = await self._db(finish, key, "failed", error_reason=exc.reason,
                                    error_message=exc.message, owner=self.worker,
                                    nothing_sent=True)
            return self._answer(req, record)
        except ChainUnavailable as exc:
            if journal.touched:
                await self._db(self.store.release_lease, key, self.worker)
            else:
                await self._db(finish, key, "failed", error_reason=RPC_UNAVAILABLE,
                               error_message=exc.message, owner=self.worker, nothing_sent=True)
            raise
        except SettlementUnconfirmed as exc:
            self._count("pending")
            if exc.transaction and exc.transaction != journal.transaction:
                await self._db(self.store.record_settlement, key, self.worker,
                               {"request": asdict(req)}, exc.transaction)
            else:
                await self._db(self.store.release_lease, key, self.worker)
            record = await self._db(self.store.get_payment, key)
            return self._pending_answer(req, record)
        except LeaseLost:
            record = await self._db(self.store.get_payment, key)
            return self._pending_answer(req, record)
        except Exception as exc:  # noqa: BLE001 - recorded, answered, not re-raised
            log.exception("settlement of %s failed unexpectedly", key)
            if journal.touched:
                await self._db(self.store.release_lease, key, self.worker)
                record = await self._db(self.store.get_payment, key)
                return self._pending_answer(req, record)
            record = await self._db(finish, key, "failed", error_reason=UNEXPECTED_SETTLE_ERROR,
                                    error_message=f"{type(exc).__name__}: {exc}",
                                    owner=self.worker)
            return self._answer(req, record)
        self._count("settled")
        record = await self._settled(key, settled.transaction)
        return self._answer(req, record)

    async def _settled(self, key: str, transaction: str) -> PaymentRecord:
        record = await self._db(self.store.finish_payment, key, "settled", transaction=transaction)
        for hook in self.on_settled:
            try:
                await hook(record)
            except Exception:  # noqa: BLE001 - the payment stands; the hook retries at start
                log.exception("on_settled hook failed for %s", key)
        return record

    async def _answer_existing(self, req: PaymentRequest, mech: Mechanism,
                               record: PaymentRecord) -> Answer | None:
        """The answer for a payment already in the log; None when it may be
        (re)claimed: never sent, or failed before anything went out."""
        if record.status == "pending":
            if record.settlement is None and _lease_ended(record):
                return None
            record = await self._resolve(record, mech) or record
            record = await self._await_terminal(record)
        if record.status == "failed" and record.transaction is None and record.settlement is None:
            return None
        if record.status == "pending":
            return self._pending_answer(req, record)
        return self._answer(req, record)

    async def _await_terminal(self, record: PaymentRecord) -> PaymentRecord:
        """Another worker is on it: watch the log until it is decided (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.settle_wait_seconds
        while record.status == "pending" and loop.time() < deadline:
            await asyncio.sleep(0.05)
            record = await self._db(self.store.get_payment, record.payment_key) or record
        return record

    # -- answers ----------------------------------------------------------------------
    def _answer(self, req: PaymentRequest, record: PaymentRecord) -> Answer:
        if record.status == "settled":
            return settle_answer(success=True, network=req.network, transaction=record.transaction,
                                 payer=record.payer, amount=record.amount)
        if record.status == "failed":
            return settle_answer(success=False, network=req.network,
                                 transaction=record.transaction, payer=record.payer,
                                 reason=record.error_reason, message=record.error_message)
        return self._pending_answer(req, record)

    @staticmethod
    def _replayed(req: PaymentRequest, mech: Mechanism, record: PaymentRecord) -> Answer:
        # Same one-use key, different terms: a replay of a spent authorization.
        return settle_answer(success=False, network=req.network, reason=mech.replay_reason,
                             message="this authorization was already used for another "
                                     f"payment ({record.amount} to {record.pay_to})")

    @staticmethod
    def _pending_answer(req: PaymentRequest, record: PaymentRecord | None) -> Answer:
        return settle_answer(
            success=False, network=req.network,
            transaction=record.transaction if record else None,
            payer=record.payer if record else None, reason=SETTLEMENT_PENDING,
            message="broadcast, not yet confirmed: ask again for the outcome")

    # -- reconciliation -----------------------------------------------------------------
    async def _resolve(self, record: PaymentRecord, mech: Mechanism) -> PaymentRecord | None:
        """Ask the chain what became of a pending payment nobody holds, and
        record it. None when someone else holds it or nothing changed."""
        if not _lease_ended(record) or record.payment_key in self._flights and \
                self._flights[record.payment_key] is not asyncio.current_task():
            return None
        try:
            resolution = await mech.resolve(record)
        except ChainUnavailable:
            return None
        key = record.payment_key
        if isinstance(resolution, Settled):
            self._count("reconciled_settled")
            return await self._settled(key, resolution.transaction)
        if isinstance(resolution, Failed):
            self._count("reconciled_failed")
            return await self._db(self.store.finish_payment, key, "failed",
                                  transaction=resolution.transaction,
                                  error_reason=resolution.reason,
                                  error_message=resolution.message)
        if isinstance(resolution, Resend):
            return await self._resend(record, mech)
        assert isinstance(resolution, StillPending)
        return None

    async def _resend(self, record: PaymentRecord, mech: Mechanism) -> PaymentRecord | None:
        """Nothing reached the chain: verify again and settle under our lease."""
        held = await self._db(self.store.take_over, record.payment_key, self.worker, self.lease)
        if held is None:
            return None
        request = (held.settlement or {}).get("request")
        if not isinstance(request, dict):
            return await self._db(self.store.finish_payment, held.payment_key, "failed",
                                  error_reason=SETTLEMENT_INTERRUPTED,
                                  error_message="interrupted before sending; nothing was sent")
        req = PaymentRequest(**request)
        try:
            verified = await mech.verify(req)
        except Refused as exc:
            return await self._db(self.store.finish_payment, held.payment_key, "failed",
                                  error_reason=exc.reason, error_message=exc.message)
        except ChainUnavailable:
            await self._db(self.store.release_lease, held.payment_key, self.worker)
            return None
        try:
            await self._send(req, mech, held.payment_key, verified)
        except ChainUnavailable:
            return None
        return await self._db(self.store.get_payment, held.payment_key)

    async def reconcile(self) -> int:
        """One pass over the pending payments nobody holds; returns how many
        were decided."""
        decided = 0
        for record in await self._db(self.store.stale_payments):
            mech = self.registry.for_record(record)
            if mech is None:
                log.warning("pending payment %s is on %s, which is no longer configured",
                            record.payment_key, record.network)
                continue
            try:
                done = await self._resolve(record, mech)
            except Exception:  # noqa: BLE001 - one bad row must not stop the others
                log.exception("reconciling %s failed", record.payment_key)
                continue
            if done is not None and done.status != "pending":
                decided += 1
        return decided

    async def start(self) -> None:
        """Finish what a previous run of this replica left pending, then keep
        reconciling."""
        await self._db(self.store.release_leases, self.worker)
        await self.reconcile()
        self._reconciler = asyncio.create_task(self._reconcile_forever())

    async def _reconcile_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reconcile_interval_seconds)
            try:
                await self.reconcile()
            except Exception:  # noqa: BLE001 - keep the loop alive, say why
                log.exception("reconciliation pass failed")

    async def close(self) -> None:
        if self._reconciler is not None:
            self._reconciler.cancel()
            await asyncio.gather(self._reconciler, return_exceptions=True)
        flights = list(self._flights.values())
        if flights:
            # Let settlements in progress record their outcome.
            await asyncio.wait(flights, timeout=self.settings.settle_wait_seconds)


def _same_terms(record: PaymentRecord, req: PaymentRequest, mech: Mechanism) -> bool:
    return (record.amount == req.amount and mech.same_asset(record.pay_to, req.pay_to)
            and mech.same_asset(record.asset, req.asset))


def _lease_ended(record: PaymentRecord) -> bool:
    from facilitator.store import utcnow

    return record.lease_expires_at is None or record.lease_expires_at < utcnow()

