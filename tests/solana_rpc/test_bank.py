"""The bank's bookkeeping, in-process: what a commit records and what queries see after it.

The address history and the fee history are brought up to date when asked, and
the account index and account notices follow only what changed: these tests
interleave commits and queries so that a stale or misordered answer shows.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from solders.account import Account
from solders.compute_budget import set_compute_unit_price
from solders.keypair import Keypair
from solders.message import MessageHeader, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from spl.token.instructions import create_idempotent_associated_token_account, transfer_checked
from spl.token.models import TransferCheckedParams

from localnet.solana_chain import associated_token_address, create_mint, fund_token_account
from localnet.solana_rpc.chain import Chain, ChainConfig, SanitizeError
from localnet.solana_rpc.errors import RpcError
from localnet.solana_rpc.methods import RpcMethods
from localnet.solana_rpc.pubsub import Connection, PubSub
from localnet.solana_rpc.token import TOKEN_PROGRAM_ID

from .helpers import FakeClock, signed

SOL = 1_000_000_000
SLOT_MS = 400


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def methods(clock: FakeClock) -> RpcMethods:
    return RpcMethods(Chain(ChainConfig(slot_ms=SLOT_MS), monotonic=clock))


def funded(chain: Chain) -> Keypair:
    kp = Keypair()
    chain.set_account(kp.pubkey(), Account(10 * SOL, b"", Pubkey.default()))
    return kp


def pay(chain: Chain, sender: Keypair, to: Pubkey, lamports: int, price: int = 0) -> VersionedTransaction:
    ix = transfer(TransferParams(from_pubkey=sender.pubkey(), to_pubkey=to, lamports=lamports))
    budget = [set_compute_unit_price(price)] if price else []
    return signed([*budget, ix], chain.latest_blockhash()[0], sender)


def land(chain: Chain, tx: VersionedTransaction) -> Signature:
    assert chain.signatures_valid(tx)
    execution = chain.execute(chain.resolve(tx), preflight=True)
    assert execution.err is None, execution.err
    return tx.signatures[0]


def history(methods: RpcMethods, address: Pubkey) -> list[str]:
    return [h["signature"] for h in methods.call("getSignaturesForAddress", [str(address)])]


def fees(methods: RpcMethods, *accounts: Pubkey) -> list[tuple[int, int]]:
    answer = methods.call("getRecentPrioritizationFees", [[str(a) for a in accounts]])
    return [(f["slot"], f["prioritizationFee"]) for f in answer]


def test_history_and_fees_follow_commits_between_queries(methods: RpcMethods, clock: FakeClock) -> None:
    chain = methods.chain
    alice, bob = funded(chain), funded(chain)
    carol = Pubkey.new_unique()
    first = land(chain, pay(chain, alice, carol, SOL, price=300))
    slot = chain.slot
    assert history(methods, carol) == [str(first)]
    assert fees(methods, alice.pubkey()) == [(slot, 300)]

    # same slot, after the queries: the slot's entry grows, no second entry for it
    second = land(chain, pay(chain, bob, carol, SOL, price=200))
    third = land(chain, pay(chain, alice, bob.pubkey(), SOL))
    assert history(methods, carol) == [str(second), str(first)]
    assert history(methods, bob.pubkey()) == [str(third), str(second)]
    assert fees(methods) == [(slot, 0)]  # lowest price of any transaction in the slot
    assert fees(methods, carol) == [(slot, 200)]  # lowest among those writing carol
    assert fees(methods, alice.pubkey()) == [(slot, 0)]

    clock.now += 2 * SLOT_MS / 1000
    chain.tick()
    fourth = land(chain, pay(chain, bob, carol, SOL, price=1000))
    assert chain.slot > slot
    assert fees(methods, carol) == [(slot, 200), (chain.slot, 1000)]
    assert history(methods, carol) == [str(fourth), str(second), str(first)]
    limited = methods.call("getSignaturesForAddress", [str(carol), {"limit": 1, "before": str(second)}])
    assert [h["signature"] for h in limited] == [str(first)]


def test_account_notices_only_for_watched_accounts_that_changed(methods: RpcMethods) -> None:
    chain = methods.chain
    pubsub = PubSub(chain)
    conn = Connection()
    alice, bob = funded(chain), funded(chain)
    watched = Pubkey.new_unique()

    def request(method: str, params: list[Any]) -> Any:
        pubsub.handle(conn, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        return json.loads(conn.outbox.get_nowait())["result"]

    def notices() -> list[dict[str, Any]]:
        out = []
        while not conn.outbox.empty():
            out.append(json.loads(conn.outbox.get_nowait()))
        return out

    sub = request("accountSubscribe", [str(watched), {"encoding": "base64"}])
    land(chain, pay(chain, alice, bob.pubkey(), SOL))  # does not touch it
    assert notices() == []
    land(chain, pay(chain, alice, watched, 3 * SOL))
    land(chain, pay(chain, bob, watched, 0))  # listed, writable, unchanged
    (notice,) = notices()
    assert notice["method"] == "accountNotification"
    assert notice["params"]["subscription"] == sub
    assert notice["params"]["result"]["value"]["lamports"] == 3 * SOL

    assert request("accountUnsubscribe", [sub]) is True
    assert watched not in pubsub.watched_accounts
    land(chain, pay(chain, bob, watched, SOL))
    assert notices() == []
    assert watched in chain.index

    # a signature subscription dropped unanswered does not hide a later one
    dropped = request("signatureSubscribe", [str(Signature.new_unique())])
    assert request("signatureUnsubscribe", [dropped]) is True
    tx = pay(chain, alice, bob.pubkey(), 2 * SOL)
    waiting = request("signatureSubscribe", [str(tx.signatures[0])])
    land(chain, tx)
    (notice,) = notices()
    assert notice["method"] == "signatureNotification"
    assert notice["params"] == {"result": {"context": {"slot": chain.slot}, "value": {"err": None}}, "subscription": waiting}


def test_token_account_created_in_the_transaction_keeps_account_order(methods: RpcMethods) -> None:
    """postTokenBalances stay in account-index order when a token account appears mid-list."""
    chain = methods.chain
    mint = Pubkey.new_unique()
    create_mint(chain, mint, 6, supply=5_000_000)
    payer = funded(chain)
    source = fund_token_account(chain, payer.pubkey(), mint, 5_000_000)
    # a recipient whose new token account sorts before the source account among
    # the writable non-signers, so it is listed ahead of an existing one
    while True:
        owner = Pubkey.new_unique()
        created = associated_token_address(owner, mint)
        if bytes(created) < bytes(source):
            break
    tx = signed(
        [
            create_idempotent_associated_token_account(payer.pubkey(), owner, mint),
            transfer_checked(
                TransferCheckedParams(
                    program_id=TOKEN_PROGRAM_ID, source=source, mint=mint, dest=created,
                    owner=payer.pubkey(), amount=1_250_000, decimals=6,
                )
            ),
        ],
        chain.latest_blockhash()[0],
        payer,
    )
    signature = land(chain, tx)
    meta = methods.call("getTransaction", [str(signature), {"maxSupportedTransactionVersion": 0}])["meta"]
    keys = chain.transactions[signature].keys
    created_at, source_at = keys.index(created), keys.index(source)
    assert created_at < source_at

    def amounts(balances: list[dict[str, Any]]) -> list[tuple[int, str]]:
        return [(b["accountIndex"], b["uiTokenAmount"]["amount"]) for b in balances]

    assert amounts(meta["preTokenBalances"]) == [(source_at, "5000000")]
    assert amounts(meta["postTokenBalances"]) == [(created_at, "1250000"), (source_at, "3750000")]
    assert created in chain.index


def test_a_key_listed_twice_is_refused_before_anything_runs(methods: RpcMethods) -> None:
    chain = methods.chain
    payer = funded(chain)
    other = Pubkey.new_unique()
    good = pay(chain, payer, other, SOL).message
    # the same message with the recipient listed a second time as a read-only key
    keys = list(good.account_keys)
    header = good.header
    message = MessageV0(
        MessageHeader(
            header.num_required_signatures,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts + 1,
        ),
        [*keys, other],
        good.recent_blockhash,
        good.instructions,
        [],
    )
    tx = VersionedTransaction(message, [payer])
    with pytest.raises(SanitizeError) as refused:
        chain.resolve(tx)
    assert refused.value.err == "AccountLoadedTwice"
    with pytest.raises(RpcError, match="AccountLoadedTwice|Account loaded twice"):
        methods.call("sendTransaction", [base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"}])
    assert chain.svm.get_balance(payer.pubkey()) == 10 * SOL
    assert tx.signatures[0] not in chain.transactions
