"""The facilitator's tables, described once (SQLAlchemy Core). The alembic
migrations in ``migrations/`` create exactly this; a test compares the two.

Money columns hold integers of base units. USD1 has 18 decimals, so amounts
exceed 64 bits: they are ``NUMERIC(78, 0)`` on PostgreSQL and a decimal string
on SQLite (whose NUMERIC affinity would turn them into floats); Python sees
``int`` either way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.types import JSON, TypeEngine

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class BaseUnits(TypeDecorator[int]):
    """A non-negative integer of token base units, of any size, never a float."""

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0, asdecimal=True))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TypeError(f"base units must be a non-negative int, got {value!r}")
        if dialect.name == "postgresql":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp (SQLite keeps none; it is restored here)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(name: str, nullable: bool = False) -> Column[Any]:
    return Column(name, UtcDateTime(), nullable=nullable)


def _id() -> Column[Any]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _status_check(statuses: tuple[str, ...]) -> CheckConstraint:
    """The ``status`` column holds one of ``statuses`` (the tuple the code uses)."""
    allowed = ", ".join(f"'{s}'" for s in statuses)
    return CheckConstraint(f"status IN ({allowed})", name="status")


PAYMENT_STATUSES = ("pending", "settled", "failed")

#: One row per payment (the name the seeds' operators know).
payment_logs = Table(
    "x402_payment_logs",
    metadata,
    _id(),
    #: What makes two settle requests the same payment (see mechanisms: the
    #: on-chain replay key, e.g. chain + token + payer + EIP-3009 nonce).
    Column("payment_key", String(128), nullable=False),
    Column("x402_version", Integer, nullable=False),
    Column("network", String(64), nullable=False),
    Column("scheme", String(32), nullable=False),
    Column("payer", String(64), nullable=False),
    Column("pay_to", String(64), nullable=False),
    Column("asset", String(64), nullable=False),
    Column("amount", BaseUnits(), nullable=False),
    Column("resource", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("transaction", String(128), nullable=True),
    Column("error_reason", String(128), nullable=True),
    Column("error_message", Text, nullable=True),
    #: What the mechanism needs to finish the payment after a crash: the
    #: signed transaction exactly as broadcast, the relayer that signed it.
    Column("settlement", JSON(none_as_null=True), nullable=True),
    #: Which worker holds the payment while it settles, and until when.
    Column("lease_owner", String(64), nullable=True),
    _ts("lease_expires_at", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    UniqueConstraint("payment_key"),
    _status_check(PAYMENT_STATUSES),
    Index(None, "status"),
    Index(None, "payer"),
)

#: API keys: only a hash of the secret is stored; key_id is the public prefix.
api_keys = Table(
    "api_keys",
    metadata,
    _id(),
    Column("key_id", String(32), nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("wallet", String(64), nullable=False),
    Column("scope", String(32), nullable=False),
    Column("label", String(128), nullable=True),
    _ts("created_at"),
    _ts("revoked_at", nullable=True),
    _ts("last_used_at", nullable=True),
    UniqueConstraint("key_id"),
    Index(None, "wallet"),
)

#: One-use messages a wallet signs to prove control when creating a key.
auth_challenges = Table(
    "auth_challenges",
    metadata,
    Column("nonce", String(64), primary_key=True),
    Column("wallet", String(64), nullable=False),
    Column("scope", String(32), nullable=False),
    Column("message", Text, nullable=False),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
)

#: A wallet's current credit balance (integer credits).
credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("wallet", String(64), primary_key=True),
    Column("balance", BigInteger, nullable=False),
    _ts("last_topup_at", nullable=True),
    _ts("updated_at"),
    #: The part of ``balance`` that sits in the wallet's job_escrow credit
    #: account (deposits less withdrawals less what was drawn from chunks);
    #: the rest is held off-chain by the facilitator (x402 top-ups, change).
    Column("onchain", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("balance >= 0", name="balance_non_negative"),
    CheckConstraint("onchain >= 0 AND onchain <= balance", name="onchain_within_balance"),
)

#: Append-only history of every credit movement; balance_after makes any row
#: auditable on its own. ``reference`` (e.g. the payment key of a top-up) makes
#: a movement idempotent.
credit_entries = Table(
    "credit_entries",
    metadata,
    _id(),
    Column("wallet", String(64), nullable=False),
    Column("delta", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("reference", String(160), nullable=True),
    _ts("created_at"),
    UniqueConstraint("reference"),
    Index(None, "wallet"),
)

WEBHOOK_STATUSES = ("pending", "delivered", "failed")

#: Outgoing webhooks and the log of their delivery.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    _id(),
    Column("event_id", String(64), nullable=False),
    Column("event", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("payload", JSON(none_as_null=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    _ts("next_attempt_at"),
    _ts("created_at"),
    _ts("delivered_at", nullable=True),
    UniqueConstraint("event_id"),
    _status_check(WEBHOOK_STATUSES),
    Index(None, "status", "next_attempt_at"),
)


CHUNK_STATUSES = ("locking", "open", "settling", "settled", "refunded", "failed")

#: Credits locked ahead in job_escrow for one wallet: one job account per
#: chunk. Requests draw ``used`` from ``credits`` with no chain I/O; the
#: chunk is settled on-chain for ``used`` (batch settle), the rest returning
#: to the wallet's available credits.
escrow_chunks = Table(
    "escrow_chunks",
    metadata,
    _id(),
    Column("wallet", String(64), nullable=False),
    Column("job_id", BigInteger, nullable=False),
    Column("worker", String(64), nullable=False),
    Column("credits", BigInteger, nullable=False),
    Column("used", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    #: The chain's expiry of the lock (unix seconds; anyone may refund after it).
    Column("expires_at", BigInteger, nullable=True),
    #: Wall-clock end of spending from this chunk (expiry less a safety margin).
    _ts("usable_until", nullable=True),
    Column("lock_tx", String(128), nullable=True),
    Column("close_tx", String(128), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    UniqueConstraint("wallet", "job_id"),
    CheckConstraint("used >= 0 AND used <= credits", name="used_within_lock"),
    _status_check(CHUNK_STATUSES),
    Index(None, "status"),
    Index(None, "wallet"),
)

#: Which chunk a spend drew its credits from, so returning an unused part
#: (``add_credits(reverses=...)``) puts it back where it came from.
escrow_allocations = Table(
    "escrow_allocations",
    metadata,
    _id(),
    Column("entry_id", Integer, nullable=False),
    Column("chunk_id", Integer, nullable=False),
    Column("credits", BigInteger, nullable=False),
    Column("returned", BigInteger, nullable=False),
    Index(None, "entry_id"),
)

#: job_escrow credit account address -> wallet (events name the account).
escrow_wallets = Table(
    "escrow_wallets",
    metadata,
    Column("credit", String(64), primary_key=True),
    Column("wallet", String(64), nullable=False),
)

#: How far a chain indexer got (the newest transaction it applied).
chain_cursors = Table(
    "chain_cursors",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("position", String(128), nullable=False),
    _ts("updated_at"),
)
