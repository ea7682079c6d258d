"""The facilitator's persistent state behind one interface (``Store``):
SQLite (WAL) by default, PostgreSQL for replicas, migrated by alembic."""

from facilitator.store.store import (
    ApiKeyRecord,
    ChallengeRecord,
    Claim,
    CreditAccount,
    CreditEntry,
    CreditResult,
    EscrowChunk,
    InsufficientCredits,
    LeaseLost,
    NeedsLock,
    NewPayment,
    PaymentRecord,
    PaymentStatus,
    Store,
    StoreError,
    WebhookDelivery,
    utcnow,
)

__all__ = [
    "ApiKeyRecord", "ChallengeRecord", "Claim", "CreditAccount", "CreditEntry",
    "CreditResult", "EscrowChunk", "InsufficientCredits", "LeaseLost", "NeedsLock",
    "NewPayment", "PaymentRecord",
    "PaymentStatus", "Store", "StoreError", "WebhookDelivery", "utcnow",
]
