"""Job receipts: what a node operator signs for every job it serves.

The byte layout is defined once, in ``programs/receipts`` (Rust, used by the
staking program); this module writes and reads the same bytes, signs them
with the operator's ed25519 key and verifies them. Both sides are checked
against the shared vectors in ``programs/receipts/vectors.json``.

Two receipts signed by the same operator for the same job that differ in
anything but ``signed_at`` are proof of tampering: :func:`check_conflict`
decides it exactly as the program does, and :func:`ed25519_instruction`
builds the Ed25519 precompile instruction that lets the program see a
receipt's signature checked in the same transaction.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import ClassVar

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

DOMAIN = b"gridpay-receipt-v1"
VERSION = 1
RECEIPT_LEN = 243
SIGNATURE_LEN = 64
#: Byte offset of ``signed_at``: conflicts compare everything before it.
SIGNED_AT_OFFSET = 235

# domain, version, job_id, payer, operator, model/prompt/output hashes,
# prompt_tokens, completion_tokens, price, signed_at
_LAYOUT = struct.Struct("<18sB32s32s32s32s32s32sQQQq")
assert _LAYOUT.size == RECEIPT_LEN

ED25519_PROGRAM_ID = Pubkey.from_string("Ed25519SigVerify111111111111111111111111111")
#: ``instruction_index`` meaning "this instruction" in Ed25519 offsets.
_ED25519_CURRENT_IX = 0xFFFF
# num_signatures u8, padding u8, then per signature seven u16: signature
# offset/ix, public key offset/ix, message offset/size/ix.
_ED25519_HEADER = struct.Struct("<BxHHHHHHH")

_U64_MAX = 2**64 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


class _Reasoned(ValueError):
    """A refusal whose message starts with its ``reason``."""

    reason: ClassVar[str]

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.reason}: {message}")


class ReceiptError(_Reasoned):
    """Bytes or fields that are not a valid receipt; ``reason`` names the check."""

    reason = "invalid_receipt"


class WrongLength(ReceiptError):
    reason = "wrong_length"


class WrongDomain(ReceiptError):
    reason = "wrong_domain"


class UnsupportedVersion(ReceiptError):
    reason = "unsupported_version"


class InvalidField(ReceiptError):
    reason = "invalid_field"


class BadSignature(ReceiptError):
    reason = "bad_signature"


class ClockSkew(ReceiptError):
    reason = "clock_skew"


class ConflictError(_Reasoned):
    """Two receipts that are not proof of tampering; ``reason`` says why."""

    reason = "not_a_conflict"


class OperatorMismatch(ConflictError):
    reason = "operator_mismatch"


class JobMismatch(ConflictError):
    reason = "job_mismatch"


class Identical(ConflictError):
    reason = "identical"


class NotConflicting(ConflictError):
    reason = "not_conflicting"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidField(f"{name} must be 32 bytes, got {value!r}")


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidField(f"{name} must be an integer in [{low}, {high}], got {value!r}")


@dataclass(frozen=True)
class Receipt:
    """The fields of a version-1 receipt. Amounts and counts are integers."""

    job_id: bytes
    payer: Pubkey
    operator: Pubkey
    model_id_hash: bytes
    prompt_hash: bytes
    output_hash: bytes
    prompt_tokens: int
    completion_tokens: int
    #: Price of the job in base units of the payment asset.
    price: int
    #: Unix seconds on the node's clock when it signed.
    signed_at: int

    def __post_init__(self) -> None:
        for name in ("job_id", "model_id_hash", "prompt_hash", "output_hash"):
            _check_hash(name, getattr(self, name))
        for name in ("payer", "operator"):
            if not isinstance(getattr(self, name), Pubkey):
                raise InvalidField(f"{name} must be a Pubkey, got {getattr(self, name)!r}")
        for name in ("prompt_tokens", "completion_tokens", "price"):
            _check_int(name, getattr(self, name), 0, _U64_MAX)
        _check_int("signed_at", self.signed_at, _I64_MIN, _I64_MAX)

    @classmethod
    def for_job(
        cls,
        *,
        job_id: bytes,
        payer: Pubkey,
        operator: Pubkey,
        model_id: str,
        prompt: bytes,
        output: bytes,
        prompt_tokens: int,
        completion_tokens: int,
        price: int,
        signed_at: int,
    ) -> Receipt:
        """A receipt from the job's plain values (hashes computed here)."""
        return cls(
            job_id=job_id,
            payer=payer,
            operator=operator,
            model_id_hash=sha256(model_id.encode()),
            prompt_hash=sha256(prompt),
            output_hash=sha256(output),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            price=price,
            signed_at=signed_at,
        )

    def encode(self) -> bytes:
        """The bytes the operator signs."""
        return _LAYOUT.pack(
            DOMAIN, VERSION, self.job_id, bytes(self.payer), bytes(self.operator),
            self.model_id_hash, self.prompt_hash, self.output_hash,
            self.prompt_tokens, self.completion_tokens, self.price, self.signed_at,
        )

    @classmethod
    def decode(cls, data: bytes) -> Receipt:
        if len(data) != RECEIPT_LEN:
            raise WrongLength(f"a receipt is {RECEIPT_LEN} bytes, got {len(data)}")
        (domain, version, job_id, payer, operator, model, prompt, output,
         prompt_tokens, completion_tokens, price, signed_at) = _LAYOUT.unpack(data)
        if domain != DOMAIN:
            raise WrongDomain(f"expected domain {DOMAIN!r}, got {domain!r}")
        if version != VERSION:
            raise UnsupportedVersion(f"version {version} is not {VERSION}")
        return cls(job_id, Pubkey(payer), Pubkey(operator), model, prompt, output,
                   prompt_tokens, completion_tokens, price, signed_at)

    def content_equals(self, other: Receipt) -> bool:
        """Same job content: every field but ``signed_at``."""
        return self.encode()[:SIGNED_AT_OFFSET] == other.encode()[:SIGNED_AT_OFFSET]


