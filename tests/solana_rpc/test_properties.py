"""Hypothesis: the chain's money and time rules, and the RPC surface under arbitrary input."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from localnet.solana_chain import boot
from localnet.solana_rpc.chain import MAX_PROCESSING_AGE, Chain, ChainConfig
from localnet.solana_rpc.encoding import b58decode, b58encode
from localnet.solana_rpc.errors import INTERNAL_ERROR, RpcError
from localnet.solana_rpc.methods import RpcMethods
from localnet.solana_rpc.token import ui_amount_string

from .helpers import FakeClock, sol_transfer

SOL = 1_000_000_000
FEE = 5000
SLOT_MS = 400


@dataclass
class Sent:
    tx: Any
    sender: Pubkey
    receiver: Pubkey
    lamports: int
    blockhash_slot: int


class ChainMachine(RuleBasedStateMachine):
    """Random transfers, overdrafts, replays and clock jumps against a model ledger."""

    sent = Bundle("sent")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.chain = Chain(ChainConfig(slot_ms=SLOT_MS), monotonic=self.clock)
        self.wallets = [Keypair() for _ in range(3)]
        self.model = {}
        for kp in self.wallets:
            self.chain.set_account(kp.pubkey(), Account(10 * SOL, b"", Pubkey.default()))
            self.model[kp.pubkey()] = 10 * SOL
        self.fees = 0
        self.landed: dict[Signature, Any] = {}

    def _submit(self, item: Sent, preflight: bool) -> None:
        """Send ``item`` and check the outcome against the model, then update the model."""
        before = dict(self.model)
        execution = self.chain.execute(self.chain.resolve(item.tx), preflight=preflight)
        signature = item.tx.signatures[0]
        if self.chain.block_height - item.blockhash_slot > MAX_PROCESSING_AGE:
            assert execution.err == "BlockhashNotFound"
        elif signature in self.landed:  # a replay, or the same transfer twice in one slot
            assert execution.err == "AlreadyProcessed"
        elif self.model[item.sender] - FEE >= item.lamports:
            assert execution.err is None
            self.model[item.sender] -= item.lamports + FEE
            self.model[item.receiver] += item.lamports
            self.fees += FEE
            self.landed[signature] = None
            return
        else:
            assert execution.err == {"InstructionError": [0, {"Custom": 1}]}
            assert any("insufficient lamports" in line for line in execution.logs)
            if not preflight:  # lands as failed and pays the fee
                self.model[item.sender] -= FEE
                self.fees += FEE
                self.landed[signature] = execution.err
            return
        assert self.model == before

    @rule(
        target=sent,
        sender=st.integers(0, 2),
        receiver=st.integers(0, 2),
        sol=st.integers(0, 12),
        preflight=st.booleans(),
    )
    def transfer(self, sender: int, receiver: int, sol: int, preflight: bool) -> Sent:
        src, dst = self.wallets[sender], self.wallets[receiver].pubkey()
        tx = sol_transfer(src, dst, sol * SOL, self.chain.latest_blockhash()[0])
        item = Sent(tx, src.pubkey(), dst, sol * SOL, self.chain.slot)
        self._submit(item, preflight)
        return item

    @rule(seconds=st.floats(0, 90, allow_nan=False))
    def wait(self, seconds: float) -> None:
        before = self.chain.slot
        self.clock.now += seconds
        self.chain.tick()
        assert self.chain.slot >= before
        assert self.chain.slot == int(self.clock.now * 1000) // SLOT_MS

    @rule(item=sent, preflight=st.booleans())
    def resend(self, item: Sent, preflight: bool) -> None:
        """A resent transaction never executes twice, and an expired one never executes."""
        self._submit(item, preflight)

    @invariant()
    def balances_match_the_model(self) -> None:
        for pubkey, lamports in self.model.items():
            assert self.chain.svm.get_balance(pubkey) == lamports

    @invariant()
    def lamports_are_conserved(self) -> None:
        assert sum(self.model.values()) + self.fees == 30 * SOL

    @invariant()
    def status_cache_matches(self) -> None:
        assert set(self.chain.transactions) == set(self.landed)
        for sig, err in self.landed.items():
            assert self.chain.transactions[sig].execution.err == err


ChainMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestChainMachine = ChainMachine.TestCase


@cache
def booted_methods() -> RpcMethods:
    chain = Chain(ChainConfig())
    boot(chain)
    return RpcMethods(chain)


numbers = (
    st.integers(-(2**70), 2**70)
    | st.sampled_from([0, 1, 2**32, 2**63, 2**64 - 1, 2**64, 2**80, -1])
    | st.floats(allow_nan=True, allow_infinity=True)
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
config_keys = st.sampled_from(
    ["encoding", "commitment", "filters", "dataSlice", "minContextSlot", "skipPreflight",
     "sigVerify", "replaceRecentBlockhash", "accounts", "limit", "before", "withContext",
     "maxSupportedTransactionVersion", "mint", "programId"]
)
param_values = (
    json_values
    | st.sampled_from([str(Pubkey.default()), str(Signature.default()), str(Hash.default()),
                       "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "base64", "jsonParsed"])
    | st.dictionaries(config_keys, json_values, max_size=3)
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(sorted(booted_methods().table)), params=st.lists(param_values, max_size=4))
def test_any_params_give_a_result_or_a_named_error(method: str, params: list[Any]) -> None:
    """No input makes a method crash: it answers, or names what was wrong (never -32603)."""
    try:
        booted_methods().call(method, params)
    except RpcError as exc:
        assert exc.message
        # Only the faucet may fail internally (as Agave's does), e.g. asked for more than it holds.
        assert exc.code != INTERNAL_ERROR or method == "requestAirdrop", exc.message


@given(st.binary(max_size=200))
def test_base58_round_trip(data: bytes) -> None:
    encoded = b58encode(data)
    assert b58decode(encoded) == data
    if len(data) == 32:
        assert encoded == str(Pubkey.from_bytes(data))


@given(st.integers(0, 2**64 - 1), st.integers(0, 18))
def test_ui_amount_string_is_exact(amount: int, decimals: int) -> None:
    text = ui_amount_string(amount, decimals)
    assert Decimal(text) == Decimal(amount) / (Decimal(10) ** decimals)
    assert not text.endswith(".") and (("." not in text) or not text.endswith("0"))
