"""The store's side of job_escrow credits, on both backends: spends draw on
open chunks before off-chain credits and never on unlocked on-chain credits;
returns go back where they came from; chain events apply once each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from facilitator.store import InsufficientCredits, NeedsLock, Store, StoreError, utcnow


def deposit(store: Store, wallet: str, credits: int, ref: str) -> None:
    assert store.apply_escrow_event("deposit", wallet, credits, reference=ref)


def open_chunk(store: Store, wallet: str, credits: int, job_id: int,
               usable_for: float = 60.0) -> int:
    chunk = store.begin_chunk(wallet, job_id, "worker", credits)
    store.open_chunk(chunk.id, expires_at=10**9, lock_tx=f"lock{job_id}",
                     usable_until=utcnow() + timedelta(seconds=usable_for))
    return chunk.id


def test_unlocked_onchain_credits_need_a_lock(store: Store) -> None:
    deposit(store, "w", 300, "d1")
    with pytest.raises(NeedsLock) as exc:
        store.spend_credits("w", 40, kind="inference", reference="r1")
    assert (exc.value.short, exc.value.unlocked) == (40, 300)
    assert store.credit_account("w").balance == 300  # type: ignore[union-attr]
    with pytest.raises(InsufficientCredits) as short:
        store.spend_credits("w", 301, kind="inference", reference="r1")
    assert not isinstance(short.value, NeedsLock)


def test_spends_draw_on_chunks_then_offchain(store: Store) -> None:
    deposit(store, "w", 300, "d1")
    store.add_credits("w", 50, kind="topup", reference="t1", topup=True)
    cid = open_chunk(store, "w", 100, 1)
    res = store.spend_credits("w", 130, kind="inference", reference="r1")
    assert (res.ready, res.unlocked) == (20, 200)
    [chunk] = store.chunks(wallet="w")
    assert (chunk.id, chunk.used) == (cid, 100)
    acct = store.credit_account("w")
    assert acct is not None and (acct.balance, acct.onchain, acct.offchain) == (220, 200, 20)
    # what is left without a new lock: 20 off-chain; more needs one
    with pytest.raises(NeedsLock):
        store.spend_credits("w", 21, kind="inference", reference="r2")


def test_a_chunk_past_its_usable_time_is_not_drawn_on(store: Store) -> None:
    deposit(store, "w", 100, "d1")
    open_chunk(store, "w", 100, 1, usable_for=-1)
    with pytest.raises(InsufficientCredits):
        store.spend_credits("w", 1, kind="inference", reference=None)


def test_a_frozen_chunk_is_not_drawn_on_and_settles_its_use(store: Store) -> None:
    deposit(store, "w", 100, "d1")
    cid = open_chunk(store, "w", 100, 1)
    store.spend_credits("w", 30, kind="inference", reference=None)
    [frozen] = store.freeze_chunks([cid])
    assert (frozen.status, frozen.used) == ("settling", 30)
    with pytest.raises(InsufficientCredits):
        store.spend_credits("w", 1, kind="inference", reference=None)
    store.close_chunk(cid, "settled", close_tx="s1")
    # the indexer later sees the settlement: ours, so nothing moves again
    assert not store.apply_escrow_event("settled", "w", 30, reference="e1", job_id=1)
    assert store.credit_account("w").balance == 70  # type: ignore[union-attr]


def test_a_used_chunk_cannot_be_closed_as_refunded(store: Store) -> None:
    deposit(store, "w", 100, "d1")
    cid = open_chunk(store, "w", 100, 1)
    store.spend_credits("w", 5, kind="inference", reference=None)
    assert store.close_chunk(cid, "refunded").status == "open"


def test_returns_go_back_into_the_chunk_they_came_from(store: Store) -> None:
    deposit(store, "w", 200, "d1")
    store.add_credits("w", 10, kind="topup", reference="t1")
    open_chunk(store, "w", 100, 1)
    store.spend_credits("w", 80, kind="grid_lock", reference="job:lock")
    store.add_credits("w", 50, kind="grid_release", reference="job:release",
                      reverses="job:lock")
    [chunk] = store.chunks(wallet="w")
    assert chunk.used == 30
    acct = store.credit_account("w")
    assert acct is not None and (acct.balance, acct.onchain) == (180, 170)
    # a return beyond what the spend drew from chunks is off-chain
    store.spend_credits("w", 80, kind="grid_lock", reference="job2:lock")  # 70 chunk + 10 off
    store.add_credits("w", 80, kind="grid_refund", reference="job2:refund", reverses="job2:lock")
    acct = store.credit_account("w")
    assert acct is not None and (acct.balance, acct.onchain) == (180, 170)
    assert store.chunks(wallet="w")[0].used == 30


def test_chain_events_apply_once(store: Store) -> None:
    deposit(store, "w", 500, "sig1:0")
    assert not store.apply_escrow_event("deposit", "w", 500, reference="sig1:0")
    assert store.apply_escrow_event("withdraw", "w", 120, reference="sig2:0")
    assert not store.apply_escrow_event("withdraw", "w", 120, reference="sig2:0")
    # a job locked by someone else (one lock per request) and settled: spent
    assert store.apply_escrow_event("settled", "w", 30, reference="sig3:0", job_id=77)
    acct = store.credit_account("w")
    assert acct is not None and (acct.balance, acct.onchain) == (350, 350)
    assert acct.last_topup_at is not None
    kinds = [e.kind for e in store.credit_entries("w")]
    assert kinds == ["escrow_deposit", "escrow_withdraw", "escrow_job_settled"]


def test_a_chunk_refunded_by_someone_else_gives_unpaid_use_back(store: Store) -> None:
    deposit(store, "w", 300, "d1")
    open_chunk(store, "w", 100, 5)
    store.spend_credits("w", 60, kind="inference", reference=None)
    assert store.credit_account("w").balance == 240  # type: ignore[union-attr]
    # the lock expired and the wallet refunded it before we settled: the 60
    # served were never paid, and are the wallet's again on-chain
    assert store.apply_escrow_event("refunded", "w", 100, reference="r:0", job_id=5,
                                    transaction="r")
    assert not store.apply_escrow_event("refunded", "w", 100, reference="r:0", job_id=5)
    acct = store.credit_account("w")
    assert acct is not None and (acct.balance, acct.onchain) == (300, 300)
    [chunk] = store.chunks(wallet="w", status=("refunded",))
    assert chunk.close_tx == "r"


def test_chunks_lock_positive_amounts(store: Store) -> None:
    with pytest.raises(StoreError, match="positive"):
        store.begin_chunk("w", 1, "worker", 0)


def test_cursor_round_trips(store: Store) -> None:
    assert store.cursor("c") is None
    store.set_cursor("c", "a")
    store.set_cursor("c", "b")
    assert store.cursor("c") == "b"
