"""Job receipts from the Python side: the shared vectors (the Rust crate
checks the same file), signing and verification, the conflict rule, and the
Ed25519 precompile instruction as the runtime itself judges it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.transaction_metadata import FailedTransactionMetadata
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import Transaction
from solders.transaction_status import InstructionErrorCustom

from pyclients.solana import receipts as R

VECTORS = json.loads(
    (Path(__file__).parents[2] / "programs" / "receipts" / "vectors.json").read_text())
VALID = {v["name"]: v for v in VECTORS["valid"]}


def _receipt(case: dict) -> R.Receipt:
    f = case["fields"]
    return R.Receipt(
        job_id=bytes.fromhex(f["job_id"]),
        payer=Pubkey(bytes.fromhex(f["payer"])),
        operator=Pubkey(bytes.fromhex(f["operator"])),
        model_id_hash=bytes.fromhex(f["model_id_hash"]),
        prompt_hash=bytes.fromhex(f["prompt_hash"]),
        output_hash=bytes.fromhex(f["output_hash"]),
        prompt_tokens=f["prompt_tokens"],
        completion_tokens=f["completion_tokens"],
        price=f["price"],
        signed_at=f["signed_at"],
    )


def _signed(name: str) -> R.SignedReceipt:
    case = VALID[name]
    return R.SignedReceipt(_receipt(case), Signature.from_bytes(bytes.fromhex(case["signature"])))


def test_header_matches_module() -> None:
    assert VECTORS["domain"].encode() == R.DOMAIN
    assert (VECTORS["version"], VECTORS["length"]) == (R.VERSION, R.RECEIPT_LEN)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_vector(name: str) -> None:
    case = VALID[name]
    receipt = _receipt(case)
    encoded = bytes.fromhex(case["encoded"])
    assert receipt.encode() == encoded
    assert R.Receipt.decode(encoded) == receipt
    # The hashes are of the plain values, as Receipt.for_job computes them.
    plain = R.Receipt.for_job(
        job_id=receipt.job_id, payer=receipt.payer, operator=receipt.operator,
        model_id=case["model_id"], prompt=case["prompt"].encode(), output=case["output"].encode(),
        prompt_tokens=receipt.prompt_tokens, completion_tokens=receipt.completion_tokens,
        price=receipt.price, signed_at=receipt.signed_at)
    assert plain == receipt
    operator = Keypair.from_seed(bytes.fromhex(case["operator_seed"]))
    assert str(operator.pubkey()) == case["operator_base58"] == str(receipt.operator)
    signed = R.sign_receipt(receipt, operator)
    assert bytes(signed.signature).hex() == case["signature"]  # ed25519 is deterministic
    R.verify_receipt(signed)
    assert R.SignedReceipt.from_bytes(signed.to_bytes()) == signed


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_vector(case: dict) -> None:
    with pytest.raises(R.ReceiptError) as err:
        R.Receipt.decode(bytes.fromhex(case["bytes"]))
    assert err.value.reason == case["error"]


@pytest.mark.parametrize("case", VECTORS["conflicts"], ids=lambda c: c["name"])
def test_conflict_vector(case: dict) -> None:
    a, b = _signed(case["a"]), _signed(case["b"])
    if case["result"] == "conflict":
        conflict = R.check_conflict(a, b)
        assert conflict.earliest_signed_at == case["earliest_signed_at"]
        assert (conflict.operator, conflict.job_id) == (a.receipt.operator, a.receipt.job_id)
    else:
        with pytest.raises(R.ConflictError) as err:
            R.check_conflict(a, b)
        assert err.value.reason == case["result"]


def test_signing_with_another_key_is_refused() -> None:
    receipt = _receipt(VALID["typical"])
    with pytest.raises(R.InvalidField, match="signing key"):
        R.sign_receipt(receipt, Keypair())


def test_forged_signature_does_not_verify() -> None:
    good = _signed("typical")
    forger = Keypair()
    forged = R.SignedReceipt(good.receipt, forger.sign_message(good.message))
    with pytest.raises(R.BadSignature):
        R.verify_receipt(forged)
    # A conflict needs both signatures valid.
    with pytest.raises(R.BadSignature):
        R.check_conflict(forged, _signed("tampered_output"))


def test_clock_skew_is_refused_when_asked() -> None:
    signed = _signed("typical")
    t = signed.receipt.signed_at
    R.verify_receipt(signed, now=t + 30, max_skew_seconds=30)
    with pytest.raises(R.ClockSkew):
        R.verify_receipt(signed, now=t + 31, max_skew_seconds=30)
    with pytest.raises(R.ClockSkew):
        R.verify_receipt(signed, now=t - 31, max_skew_seconds=30)


@pytest.mark.parametrize(
    ("field", "value"),
    [("job_id", b"\x00" * 31), ("prompt_tokens", -1), ("price", 2**64), ("signed_at", 2**63),
     ("completion_tokens", True), ("payer", b"\x00" * 32)],
)
def test_bad_fields_are_named(field: str, value: object) -> None:
    base = _receipt(VALID["typical"]).__dict__ | {field: value}
    with pytest.raises(R.InvalidField, match=field):
        R.Receipt(**base)


_u64 = st.integers(0, 2**64 - 1)
_h32 = st.binary(min_size=32, max_size=32)


@given(job=_h32, payer=_h32, model=_h32, prompt=_h32, output=_h32, pt=_u64, ct=_u64, price=_u64,
       ts=st.integers(-(2**63), 2**63 - 1), flip=st.integers(0, R.RECEIPT_LEN * 8 - 1))
def test_round_trip_and_any_bit_flip_breaks_the_signature(
    job, payer, model, prompt, output, pt, ct, price, ts, flip
) -> None:
    operator = Keypair.from_seed(bytes([9]) * 32)
    receipt = R.Receipt(job, Pubkey(payer), operator.pubkey(), model, prompt, output, pt, ct,
                        price, ts)
    assert R.Receipt.decode(receipt.encode()) == receipt
    signed = R.sign_receipt(receipt, operator)
    msg = bytearray(signed.message)
    msg[flip // 8] ^= 1 << (flip % 8)
    assert not signed.signature.verify(operator.pubkey(), bytes(msg))


def _run(svm: LiteSVM, payer: Keypair, ix) -> object:
    tx = Transaction([payer], Message([ix], payer.pubkey()), svm.latest_blockhash())
    result = svm.send_transaction(tx)
    svm.expire_blockhash()
    return result


def test_ed25519_instruction_is_what_the_runtime_verifies() -> None:
    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 10**9)
    signed = _signed("typical")
    ok = _run(svm, payer, R.receipt_instruction(signed))
    assert not isinstance(ok, FailedTransactionMetadata), ok
    other = _signed("tampered_output")
    # The typical receipt's bytes under the other receipt's signature: refused by the runtime.
    forged = R.ed25519_instruction(signed.receipt.operator, signed.message, other.signature)
    failed = _run(svm, payer, forged)
    err = failed.err().err
    assert isinstance(err, InstructionErrorCustom) and err.code == 2  # InvalidSignature