@dataclass(frozen=True)
class SignedReceipt:
    receipt: Receipt
    signature: Signature

    @property
    def message(self) -> bytes:
        return self.receipt.encode()

    def to_bytes(self) -> bytes:
        """Receipt bytes followed by the 64-byte signature (for storage and transport)."""
        return self.message + bytes(self.signature)

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedReceipt:
        if len(data) != RECEIPT_LEN + SIGNATURE_LEN:
            raise WrongLength(
                f"a signed receipt is {RECEIPT_LEN + SIGNATURE_LEN} bytes, got {len(data)}")
        return cls(Receipt.decode(data[:RECEIPT_LEN]), Signature.from_bytes(data[RECEIPT_LEN:]))


def sign_receipt(receipt: Receipt, operator: Keypair) -> SignedReceipt:
    """Sign with the operator key the receipt names."""
    if operator.pubkey() != receipt.operator:
        raise InvalidField(
            f"receipt names operator {receipt.operator}, signing key is {operator.pubkey()}")
    return SignedReceipt(receipt, operator.sign_message(receipt.encode()))


def verify_receipt(
    signed: SignedReceipt, *, now: int | None = None, max_skew_seconds: int | None = None
) -> None:
    """Raise unless the receipt's operator signed it.

    With ``now`` and ``max_skew_seconds`` also refuse a receipt whose
    ``signed_at`` is further than that from ``now``: whoever accepts a
    receipt from a node checks its clock, because the program trusts
    ``signed_at`` to decide whether stake in cooldown is still slashable.
    """
    if not signed.signature.verify(signed.receipt.operator, signed.message):
        raise BadSignature(f"signature does not verify under operator {signed.receipt.operator}")
    if now is not None and max_skew_seconds is not None:
        skew = abs(signed.receipt.signed_at - now)
        if skew > max_skew_seconds:
            raise ClockSkew(
                f"signed_at {signed.receipt.signed_at} is {skew} s from now ({now}), "
                f"more than {max_skew_seconds} s")


@dataclass(frozen=True)
class Conflict:
    operator: Pubkey
    job_id: bytes
    earliest_signed_at: int


def check_conflict_unsigned(a: Receipt, b: Receipt) -> Conflict:
    """The program's conflict rule on the receipts alone (signatures aside)."""
    if a.operator != b.operator:
        raise OperatorMismatch(f"receipts name operators {a.operator} and {b.operator}")
    if a.job_id != b.job_id:
        raise JobMismatch(f"receipts are for jobs {a.job_id.hex()} and {b.job_id.hex()}")
    if a.encode() == b.encode():
        raise Identical("the two receipts are the same bytes")
    if a.content_equals(b):
        raise NotConflicting("the receipts differ only in signed_at")
    return Conflict(a.operator, a.job_id, min(a.signed_at, b.signed_at))


def check_conflict(a: SignedReceipt, b: SignedReceipt) -> Conflict:
    """Both signatures valid and the receipts conflicting: proof of tampering."""
    verify_receipt(a)
    verify_receipt(b)
    return check_conflict_unsigned(a.receipt, b.receipt)


def ed25519_instruction(pubkey: Pubkey, message: bytes, signature: Signature) -> Instruction:
    """An Ed25519 precompile instruction checking one signature, with the
    key, signature and message all inside its own data (instruction index
    ``0xFFFF``), which is the only form the staking program accepts."""
    header = _ED25519_HEADER.size
    pubkey_at = header
    signature_at = pubkey_at + 32
    message_at = signature_at + SIGNATURE_LEN
    data = _ED25519_HEADER.pack(
        1, signature_at, _ED25519_CURRENT_IX, pubkey_at, _ED25519_CURRENT_IX,
        message_at, len(message), _ED25519_CURRENT_IX,
    ) + bytes(pubkey) + bytes(signature) + message
    return Instruction(ED25519_PROGRAM_ID, data, [])


def receipt_instruction(signed: SignedReceipt) -> Instruction:
    """The Ed25519 precompile instruction for one signed receipt."""
    return ed25519_instruction(signed.receipt.operator, signed.message, signed.signature)
