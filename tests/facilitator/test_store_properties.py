"""Hypothesis stateful test of the credit ledger against a Python model, on
both backends: balances match, history adds up, a reference applies once,
nothing goes negative."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import delete

from facilitator.store import InsufficientCredits, Store, StoreError
from facilitator.store.schema import credit_accounts, credit_entries

WALLETS = st.sampled_from(["0xa", "0xb", "So1ana"])
REFS = st.one_of(st.none(), st.sampled_from([f"ref-{i}" for i in range(8)]))


@pytest.mark.properties
def test_credit_ledger_matches_model(store_url: str) -> None:
    store = Store.open(store_url)

    class Ledger(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            with store.engine.begin() as conn:
                conn.execute(delete(credit_entries))
                conn.execute(delete(credit_accounts))
            self.balances: dict[str, int] = {}
            self.refs: dict[str, tuple[str, int]] = {}

        def _apply(self, wallet: str, delta: int, ref: str | None) -> None:
            if ref is not None and ref in self.refs:
                if self.refs[ref] != (wallet, delta):
                    with pytest.raises(StoreError, match="already used"):
                        self._call(wallet, delta, ref)
                else:
                    assert self._call(wallet, delta, ref).duplicate
                return
            have = self.balances.get(wallet, 0)
            if have + delta < 0:
                with pytest.raises(InsufficientCredits):
                    self._call(wallet, delta, ref)
                return
            res = self._call(wallet, delta, ref)
            assert not res.duplicate and res.entry.balance_after == have + delta
            self.balances[wallet] = have + delta
            if ref is not None:
                self.refs[ref] = (wallet, delta)

        def _call(self, wallet: str, delta: int, ref: str | None):  # type: ignore[no-untyped-def]
            if delta > 0:
                return store.add_credits(wallet, delta, kind="topup", reference=ref)
            return store.spend_credits(wallet, -delta, kind="spend", reference=ref)

        @rule(wallet=WALLETS, n=st.integers(1, 10**12), ref=REFS)
        def add(self, wallet: str, n: int, ref: str | None) -> None:
            self._apply(wallet, n, ref)

        @rule(wallet=WALLETS, n=st.integers(1, 500), ref=REFS)
        def spend(self, wallet: str, n: int, ref: str | None) -> None:
            self._apply(wallet, -n, ref)

        @invariant()
        def balances_and_history_agree(self) -> None:
            for wallet, balance in self.balances.items():
                acct = store.credit_account(wallet)
                assert acct is not None and acct.balance == balance
                entries = store.credit_entries(wallet)
                assert sum(e.delta for e in entries) == balance
                running = 0
                for e in entries:
                    running += e.delta
                    assert e.balance_after == running >= 0

    Ledger.TestCase.settings = settings(
        max_examples=25 if "postgresql" in store_url else 60, stateful_step_count=25,
        deadline=None, suppress_health_check=list(HealthCheck))
    try:
        Ledger.TestCase().runTest()
    finally:
        store.close()
