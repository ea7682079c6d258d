"""The store on both backends: migrations, the payment log's claim rules,
credits and API-key records. Every test runs on SQLite and on a real
PostgreSQL server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from facilitator.store import InsufficientCredits, LeaseLost, NewPayment, Store, StoreError, utcnow
from facilitator.store.schema import metadata

LEASE = timedelta(seconds=60)


def payment(key: str = "k1", amount: int = 1_000_000, **kw: object) -> NewPayment:
    fields = dict(payment_key=key, x402_version=2, network="eip155:8453", scheme="exact",
                  payer="0x" + "a" * 40, pay_to="0x" + "b" * 40, asset="0x" + "c" * 40,
                  amount=amount, resource="http://127.0.0.1/paid")
    fields.update(kw)
    return NewPayment(**fields)  # type: ignore[arg-type]


# --- migrations ---------------------------------------------------------------
def test_migrated_schema_is_exactly_the_declared_one(store: Store) -> None:
    assert store.schema_revision() == store.head_revision() == "0003"
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                 metadata)
    assert diffs == []


def test_migrate_is_idempotent_and_reversible(store: Store) -> None:
    store.add_credits("w", 5, kind="topup", reference=None)
    store.migrate()  # again: no-op, data kept
    assert store.credit_account("w").balance == 5  # type: ignore[union-attr]
    store.downgrade("base")
    assert store.schema_revision() is None
    store.migrate()
    assert store.credit_account("w") is None


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    s = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.close()


def test_unknown_database_url_is_named() -> None:
    with pytest.raises(StoreError, match="mysql"):
        Store.open("mysql://x@127.0.0.1/db")


# --- payment log -----------------------------------------------------------------
def test_amounts_beyond_64_bits_round_trip_exactly(store: Store) -> None:
    big = 123_456_789 * 10**18 + 1  # USD1 has 18 decimals
    store.claim_payment(payment(amount=big), "w1", LEASE)
    assert store.get_payment("k1").amount == big  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_amount_must_be_non_negative_int(store: Store, bad: object) -> None:
    with pytest.raises(Exception, match="non-negative int"):
        store.claim_payment(payment(amount=bad), "w1", LEASE)  # type: ignore[arg-type]
    assert store.get_payment("k1") is None


def test_first_claim_wins_and_others_see_it(store: Store) -> None:
    first = store.claim_payment(payment(), "w1", LEASE)
    second = store.claim_payment(payment(), "w2", LEASE)
    assert first.won and not second.won
    assert second.record.status == "pending" and second.record.lease_owner == "w1"


def test_concurrent_claims_have_exactly_one_winner(store: Store) -> None:
    barrier = threading.Barrier(16)

    def claim(i: int) -> bool:
        barrier.wait()
        return store.claim_payment(payment(), f"w{i}", LEASE).won

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(claim, range(16)))
    assert results.count(True) == 1
    assert len(store.payments()) == 1


def test_broadcast_payment_is_never_reclaimed(store: Store) -> None:
    store.claim_payment(payment(), "w1", timedelta(seconds=-1))
    store.record_settlement("k1", "w1", {"raw": "0x01"}, "0xtx")
    # the lease is long gone, but a transaction may land: nobody may send another
    again = store.claim_payment(payment(), "w2", LEASE)
    assert not again.won
    assert again.record.transaction == "0xtx" and again.record.settlement == {"raw": "0x01"}


def test_expired_claim_without_broadcast_is_taken_over(store: Store) -> None:
    store.claim_payment(payment(), "dead", timedelta(seconds=-1))
    takeover = store.claim_payment(payment(), "alive", LEASE)
    assert takeover.won and takeover.record.lease_owner == "alive"
    # the dead worker wakes up: it may no longer broadcast
    with pytest.raises(LeaseLost):
        store.record_settlement("k1", "dead", {}, "0xtx")


def test_a_send_in_progress_is_never_reclaimed_only_taken_over(store: Store) -> None:
    store.claim_payment(payment(), "w1", LEASE)
    store.record_settlement("k1", "w1", {"relayer": "0xr"})  # sending, id not yet known
    assert store.stale_payments() == []  # w1 still holds it
    assert store.take_over("k1", "reconciler", LEASE) is None
    store.release_lease("k1", "w1")  # w1 gave up (e.g. the RPC went away mid-send)
    assert not store.claim_payment(payment(), "w2", LEASE).won
    assert [p.payment_key for p in store.stale_payments()] == ["k1"]
    taken = store.take_over("k1", "reconciler", LEASE)
    assert taken is not None and taken.lease_owner == "reconciler"
    assert taken.settlement == {"relayer": "0xr"}
    assert store.take_over("k1", "other", LEASE) is None
    assert store.stale_payments() == []


def test_failed_before_broadcast_can_be_retried_but_settled_cannot(store: Store) -> None:
    store.claim_payment(payment(), "w1", LEASE)
    store.finish_payment("k1", "failed", error_reason="insufficient_funds", owner="w1")
    retry = store.claim_payment(payment(), "w2", LEASE)
    assert retry.won and retry.record.error_reason is None
    store.record_settlement("k1", "w2", {}, "0xtx")
    done = store.finish_payment("k1", "settled")
    assert done.status == "settled" and done.transaction == "0xtx"
    assert not store.claim_payment(payment(), "w3", LEASE).won
    # a terminal row never changes again
    assert store.finish_payment("k1", "failed", error_reason="x").status == "settled"


def test_finish_needs_a_terminal_status(store: Store) -> None:
    store.claim_payment(payment(), "w1", LEASE)
    with pytest.raises(StoreError, match="settled or failed"):
        store.finish_payment("k1", "pending")  # type: ignore[arg-type]


def test_payments_are_listed_by_status_and_payer(store: Store) -> None:
    store.claim_payment(payment("a"), "w", LEASE)
    store.claim_payment(payment("b", payer="0x" + "d" * 40), "w", LEASE)
    store.finish_payment("b", "failed", error_reason="r", owner="w")
    assert [p.payment_key for p in store.payments(status="pending")] == ["a"]
    assert [p.payment_key for p in store.payments(payer="0x" + "d" * 40)] == ["b"]
    assert store.count_payments() == {"pending": 1, "failed": 1}


# --- credits -----------------------------------------------------------------
def test_credits_move_and_history_is_consistent(store: Store) -> None:
    store.add_credits("w", 500, kind="topup", reference="pay-1", topup=True)
    store.spend_credits("w", 120, kind="inference", reference="job-1")
    store.add_credits("w", 20, kind="refund", reference="job-1-refund")
    acct = store.credit_account("w")
    assert acct is not None and acct.balance == 400 and acct.last_topup_at is not None
    entries = store.credit_entries("w")
    assert [e.delta for e in entries] == [500, -120, 20]
    assert [e.balance_after for e in entries] == [500, 380, 400]


def test_a_reference_applies_once(store: Store) -> None:
    first = store.add_credits("w", 100, kind="topup", reference="pay-1")
    again = store.add_credits("w", 100, kind="topup", reference="pay-1")
    assert not first.duplicate and again.duplicate and again.entry.id == first.entry.id
    assert store.credit_account("w").balance == 100  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="already used"):
        store.add_credits("other", 100, kind="topup", reference="pay-1")


def test_overspend_is_refused_and_changes_nothing(store: Store) -> None:
    store.add_credits("w", 10, kind="topup", reference=None)
    with pytest.raises(InsufficientCredits) as err:
        store.spend_credits("w", 11, kind="inference", reference="j")
    assert (err.value.balance, err.value.wanted) == (10, 11)
    assert store.credit_account("w").balance == 10  # type: ignore[union-attr]
    assert len(store.credit_entries("w")) == 1


@pytest.mark.parametrize("n", [0, -5])
def test_credit_amounts_must_be_positive(store: Store, n: int) -> None:
    with pytest.raises(StoreError, match="positive"):
        store.add_credits("w", n, kind="topup", reference=None)
    with pytest.raises(StoreError, match="positive"):
        store.spend_credits("w", n, kind="x", reference=None)


def test_concurrent_spends_never_overdraw(store: Store) -> None:
    store.add_credits("w", 100, kind="topup", reference=None)
    barrier = threading.Barrier(12)

    def spend(i: int) -> bool:
        barrier.wait()
        try:
            store.spend_credits("w", 10, kind="inference", reference=f"j{i % 12}")
            return True
        except InsufficientCredits:
            return False

    with ThreadPoolExecutor(12) as pool:
        ok = list(pool.map(spend, range(12)))
    assert ok.count(True) == 10
    assert store.credit_account("w").balance == 0  # type: ignore[union-attr]


def test_concurrent_duplicate_topups_apply_once(store: Store) -> None:
    barrier = threading.Barrier(10)

    def topup(_: int) -> bool:
        barrier.wait()
        return store.add_credits("w", 100, kind="topup", reference="same").duplicate

    with ThreadPoolExecutor(10) as pool:
        dups = list(pool.map(topup, range(10)))
    assert dups.count(False) == 1
    assert store.credit_account("w").balance == 100  # type: ignore[union-attr]


# --- API keys & challenges ------------------------------------------------------
def test_challenge_is_used_once_and_not_after_expiry(store: Store) -> None:
    store.add_challenge("n1", "0xw", "grid", "msg", utcnow() + LEASE)
    store.add_challenge("n2", "0xw", "grid", "msg", utcnow() - timedelta(seconds=1))
    assert store.use_challenge("n1") is not None
    assert store.use_challenge("n1") is None
    assert store.use_challenge("n2") is None
    assert store.use_challenge("missing") is None


def test_api_keys_list_and_revoke(store: Store) -> None:
    store.add_api_key("id1", "h" * 64, "0xw", "grid", "laptop")
    store.add_api_key("id2", "g" * 64, "0xw", "compute", None)
    assert [k.key_id for k in store.api_keys_of("0xw")] == ["id1", "id2"]
    assert not store.revoke_api_key("id1", "0xsomeoneelse")
    assert store.revoke_api_key("id1", "0xw")
    assert not store.revoke_api_key("id1", "0xw")
    assert store.get_api_key("id1").revoked_at is not None  # type: ignore[union-attr]
    assert store.get_api_key("id2").revoked_at is None  # type: ignore[union-attr]
