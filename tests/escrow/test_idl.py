"""The checked-in IDL against the program and against anchorpy.

The program side comes from the crate itself (host build: error names,
messages, account sizes); the LiteSVM tests then execute every IDL
instruction against the SBF build. anchorpy (the current-format fork) must
read the IDL and agree byte for byte with the project's own codec."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from typing import Any

import pytest
from anchorpy import Idl as AnchorIdl
from anchorpy.coder.coder import Coder
from anchorpy.program.common import NamedInstruction
from solders.pubkey import Pubkey

from pyclients.solana import escrow
from pyclients.solana.common.idl import IdlError
from tests.escrow import native

IDL = escrow.IDL
RAW = json.loads(escrow.IDL_PATH.read_text())


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder(AnchorIdl.from_json(escrow.IDL_PATH.read_text()))


def _sha8(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:8]


def _sample(ty: Any, rnd: random.Random) -> Any:
    """A random value of an IDL type (extremes included)."""
    bits = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}
    if isinstance(ty, str):
        if ty in bits:
            return rnd.choice([0, 2 ** bits[ty] - 1, rnd.randrange(2 ** bits[ty])])
        if ty == "i64":
            return rnd.choice([-(2**63), 2**63 - 1, rnd.randrange(-(2**63), 2**63)])
        if ty == "bool":
            return rnd.random() < 0.5
        if ty == "pubkey":
            return Pubkey(rnd.randbytes(32))
        raise AssertionError(f"no sampler for {ty}")
    if "vec" in ty:
        return [_sample(ty["vec"], rnd) for _ in range(rnd.randrange(0, 5))]
    if "array" in ty:
        inner, n = ty["array"]
        return [_sample(inner, rnd) for _ in range(n)]
    if "defined" in ty:
        return _sample_struct(ty["defined"]["name"] if isinstance(ty["defined"], dict) else ty["defined"], rnd)
    raise AssertionError(f"no sampler for {ty}")


def _sample_struct(name: str, rnd: random.Random) -> dict[str, Any]:
    return {f["name"]: _sample(f["type"], rnd) for f in IDL.types[name]["type"]["fields"]}


def _plain(value: Any) -> Any:
    """anchorpy containers to plain Python values."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if hasattr(value, "__dict__") and not isinstance(value, Pubkey):
        return {k: _plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


def test_format_and_address() -> None:
    assert RAW["metadata"] == {
        "name": "job_escrow",
        "version": "0.1.0",
        "spec": "0.1.0",
        "description": RAW["metadata"]["description"],
    }
    assert escrow.PROGRAM_ID == escrow.program_keypair().pubkey()
    names = [ix["name"] for ix in RAW["instructions"]]
    assert names == [
        "initialize", "update_config", "deposit", "lock_job", "settle_job", "settle_jobs",
        "refund_job", "withdraw", "close_credit_account", "claim_fees",
    ]


def test_discriminators_are_anchor_hashes() -> None:
    for ix in RAW["instructions"]:
        assert bytes(ix["discriminator"]) == _sha8(f"global:{ix['name']}"), ix["name"]
    for acc in RAW["accounts"]:
        assert bytes(acc["discriminator"]) == _sha8(f"account:{acc['name']}"), acc["name"]
    for ev in RAW["events"]:
        assert bytes(ev["discriminator"]) == _sha8(f"event:{ev['name']}"), ev["name"]
    every = [bytes(x["discriminator"]) for k in ("instructions", "accounts", "events") for x in RAW[k]]
    assert len(set(every)) == len(every)


def test_errors_match_the_program() -> None:
    program = native.load().errors()
    idl = {e.code: (e.name, e.msg) for e in IDL.errors}
    assert idl == program


def test_account_sizes_match_the_program() -> None:
    lib = native.load()
    assert IDL.account_size("Config") == lib.config_len == 200
    assert IDL.account_size("CreditAccount") == lib.credit_len == 112
    assert IDL.account_size("Job") == lib.job_len == 152


@pytest.mark.parametrize("name", list(IDL.instructions))
def test_instruction_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    rnd = random.Random(name)
    for _ in range(20):
        args = {arg: _sample(ty, rnd) for arg, ty in IDL.instructions[name].args}
        ours = IDL.encode_args(name, args)
        assert coder.instruction.encode(name, args) == ours
        parsed = coder.instruction.parse(ours)
        assert parsed.name == name
        assert _plain(parsed.data) == args
        assert IDL.decode_args(ours) == (name, args)


@pytest.mark.parametrize("name", ["Config", "CreditAccount", "Job"])
def test_account_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    rnd = random.Random(name)
    for _ in range(20):
        fields = _sample_struct(name, rnd)
        ours = IDL.encode_account(name, fields)
        assert len(ours) == IDL.account_size(name)
        assert coder.accounts.build(NamedInstruction(name=name, data=fields)) == ours
        assert _plain(coder.accounts.decode(ours)) == fields
        assert IDL.decode_account(name, ours) == fields


@pytest.mark.parametrize("name", [e["name"] for e in RAW["events"]])
def test_event_round_trips_through_anchorpy(name: str, coder: Coder) -> None:
    rnd = random.Random(name)
    fields = _sample_struct(name, rnd)
    data = IDL.encode_event(name, fields)
    event = coder.events.parse(data)
    assert event.name == name
    assert _plain(event.data) == fields
    assert IDL.decode_event(data) == (name, fields)


def test_decoders_match_idl_fields() -> None:
    for cls in (escrow.Config, escrow.CreditAccount, escrow.Job):
        idl_fields = [f["name"] for f in IDL.types[cls.IDL_NAME]["type"]["fields"] if f["name"] != "reserved"]
        assert [f.name for f in dataclasses.fields(cls)] == idl_fields


def test_builders_follow_idl_account_flags() -> None:
    program = escrow.EscrowProgram()
    k = [Pubkey.new_unique() for _ in range(6)]
    built = {
        "initialize": program.initialize(admin=k[0], usdc_mint=k[1], treasury=k[2], settlement_authority=k[3]),
        "update_config": program.update_config(admin=k[0], treasury=k[2], new_admin=k[0], settlement_authority=k[3],
                                               worker_bps=1, job_timeout=2, min_purchase_credits=3, paused=False),
        "deposit": program.deposit(wallet=k[0], usdc_mint=k[1], amount=1),
        "lock_job": program.lock_job(settlement_authority=k[3], wallet=k[0], job_id=1, max_credits=1, worker=k[4]),
        "settle_job": program.settle_job(settlement_authority=k[3], wallet=k[0], job_id=1, used_credits=1,
                                         worker_token=k[4], rent_receiver=k[3], usdc_mint=k[1]),
        "settle_jobs": program.settle_jobs(settlement_authority=k[3], usdc_mint=k[1], jobs=[]),
        "refund_job": program.refund_job(caller=k[3], wallet=k[0], job_id=1, rent_receiver=k[3]),
        "withdraw": program.withdraw(wallet=k[0], usdc_mint=k[1], credits=1),
        "close_credit_account": program.close_credit_account(wallet=k[0]),
        "claim_fees": program.claim_fees(usdc_mint=k[1], treasury=k[2]),
    }
    assert set(built) == set(IDL.instructions)
    for name, ix in built.items():
        spec = IDL.instructions[name]
        assert ix.program_id == escrow.PROGRAM_ID
        assert bytes(ix.data[:8]) == spec.discriminator
        assert [(m.is_signer, m.is_writable) for m in ix.accounts] == [(a.signer, a.writable) for a in spec.accounts]
        for meta, item in zip(ix.accounts, spec.accounts):
            if item.address is not None:
                assert meta.pubkey == item.address


def test_pda_seeds_match_idl() -> None:
    program = escrow.EscrowProgram()
    wallet = Pubkey.new_unique()
    credit = program.credit_address(wallet)
    assert credit == Pubkey.find_program_address([b"credit", bytes(wallet)], escrow.PROGRAM_ID)[0]
    job, _ = program.job_pda(credit, 2**64 - 1)
    assert job == Pubkey.find_program_address([b"job", bytes(credit), b"\xff" * 8], escrow.PROGRAM_ID)[0]
    lock = next(ix for ix in RAW["instructions"] if ix["name"] == "lock_job")
    seeds = next(a for a in lock["accounts"] if a["name"] == "job")["pda"]["seeds"]
    assert bytes(seeds[0]["value"]) == b"job"
    assert [s["kind"] for s in seeds] == ["const", "account", "arg"]


def test_bad_arguments_are_named() -> None:
    with pytest.raises(IdlError, match="argument 'amount'"):
        IDL.encode_args("deposit", {"amount": -1})
    with pytest.raises(IdlError, match="missing args"):
        IDL.encode_args("deposit", {})
    with pytest.raises(IdlError, match="not a Job account"):
        IDL.decode_account("Job", bytes(152))
    with pytest.raises(IdlError, match="account 'credit' is required"):
        IDL.instruction("close_credit_account", {"wallet": Pubkey.new_unique()})
