"""programs/staking/idl.json through anchorpy (the current-format fork).

Every instruction, account and event type round-trips through anchorpy's
coder and agrees byte for byte with the project's own IDL codec, on
hypothesis-generated values; then every instruction encoded by anchorpy
runs in LiteSVM against the SBF build, and the accounts and events it
leaves decode the same with anchorpy."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from anchorpy import Idl as AnchorIdl
from anchorpy.coder.coder import Coder
from anchorpy.program.common import NamedInstruction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from pyclients.solana import receipts as R
from pyclients.solana import staking
from tests.staking.conftest import COOLDOWN, MIN_STAKE, SGL, World, default_params, make_world

pytestmark = [pytest.mark.staking, pytest.mark.properties]

IDL = staking.IDL
RAW = json.loads(staking.IDL_PATH.read_text())
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
_INT_BITS = {"u8": (8, False), "u16": (16, False), "u32": (32, False), "u64": (64, False), "i64": (64, True)}


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder(AnchorIdl.from_json(staking.IDL_PATH.read_text()))


def values(ty: Any) -> st.SearchStrategy[Any]:
    """Any value of an IDL type, extremes included."""
    if isinstance(ty, str):
        if ty in _INT_BITS:
            bits, signed = _INT_BITS[ty]
            lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
            return st.one_of(st.sampled_from([lo, hi, 0]), st.integers(lo, hi))
        if ty == "bool":
            return st.booleans()
        if ty == "pubkey":
            return st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)
        raise AssertionError(f"no strategy for {ty}")
    if "array" in ty:
        inner, n = ty["array"]
        return st.lists(values(inner), min_size=n, max_size=n)
    if "defined" in ty:
        return struct_values(ty["defined"]["name"])
    raise AssertionError(f"no strategy for {ty}")


def struct_values(name: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = IDL.types[name]["type"]["fields"]
    return st.fixed_dictionaries({f["name"]: values(f["type"]) for f in fields})


def plain(value: Any) -> Any:
    """anchorpy's containers as plain Python values."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items() if not k.startswith("_")}
    if hasattr(value, "__dict__") and not isinstance(value, Pubkey):
        return {k: plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


def _sha8(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:8]


def test_discriminators_are_anchor_hashes_and_distinct() -> None:
    every = []
    for kind, prefix in (("instructions", "global"), ("accounts", "account"), ("events", "event")):
        for item in RAW[kind]:
            assert bytes(item["discriminator"]) == _sha8(f"{prefix}:{item['name']}"), item["name"]
            every.append(bytes(item["discriminator"]))
    assert len(set(every)) == len(every)
    assert staking.PROGRAM_ID == staking.program_keypair().pubkey() == Pubkey.from_string(RAW["address"])


@pytest.mark.parametrize("name", list(IDL.instructions))
def test_instruction_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    args_spec = IDL.instructions[name].args

    @SETTINGS
    @given(st.fixed_dictionaries({arg: values(ty) for arg, ty in args_spec}))
    def check(args: dict[str, Any]) -> None:
        ours = IDL.encode_args(name, args)
        assert coder.instruction.encode(name, args) == ours
        parsed = coder.instruction.parse(ours)
        assert parsed.name == name and plain(parsed.data) == args
        assert IDL.decode_args(ours) == (name, args)

    check()


@pytest.mark.parametrize("name", [a["name"] for a in RAW["accounts"]])
def test_account_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    @SETTINGS
    @given(struct_values(name))
    def check(fields: dict[str, Any]) -> None:
        ours = IDL.encode_account(name, fields)
        assert len(ours) == IDL.account_size(name)
        assert coder.accounts.build(NamedInstruction(name=name, data=fields)) == ours
        assert plain(coder.accounts.decode(ours)) == fields
        assert IDL.decode_account(name, ours) == fields

    check()


@pytest.mark.parametrize("name", [e["name"] for e in RAW["events"]])
def test_event_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    @SETTINGS
    @given(struct_values(name))
    def check(fields: dict[str, Any]) -> None:
        data = IDL.encode_event(name, fields)
        event = coder.events.parse(data)
        assert event.name == name and plain(event.data) == fields
        assert IDL.decode_event(data) == (name, fields)

    check()


def test_account_sizes_are_the_program_layouts() -> None:
    # programs/staking/src/state: 8-byte discriminator + the zero-copy struct.
    assert {n: IDL.account_size(n) for n in ("Config", "StakePosition", "ProofRecord")} == {
        "Config": 208, "StakePosition": 88, "ProofRecord": 160}


# --- anchorpy-encoded instructions in LiteSVM ----------------------------------


def _anchor(ix: Instruction, coder: Coder, name: str, args: dict[str, Any]) -> Instruction:
    """The client's instruction with anchorpy's encoding of the data."""
    data = coder.instruction.encode(name, args)
    assert data == bytes(ix.data), f"{name}: anchorpy encodes differently from the client"
    return Instruction(ix.program_id, data, list(ix.accounts))


class Ran:
    """Sends anchorpy-encoded instructions and records the events anchorpy decodes."""

    def __init__(self, w: World, coder: Coder) -> None:
        self.w, self.coder, self.names = w, coder, []

    async def run(self, ixs: list[Instruction], signers: list[Keypair], name: str, args: dict[str, Any]) -> None:
        *pre, last = ixs
        result = await self.w.send([*pre, _anchor(last, self.coder, name, args)], signers)
        ours = self.w.program.events(result.logs)
        theirs = [self.coder.events.parse(d) for d in self._event_data(result.logs)]
        assert [(e.name, plain(e.data)) for e in theirs] == [(n, f) for n, f in ours]
        self.names.append(name)

    @staticmethod
    def _event_data(logs: list[str]) -> list[bytes]:
        prefix = "Program data: "  # sol_log_data; only this program logs data here
        return [base64.b64decode(line[len(prefix):]) for line in logs if line.startswith(prefix)]


def _decode_both(w: World, coder: Coder, address: Pubkey, name: str) -> dict[str, Any]:
    data = bytes(w.svm.get_account(address).data)
    ours = IDL.decode_account(name, data)
    assert plain(coder.accounts.decode(data)) == ours
    return ours


async def test_every_instruction_encoded_by_anchorpy_runs(staking_so, coder: Coder) -> None:  # noqa: ANN001
    w = await make_world(staking_so, initialize=False)
    prog, ran = w.program, Ran(w, coder)
    params = default_params()
    await ran.run([prog.create_vault(w.admin.pubkey(), w.mint),
                   prog.initialize(admin=w.admin.pubkey(), sgl_mint=w.mint, penalty_vault=w.penalty_vault,
                                   params=params)],
                  [w.admin, w.program_key], "initialize", {"params": params.to_idl(), "config_bump": prog.config_pda()[1]})
    changed = staking.Params(params.min_stake, (COOLDOWN, 1, 2, 3), 2_000)
    await ran.run([prog.update_config(admin=w.admin.pubkey(), params=changed)], [w.admin], "update_config",
                  {"params": changed.to_idl()})
    config = _decode_both(w, coder, prog.config_address(), "Config")
    assert config["cooldown_seconds"] == [COOLDOWN, 1, 2, 3] and config["slash_cap_bps"] == 2_000
    for paused in (True, False):
        await ran.run([prog.set_paused(admin=w.admin.pubkey(), paused=paused)], [w.admin], "set_paused",
                      {"paused": paused})
    op = await w.new_operator()
    amount = MIN_STAKE + 10 * SGL
    rent = w.svm.minimum_balance_for_rent_exemption(staking.StakePosition.size())
    await ran.run([*prog.open_position(operator=op.pubkey(), lamports=rent),
                   prog.stake(operator=op.pubkey(), sgl_mint=w.mint, amount=amount, role=0)], [op], "stake",
                  {"role": 0, "amount": amount})
    for name in ("request_unstake", "cancel_unstake", "request_unstake"):
        ix = prog.request_unstake(operator=op.pubkey(), amount=SGL) if name == "request_unstake" else \
            prog.cancel_unstake(operator=op.pubkey())
        await ran.run([ix], [op], name, {"amount": SGL} if name == "request_unstake" else {})
    w.warp(COOLDOWN)
    await ran.run([prog.withdraw_unstaked(operator=op.pubkey(), sgl_mint=w.mint)], [op], "withdraw_unstaked", {})
    a, b = w.receipt(op), w.receipt(op, price=1)
    ixs = prog.slash_instructions(slasher=w.admin.pubkey(), a=a, b=b, sgl_mint=w.mint,
                                  penalty_vault=w.penalty_vault)
    await ran.run(ixs, [w.admin], "slash", {"receipt_a_ix": 0, "receipt_b_ix": 1})

    assert sorted(set(ran.names)) == sorted(IDL.instructions)
    position = _decode_both(w, coder, prog.stake_address(op.pubkey()), "StakePosition")
    taken = (amount - SGL) * 2_000 // 10_000
    assert (position["staked"], position["unstaking"], position["total_slashed"]) == (amount - SGL - taken, 0,
                                                                                       taken)
    record = _decode_both(w, coder, prog.proof_address(op.pubkey(), a.receipt.job_id), "ProofRecord")
    lo, hi = sorted([a.message, b.message])
    assert bytes(record["proof_hash"]) == R.sha256(lo + hi) and record["amount"] == taken
