"""The store: one interface over SQLite (WAL, the default) and PostgreSQL
(for several facilitator replicas sharing one database).

Every method is one short transaction. Writes that race (two replicas
claiming one payment, two top-ups with one reference) are decided by the
database — unique keys and conditional updates — never by a read followed by
a write. Methods are synchronous (SQLAlchemy Core); async callers run them in
a worker thread (``facilitator.store.AsyncStore``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from facilitator.store.schema import (
    api_keys,
    auth_challenges,
    chain_cursors,
    credit_accounts,
    credit_entries,
    escrow_allocations,
    escrow_chunks,
    escrow_wallets,
    payment_logs,
    webhook_deliveries,
)

MIGRATIONS = Path(__file__).parent / "migrations"
PaymentStatus = Literal["pending", "settled", "failed"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreError(Exception):
    """A store operation was refused; the message says why."""


class LeaseLost(StoreError):
    """Another worker took the payment over (our lease had expired)."""


class InsufficientCredits(StoreError):
    def __init__(self, wallet: str, balance: int, wanted: int) -> None:
        super().__init__(f"wallet {wallet} has {balance} credits, {wanted} needed")
        self.wallet, self.balance, self.wanted = wallet, balance, wanted


class NeedsLock(InsufficientCredits):
    """Off-chain credits and open chunks are short by ``short``, but the
    wallet has ``unlocked`` job_escrow credits not yet locked for the
    facilitator: lock a chunk of at least ``short`` on-chain, then spend again.
    Nothing changed."""

    def __init__(self, wallet: str, balance: int, wanted: int, short: int, unlocked: int) -> None:
        super().__init__(wallet, balance, wanted)
        self.args = (f"wallet {wallet} needs {short} more credits locked in job_escrow "
                     f"({unlocked} unlocked there)",)
        self.short, self.unlocked = short, unlocked


class _ChunkMoved(Exception):
    """A chunk left ``open`` between reading and drawing from it: spend again."""


def _row_to(cls: type[Any], row: Any) -> Any:
    m = row._mapping
    return cls(**{f.name: m[f.name] for f in fields(cls)})


# --- records (what callers see) --------------------------------------------
@dataclass(frozen=True, slots=True)
class NewPayment:
    payment_key: str
    x402_version: int
    network: str
    scheme: str
    payer: str
    pay_to: str
    asset: str
    amount: int
    resource: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRecord(NewPayment):
    """A payment as the log holds it: its terms (as claimed) and where it stands."""

    status: PaymentStatus
    transaction: str | None
    error_reason: str | None
    error_message: str | None
    settlement: dict[str, Any] | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """Outcome of ``claim_payment``: ``won`` means this worker settles it;
    otherwise ``record`` is the payment as another worker left it."""

    won: bool
    record: PaymentRecord


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    key_hash: str
    wallet: str
    scope: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    nonce: str
    wallet: str
    scope: str
    message: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreditAccount:
    wallet: str
    balance: int
    last_topup_at: datetime | None
    updated_at: datetime
    #: The part of ``balance`` held in job_escrow (the rest is off-chain).
    onchain: int = 0

    @property
    def offchain(self) -> int:
        return self.balance - self.onchain


@dataclass(frozen=True, slots=True)
class CreditEntry:
    id: int
    wallet: str
    delta: int
    balance_after: int
    kind: str
    reference: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    id: int
    event_id: str
    event: str
    url: str
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreditResult:
    entry: CreditEntry
    #: True when ``reference`` had been applied before: nothing changed now.
    duplicate: bool
    #: Credits spendable after this movement with no new on-chain lock
    #: (off-chain credits plus open chunks' remainders); None for duplicates.
    ready: int | None = None
    #: job_escrow credits not locked for the facilitator yet (None: duplicate).
    unlocked: int | None = None


ChunkStatus = Literal["locking", "open", "settling", "settled", "refunded", "failed"]
#: Chunks whose lock is (or may be) on-chain and not yet closed.
LIVE_CHUNKS = ("locking", "open", "settling")


@dataclass(frozen=True, slots=True)
class EscrowChunk:
    """Credits locked ahead in job_escrow for one wallet (one job account)."""

    id: int
    wallet: str
    job_id: int
    worker: str
    credits: int
    used: int
    status: ChunkStatus
    expires_at: int | None
    usable_until: datetime | None
    lock_tx: str | None
    close_tx: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def remaining(self) -> int:
        return self.credits - self.used

    def usable(self, now: datetime) -> bool:
        return (self.status == "open" and self.usable_until is not None
                and now < self.usable_until and self.remaining > 0)


EscrowEventKind = Literal["deposit", "withdraw", "settled", "refunded"]


# --- engine set-up ------------------------------------------------------------
def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's own
        # implicit transactions would defer the write lock and deadlock).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if url != "sqlite://":  # WAL needs a file
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the lock up front: two deferred transactions that both
        # read then write would otherwise fail with SQLITE_BUSY, not wait.
        write = conn.get_execution_options().get("gridpay_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
    raise StoreError(f"unsupported database URL {parsed.render_as_string()!r}: "
                     "use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")


class Store:
    """The facilitator's persistent state. ``Store.open(url)`` migrates the
    database to the current schema before returning."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(create_store_engine(url))
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.engine.dispose()

    # -- migrations ---------------------------------------------------------
    def _alembic_config(self, conn: Connection) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        return cfg

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision``."""
        self._alembic(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        """Take the schema down to ``revision`` ("base": no tables)."""
        self._alembic(command.downgrade, revision)

    def _alembic(self, fn: Any, revision: str) -> None:
        # Replicas starting together on PostgreSQL take an advisory lock so
        # that only one of them migrates at a time.
        with self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_lock(402402)")
                conn.commit()
            try:
                fn(self._alembic_config(conn), revision)
                conn.commit()
            finally:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_unlock(402402)")
                    conn.commit()

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return ScriptDirectory.from_config(self._alembic_config(conn)).get_current_head()

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(gridpay_write=write)
            with conn.begin():
                yield conn

    # -- payment log --------------------------------------------------------
    def claim_payment(self, new: NewPayment, owner: str, lease: timedelta) -> Claim:
        """Take the payment for settlement, or learn who has it.

        Won when the payment is new, when an earlier attempt failed before
        anything was sent, or when a worker that claimed it died before sending
        (its lease expired). A payment with a recorded settlement is never
        re-claimed: its transaction may land, and a second one would pay
        twice; the reconciler finishes it (``take_over``).
        """
        now = utcnow()
        values = {f.name: getattr(new, f.name) for f in fields(NewPayment)}
        values |= {
            "status": "pending", "lease_owner": owner, "lease_expires_at": now + lease,
            "transaction": None, "error_reason": None, "error_message": None,
            "settlement": None, "created_at": now, "updated_at": now,
        }
        with self._tx() as conn:
            ins = (self._insert(payment_logs).values(**values)
                   .on_conflict_do_nothing(index_elements=["payment_key"])
                   .returning(payment_logs.c.id))
            if conn.execute(ins).first() is not None:
                return Claim(True, self._payment(conn, new.payment_key))
            retake = (
                update(payment_logs)
                .where(payment_logs.c.payment_key == new.payment_key)
                .where(payment_logs.c.transaction.is_(None))
                .where(payment_logs.c.settlement.is_(None))
                .where(
                    (payment_logs.c.status == "failed")
                    | ((payment_logs.c.status == "pending")
                       & (payment_logs.c.lease_expires_at < now))
                )
                .values({k: v for k, v in values.items() if k != "created_at"})
            )
            won = conn.execute(retake).rowcount == 1
            return Claim(won, self._payment(conn, new.payment_key))

    def record_settlement(self, key: str, owner: str, settlement: dict[str, Any],
                          transaction: str | None = None) -> None:
        """Write what was (or is about to be) sent *before* sending it, so a crash
        after the send leaves a pending row the reconciler can finish. With a
        ``transaction`` id the lease ends: the id alone decides the outcome."""
        values: dict[str, Any] = {"settlement": _jsonable(settlement), "updated_at": utcnow()}
        if transaction is not None:
            values |= {"transaction": transaction, "lease_expires_at": None}
        with self._tx() as conn:
            res = conn.execute(
                update(payment_logs)
                .where(payment_logs.c.payment_key == key)
                .where(payment_logs.c.lease_owner == owner)
                .where(payment_logs.c.status == "pending")
                .values(**values)
            )
            if res.rowcount != 1:
                raise LeaseLost(f"payment {key} is no longer held by {owner}")

    def release_lease(self, key: str, owner: str) -> None:
        """End ``owner``'s lease now, so the reconciler may finish the payment."""
        with self._tx() as conn:
            conn.execute(update(payment_logs).where(payment_logs.c.payment_key == key)
                         .where(payment_logs.c.lease_owner == owner)
                         .where(payment_logs.c.status == "pending")
                         .values(lease_expires_at=utcnow(), updated_at=utcnow()))

    def release_leases(self, owner: str) -> int:
        """End every lease ``owner`` holds: a replica restarting after a crash
        hands its unfinished payments to the reconciler."""
        with self._tx() as conn:
            return conn.execute(update(payment_logs).where(payment_logs.c.lease_owner == owner)
                                .where(payment_logs.c.status == "pending")
                                .values(lease_expires_at=utcnow())).rowcount

    def take_over(self, key: str, owner: str, lease: timedelta) -> PaymentRecord | None:
        """Hold a pending payment whose lease has ended (or that has none), to
        finish it; None when another worker holds it or it is no longer pending."""
        now = utcnow()
        with self._tx() as conn:
            res = conn.execute(
                update(payment_logs).where(payment_logs.c.payment_key == key)
                .where(payment_logs.c.status == "pending")
                .where(payment_logs.c.lease_expires_at.is_(None)
                       | (payment_logs.c.lease_expires_at < now))
                .values(lease_owner=owner, lease_expires_at=now + lease, updated_at=now))
            return self._payment(conn, key) if res.rowcount == 1 else None

    def stale_payments(self, limit: int = 100) -> list[PaymentRecord]:
        """Pending payments nobody holds: a transaction id was recorded, or the
        lease of the worker that was sending ended. The reconciler's work list."""
        now = utcnow()
        q = (select(payment_logs).where(payment_logs.c.status == "pending")
             .where(payment_logs.c.lease_expires_at.is_(None)
                    | (payment_logs.c.lease_expires_at < now))
             .order_by(payment_logs.c.id).limit(limit))
        with self._tx(write=False) as conn:
            return [_row_to(PaymentRecord, r) for r in conn.execute(q)]

    def finish_payment(self, key: str, status: PaymentStatus, *,
                       transaction: str | None = None, error_reason: str | None = None,
                       error_message: str | None = None, owner: str | None = None,
                       nothing_sent: bool = False) -> PaymentRecord:
        """Set the final status. ``owner`` (when given) must still hold the lease
        of a not-yet-broadcast payment; a terminal row is never changed.
        ``nothing_sent`` forgets the recorded settlement of a failure that
        never reached the chain, so the payment may be tried again."""
        if status not in ("settled", "failed"):
            raise StoreError(f"finish_payment needs settled or failed, not {status!r}")
        values: dict[str, Any] = {"status": status, "error_reason": error_reason,
                                  "error_message": error_message, "lease_owner": None,
                                  "lease_expires_at": None, "updated_at": utcnow()}
        if transaction is not None:
            values["transaction"] = transaction
        if nothing_sent:
            values["settlement"] = None
        with self._tx() as conn:
            stmt = (update(payment_logs).where(payment_logs.c.payment_key == key)
                    .where(payment_logs.c.status == "pending"))
            if owner is not None:
                stmt = stmt.where((payment_logs.c.lease_owner == owner)
                                  | payment_logs.c.transaction.is_not(None))
            conn.execute(stmt.values(**values))
            record = self._payment(conn, key)
        if record is None:
            raise StoreError(f"no payment {key}")
        return record

    def get_payment(self, key: str) -> PaymentRecord | None:
        with self._tx(write=False) as conn:
            return self._payment(conn, key)

    def payments(self, *, status: PaymentStatus | None = None, payer: str | None = None,
                 resource_prefix: str | None = None, limit: int = 100) -> list[PaymentRecord]:
        q = select(payment_logs).order_by(payment_logs.c.id).limit(limit)
        if resource_prefix is not None:
            q = q.where(payment_logs.c.resource.startswith(resource_prefix, autoescape=True))
        if status is not None:
            q = q.where(payment_logs.c.status == status)
        if payer is not None:
            q = q.where(payment_logs.c.payer == payer)
        with self._tx(write=False) as conn:
            return [_row_to(PaymentRecord, r) for r in conn.execute(q)]

    def count_payments(self) -> dict[str, int]:
        from sqlalchemy import func
        q = select(payment_logs.c.status, func.count()).group_by(payment_logs.c.status)
        with self._tx(write=False) as conn:
            return {s: n for s, n in conn.execute(q)}

    @staticmethod
    def _payment(conn: Connection, key: str) -> PaymentRecord | None:
        row = conn.execute(select(payment_logs).where(payment_logs.c.payment_key == key)).first()
        return None if row is None else _row_to(PaymentRecord, row)

    # -- API keys -----------------------------------------------------------
    def add_challenge(self, nonce: str, wallet: str, scope: str, message: str,
                      expires_at: datetime) -> None:
        with self._tx() as conn:
            conn.execute(auth_challenges.insert().values(
                nonce=nonce, wallet=wallet, scope=scope, message=message,
                expires_at=expires_at, used_at=None))

    def use_challenge(self, nonce: str) -> ChallengeRecord | None:
        """Mark a challenge used, once: returns it only to the first caller,
        and only before it expires."""
        now = utcnow()
        with self._tx() as conn:
            res = conn.execute(
                update(auth_challenges)
                .where(auth_challenges.c.nonce == nonce)
                .where(auth_challenges.c.used_at.is_(None))
                .where(auth_challenges.c.expires_at > now)
                .values(used_at=now))
            if res.rowcount != 1:
                return None
            row = conn.execute(select(auth_challenges)
                               .where(auth_challenges.c.nonce == nonce)).one()
            return _row_to(ChallengeRecord, row)

    def add_api_key(self, key_id: str, key_hash: str, wallet: str, scope: str,
                    label: str | None) -> ApiKeyRecord:
        now = utcnow()
        with self._tx() as conn:
            conn.execute(api_keys.insert().values(
                key_id=key_id, key_hash=key_hash, wallet=wallet, scope=scope, label=label,
                created_at=now, revoked_at=None, last_used_at=None))
            return _row_to(ApiKeyRecord, conn.execute(
                select(api_keys).where(api_keys.c.key_id == key_id)).one())

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        with self._tx(write=False) as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).first()
            return None if row is None else _row_to(ApiKeyRecord, row)

    def api_keys_of(self, wallet: str) -> list[ApiKeyRecord]:
        with self._tx(write=False) as conn:
            rows = conn.execute(select(api_keys).where(api_keys.c.wallet == wallet)
                                .order_by(api_keys.c.id))
            return [_row_to(ApiKeyRecord, r) for r in rows]

    def revoke_api_key(self, key_id: str, wallet: str) -> bool:
        """Revoke one of ``wallet``'s keys; False when it has no such live key."""
        with self._tx() as conn:
            res = conn.execute(update(api_keys).where(api_keys.c.key_id == key_id)
                               .where(api_keys.c.wallet == wallet)
                               .where(api_keys.c.revoked_at.is_(None))
                               .values(revoked_at=utcnow()))
            return res.rowcount == 1

    def touch_api_key(self, key_id: str) -> None:
        with self._tx() as conn:
            conn.execute(update(api_keys).where(api_keys.c.key_id == key_id)
                         .values(last_used_at=utcnow()))

    # -- credits ------------------------------------------------------------
    def credit_account(self, wallet: str) -> CreditAccount | None:
        with self._tx(write=False) as conn:
            row = conn.execute(select(credit_accounts)
                               .where(credit_accounts.c.wallet == wallet)).first()
            return None if row is None else _row_to(CreditAccount, row)

    def credit_accounts(self) -> list[CreditAccount]:
        with self._tx(write=False) as conn:
            return [_row_to(CreditAccount, r) for r in conn.execute(select(credit_accounts))]

    def credit_entries(self, wallet: str) -> list[CreditEntry]:
        with self._tx(write=False) as conn:
            rows = conn.execute(select(credit_entries).where(credit_entries.c.wallet == wallet)
                                .order_by(credit_entries.c.id))
            return [_row_to(CreditEntry, r) for r in rows]

    def add_credits(self, wallet: str, credits: int, *, kind: str, reference: str | None,
                    topup: bool = False, reverses: str | None = None) -> CreditResult:
        """Add credits (a top-up, a refund, change). With a ``reference`` the
        same movement applies once, however often it is sent. ``reverses``
        names the spend (by its reference) whose unused part this returns: what
        that spend drew from a still-open escrow chunk goes back into the chunk
        (and so stays the wallet's on-chain money); the rest is off-chain."""
        if credits <= 0:
            raise StoreError(f"credits to add must be positive, got {credits}")
        return self._move(wallet, credits, kind=kind, reference=reference, topup=topup,
                          reverses=reverses)

    def spend_credits(self, wallet: str, credits: int, *, kind: str,
                      reference: str | None) -> CreditResult:
        """Take credits: first from the wallet's open escrow chunks, then from
        its off-chain credits. Raises NeedsLock when only a new on-chain lock
        could cover it, InsufficientCredits when nothing could; either way
        nothing changes."""
        if credits <= 0:
            raise StoreError(f"credits to spend must be positive, got {credits}")
        return self._move(wallet, -credits, kind=kind, reference=reference, topup=False)

    def _move(self, wallet: str, delta: int, *, kind: str, reference: str | None,
              topup: bool, reverses: str | None = None) -> CreditResult:
        for attempt in range(5):
            try:
                return self._move_once(wallet, delta, kind, reference, topup, reverses)
            except IntegrityError:
                # A concurrent movement with the same reference won the race;
                # the next pass finds it and answers as a duplicate.
                if attempt or reference is None:
                    raise
            except _ChunkMoved:
                continue  # a chunk was frozen for settlement meanwhile: re-plan
        raise StoreError(f"could not move credits of {wallet}: chunks kept changing")

    def _move_once(self, wallet: str, delta: int, kind: str, reference: str | None,
                   topup: bool, reverses: str | None) -> CreditResult:
        now = utcnow()
        with self._tx() as conn:
            dup = self._duplicate(conn, wallet, delta, reference)
            if dup is not None:
                return dup
            acct = self._account_for_update(conn, wallet, now)
            chunks = self._live_chunks(conn, wallet)
            onchain_delta = 0
            draws: list[tuple[EscrowChunk, int]] = []
            if delta < 0:
                need = left = -delta
                for c in chunks:  # oldest first: it expires first
                    if left and c.usable(now):
                        take = min(left, c.remaining)
                        draws.append((c, take))
                        left -= take
                from_chunks = need - left
                short = need - from_chunks - acct.offchain
                if short > 0:
                    unlocked = acct.onchain - sum(c.remaining for c in chunks)
                    # a lock in flight may be what covers it: the caller waits for it
                    landing = sum(c.remaining for c in chunks if c.status == "locking")
                    if short <= unlocked + landing:
                        raise NeedsLock(wallet, acct.balance, need, short, unlocked)
                    raise InsufficientCredits(wallet, acct.balance, need)
                for c, take in draws:
                    res = conn.execute(update(escrow_chunks).where(escrow_chunks.c.id == c.id)
                                       .where(escrow_chunks.c.status == "open")
                                       .values(used=escrow_chunks.c.used + take, updated_at=now))
                    if res.rowcount != 1:
                        raise _ChunkMoved
                onchain_delta = -from_chunks
            elif reverses is not None:
                onchain_delta = self._return_to_chunks(conn, wallet, reverses, delta, now)
            entry = self._write(conn, wallet, delta, onchain_delta, kind, reference, topup, now)
            for c, take in draws:
                conn.execute(escrow_allocations.insert().values(
                    entry_id=entry.id, chunk_id=c.id, credits=take, returned=0))
            return self._result(conn, wallet, entry, now)

    def _duplicate(self, conn: Connection, wallet: str, delta: int,
                   reference: str | None) -> CreditResult | None:
        if reference is None:
            return None
        row = conn.execute(select(credit_entries)
                           .where(credit_entries.c.reference == reference)).first()
        if row is None:
            return None
        entry = _row_to(CreditEntry, row)
        if entry.wallet != wallet or entry.delta != delta:
            raise StoreError(f"reference {reference!r} was already used for "
                             f"{entry.delta} credits of {entry.wallet}")
        return CreditResult(entry, duplicate=True)

    def _account_for_update(self, conn: Connection, wallet: str, now: datetime) -> CreditAccount:
        """The wallet's account row, created if new, locked for this transaction
        (PostgreSQL: row lock; SQLite: the writer already holds the database)."""
        conn.execute(self._insert(credit_accounts).values(
            wallet=wallet, balance=0, onchain=0, last_topup_at=None, updated_at=now,
        ).on_conflict_do_nothing(index_elements=["wallet"]))
        row = conn.execute(select(credit_accounts).where(credit_accounts.c.wallet == wallet)
                           .with_for_update()).one()
        return _row_to(CreditAccount, row)

    @staticmethod
    def _live_chunks(conn: Connection, wallet: str) -> list[EscrowChunk]:
        rows = conn.execute(select(escrow_chunks).where(escrow_chunks.c.wallet == wallet)
                            .where(escrow_chunks.c.status.in_(LIVE_CHUNKS))
                            .order_by(escrow_chunks.c.id))
        return [_row_to(EscrowChunk, r) for r in rows]

    def _return_to_chunks(self, conn: Connection, wallet: str, reverses: str, credits: int,
                          now: datetime) -> int:
        """Give back up to ``credits`` of what the spend ``reverses`` drew from
        chunks that are still open; returns how many went back on-chain."""
        spent = conn.execute(select(credit_entries.c.id)
                             .where(credit_entries.c.reference == reverses)
                             .where(credit_entries.c.wallet == wallet)).scalar()
        if spent is None:
            return 0
        back_total = 0
        allocs = conn.execute(select(escrow_allocations, escrow_chunks.c.status)
                              .join(escrow_chunks,
                                    escrow_chunks.c.id == escrow_allocations.c.chunk_id)
                              .where(escrow_allocations.c.entry_id == spent)
                              .order_by(escrow_allocations.c.id)).all()
        for a in allocs:
            back = min(credits - back_total, a.credits - a.returned)
            if back <= 0 or a.status != "open":
                continue
            res = conn.execute(update(escrow_chunks).where(escrow_chunks.c.id == a.chunk_id)
                               .where(escrow_chunks.c.status == "open")
                               .where(escrow_chunks.c.used >= back)
                               .values(used=escrow_chunks.c.used - back, updated_at=now))
            if res.rowcount != 1:
                continue
            conn.execute(update(escrow_allocations).where(escrow_allocations.c.id == a.id)
                         .values(returned=escrow_allocations.c.returned + back))
            back_total += back
        return back_total

    def _write(self, conn: Connection, wallet: str, delta: int, onchain_delta: int, kind: str,
               reference: str | None, topup: bool, now: datetime) -> CreditEntry:
        """Apply a movement to a locked account row and log it."""
        values: dict[str, Any] = {"balance": credit_accounts.c.balance + delta,
                                  "onchain": credit_accounts.c.onchain + onchain_delta,
                                  "updated_at": now}
        if topup:
            values["last_topup_at"] = now
        balance = conn.execute(update(credit_accounts).where(credit_accounts.c.wallet == wallet)
                               .values(**values).returning(credit_accounts.c.balance)).scalar_one()
        entry_id = conn.execute(credit_entries.insert().values(
            wallet=wallet, delta=delta, balance_after=balance, kind=kind,
            reference=reference, created_at=now,
        ).returning(credit_entries.c.id)).scalar_one()
        return CreditEntry(entry_id, wallet, delta, balance, kind, reference, now)

    def _result(self, conn: Connection, wallet: str, entry: CreditEntry,
                now: datetime) -> CreditResult:
        acct = _row_to(CreditAccount, conn.execute(
            select(credit_accounts).where(credit_accounts.c.wallet == wallet)).one())
        chunks = self._live_chunks(conn, wallet)
        ready = acct.offchain + sum(c.remaining for c in chunks if c.usable(now))
        unlocked = acct.onchain - sum(c.remaining for c in chunks)
        return CreditResult(entry, duplicate=False, ready=ready, unlocked=unlocked)

    def spendable(self, wallet: str) -> CreditResult | None:
        """(ready, unlocked) of a wallet as a result with no entry: None when
        it has no account."""
        now = utcnow()
        with self._tx(write=False) as conn:
            row = conn.execute(select(credit_accounts)
                               .where(credit_accounts.c.wallet == wallet)).first()
            if row is None:
                return None
            acct = _row_to(CreditAccount, row)
            chunks = self._live_chunks(conn, wallet)
            ready = acct.offchain + sum(c.remaining for c in chunks if c.usable(now))
            unlocked = acct.onchain - sum(c.remaining for c in chunks)
            entry = CreditEntry(0, wallet, 0, acct.balance, "view", None, now)
            return CreditResult(entry, duplicate=False, ready=ready, unlocked=unlocked)

    # -- job_escrow backing ---------------------------------------------------------------
    def begin_chunk(self, wallet: str, job_id: int, worker: str, credits: int) -> EscrowChunk:
        """Record a chunk about to be locked on-chain (before the lock is sent,
        so a crash leaves a row to check against the chain)."""
        if credits <= 0:
            raise StoreError(f"a chunk locks a positive number of credits, got {credits}")
        now = utcnow()
        with self._tx() as conn:
            cid = conn.execute(escrow_chunks.insert().values(
                wallet=wallet, job_id=job_id, worker=worker, credits=credits, used=0,
                status="locking", expires_at=None, usable_until=None, lock_tx=None,
                close_tx=None, created_at=now, updated_at=now,
            ).returning(escrow_chunks.c.id)).scalar_one()
            return self._chunk(conn, cid)

    def open_chunk(self, chunk_id: int, *, expires_at: int, usable_until: datetime,
                   lock_tx: str | None) -> EscrowChunk:
        """The lock landed: requests may draw on the chunk until ``usable_until``."""
        with self._tx() as conn:
            conn.execute(update(escrow_chunks).where(escrow_chunks.c.id == chunk_id)
                         .where(escrow_chunks.c.status == "locking")
                         .values(status="open", expires_at=expires_at, usable_until=usable_until,
                                 lock_tx=lock_tx, updated_at=utcnow()))
            return self._chunk(conn, chunk_id)

    def freeze_chunks(self, chunk_ids: list[int]) -> list[EscrowChunk]:
        """Stop drawing on open chunks so their ``used`` can be settled; returns
        the chunks now ``settling`` (already settling ones included)."""
        now = utcnow()
        with self._tx() as conn:
            conn.execute(update(escrow_chunks).where(escrow_chunks.c.id.in_(chunk_ids))
                         .where(escrow_chunks.c.status == "open")
                         .values(status="settling", updated_at=now))
            rows = conn.execute(select(escrow_chunks).where(escrow_chunks.c.id.in_(chunk_ids))
                                .where(escrow_chunks.c.status == "settling")
                                .order_by(escrow_chunks.c.id))
            return [_row_to(EscrowChunk, r) for r in rows]

    def close_chunk(self, chunk_id: int, status: Literal["settled", "refunded", "failed"], *,
                    close_tx: str | None = None) -> EscrowChunk:
        """A chunk's lock ended as ``status`` (failed: its lock never landed).
        Closing is final; a chunk that drew credits is never just dropped."""
        now = utcnow()
        with self._tx() as conn:
            stmt = (update(escrow_chunks).where(escrow_chunks.c.id == chunk_id)
                    .where(escrow_chunks.c.status.in_(LIVE_CHUNKS)))
            if status == "failed":
                stmt = stmt.where(escrow_chunks.c.status == "locking")
            elif status == "refunded":
                stmt = stmt.where(escrow_chunks.c.used == 0)
            conn.execute(stmt.values(status=status, close_tx=close_tx, updated_at=now))
            return self._chunk(conn, chunk_id)

    def chunks(self, *, status: tuple[str, ...] = LIVE_CHUNKS,
               wallet: str | None = None) -> list[EscrowChunk]:
        q = (select(escrow_chunks).where(escrow_chunks.c.status.in_(status))
             .order_by(escrow_chunks.c.id))
        if wallet is not None:
            q = q.where(escrow_chunks.c.wallet == wallet)
        with self._tx(write=False) as conn:
            return [_row_to(EscrowChunk, r) for r in conn.execute(q)]

    @staticmethod
    def _chunk(conn: Connection, chunk_id: int) -> EscrowChunk:
        return _row_to(EscrowChunk, conn.execute(
            select(escrow_chunks).where(escrow_chunks.c.id == chunk_id)).one())

    def remember_escrow_wallet(self, credit: str, wallet: str) -> None:
        with self._tx() as conn:
            conn.execute(self._insert(escrow_wallets).values(credit=credit, wallet=wallet)
                         .on_conflict_do_nothing(index_elements=["credit"]))

    def escrow_wallet(self, credit: str) -> str | None:
        with self._tx(write=False) as conn:
            return conn.execute(select(escrow_wallets.c.wallet)
                                .where(escrow_wallets.c.credit == credit)).scalar()

    def apply_escrow_event(self, kind: EscrowEventKind, wallet: str, credits: int, *,
                           reference: str, job_id: int | None = None,
                           transaction: str | None = None) -> bool:
        """Apply one job_escrow event to the ledger, once per ``reference``
        (signature and event index). Returns whether it changed anything.

        - deposit / withdraw: the balance and its on-chain part move by ``credits``;
        - settled (``credits`` used): a job of ours closes; anyone else's job
          (the gateway's own locks) spent credits the ledger still counted;
        - refunded: a job of ours closed without settlement — what requests
          drew from it was never paid, and is the wallet's again on-chain.
        """
        now = utcnow()
        with self._tx() as conn:
            if conn.execute(select(credit_entries.c.id)
                            .where(credit_entries.c.reference == reference)).first():
                return False
            acct = self._account_for_update(conn, wallet, now)
            chunk = None
            if job_id is not None:
                row = conn.execute(select(escrow_chunks).where(escrow_chunks.c.wallet == wallet)
                                   .where(escrow_chunks.c.job_id == job_id)).first()
                chunk = None if row is None else _row_to(EscrowChunk, row)
            if kind == "deposit":
                self._write(conn, wallet, credits, credits, "escrow_deposit", reference, True, now)
                return True
            if kind == "withdraw" or (kind == "settled" and chunk is None):
                # Happened on-chain already: take it from the on-chain part, and
                # from the off-chain part only if the view had fallen behind.
                take = min(credits, acct.balance)
                if take:
                    self._write(conn, wallet, -take, -min(take, acct.onchain),
                                "escrow_withdraw" if kind == "withdraw" else "escrow_job_settled",
                                reference, False, now)
                return take > 0
            if chunk is None or chunk.status in ("settled", "refunded"):
                return False
            if kind == "settled":
                conn.execute(update(escrow_chunks).where(escrow_chunks.c.id == chunk.id)
                             .values(status="settled", close_tx=transaction, updated_at=now))
                back = chunk.used - credits  # nonzero only if the settled amount was not ours
                if back > 0:
                    self._write(conn, wallet, back, back, "escrow_settle_diff", reference,
                                False, now)
                elif back < 0:
                    take = min(-back, acct.balance)
                    self._write(conn, wallet, -take, -min(take, acct.onchain),
                                "escrow_settle_diff", reference, False, now)
                return True
            conn.execute(update(escrow_chunks).where(escrow_chunks.c.id == chunk.id)
                         .values(status="refunded", close_tx=transaction, updated_at=now))
            if chunk.used:
                self._write(conn, wallet, chunk.used, chunk.used, "escrow_unpaid_refund",
                            reference, False, now)
            return True

    def cursor(self, name: str) -> str | None:
        with self._tx(write=False) as conn:
            return conn.execute(select(chain_cursors.c.position)
                                .where(chain_cursors.c.name == name)).scalar()

    def set_cursor(self, name: str, position: str) -> None:
        now = utcnow()
        with self._tx() as conn:
            ins = self._insert(chain_cursors).values(name=name, position=position, updated_at=now)
            conn.execute(ins.on_conflict_do_update(index_elements=["name"],
                                                   set_={"position": position,
                                                         "updated_at": now}))

    # -- webhooks -------------------------------------------------------------------
    def add_webhook(self, event_id: str, event: str, url: str,
                    payload: dict[str, Any]) -> None:
        now = utcnow()
        with self._tx() as conn:
            conn.execute(webhook_deliveries.insert().values(
                event_id=event_id, event=event, url=url, payload=_jsonable(payload),
                status="pending", attempts=0, last_status_code=None, last_error=None,
                next_attempt_at=now, created_at=now, delivered_at=None))

    def claim_due_webhooks(self, lease: timedelta, limit: int = 20) -> list[WebhookDelivery]:
        """Pending deliveries whose time has come, each held for ``lease`` so
        that one replica sends it."""
        now = utcnow()
        out: list[WebhookDelivery] = []
        with self._tx() as conn:
            ids = conn.execute(select(webhook_deliveries.c.id)
                               .where(webhook_deliveries.c.status == "pending")
                               .where(webhook_deliveries.c.next_attempt_at <= now)
                               .order_by(webhook_deliveries.c.id).limit(limit)).scalars().all()
            for wid in ids:
                res = conn.execute(update(webhook_deliveries)
                                   .where(webhook_deliveries.c.id == wid)
                                   .where(webhook_deliveries.c.next_attempt_at <= now)
                                   .values(next_attempt_at=now + lease))
                if res.rowcount == 1:
                    out.append(_row_to(WebhookDelivery, conn.execute(
                        select(webhook_deliveries).where(webhook_deliveries.c.id == wid)).one()))
        return out

    def webhook_attempted(self, wid: int, *, delivered: bool, status_code: int | None,
                          error: str | None, retry_at: datetime | None) -> None:
        """Log one attempt: delivered, retried at ``retry_at``, or given up (None)."""
        now = utcnow()
        status = "delivered" if delivered else ("pending" if retry_at else "failed")
        with self._tx() as conn:
            conn.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == wid).values(
                status=status, attempts=webhook_deliveries.c.attempts + 1,
                last_status_code=status_code, last_error=error,
                next_attempt_at=retry_at or now, delivered_at=now if delivered else None))

    def webhooks(self, event: str | None = None) -> list[WebhookDelivery]:
        q = select(webhook_deliveries).order_by(webhook_deliveries.c.id)
        if event is not None:
            q = q.where(webhook_deliveries.c.event == event)
        with self._tx(write=False) as conn:
            return [_row_to(WebhookDelivery, r) for r in conn.execute(q)]


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    """Settlement data goes to a JSON column: fail here, not in the driver."""
    return json.loads(json.dumps(value))
