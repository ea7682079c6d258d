"""What the gateway and a node agree on: signed registrations, job headers,
how a node hands over its receipt, and how a payer becomes a receipt field.

Shared by ``facilitator.gateway`` and the node (``harness.node``) so the two
sides never drift.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from pyclients.solana.receipts import SignedReceipt

REGISTRATION_DOMAIN = b"gridpay-node-registration-v1\n"

#: Gateway -> node: the job (64 hex chars) and who pays for it.
JOB_HEADER = "X-Gridpay-Job"
PAYER_HEADER = "X-Gridpay-Payer"
#: Node -> gateway (non-streamed answers): base64 of the signed receipt.
RECEIPT_HEADER = "X-Gridpay-Receipt"
#: Node -> gateway (streamed answers): the SSE event carrying the receipt,
#: sent after the last chunk and before ``data: [DONE]``.
RECEIPT_EVENT = "gridpay.receipt"


class ProtocolError(ValueError):
    pass


def canonical(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def sign_document(domain: bytes, doc: dict[str, Any], key: Keypair) -> dict[str, Any]:
    """``doc`` plus the operator's ed25519 signature over domain + canonical JSON."""
    return {"document": doc, "signature": str(key.sign_message(domain + canonical(doc)))}


def open_document(domain: bytes, signed: Any, signer_field: str = "operator") -> dict[str, Any]:
    """The document, once its ``signer_field`` key has been shown to sign it."""
    if not isinstance(signed, dict) or not isinstance(signed.get("document"), dict):
        raise ProtocolError("expected {document, signature}")
    doc = signed["document"]
    try:
        signer = Pubkey.from_string(str(doc.get(signer_field)))
        signature = Signature.from_string(str(signed.get("signature")))
    except ValueError as exc:
        raise ProtocolError(f"bad {signer_field} or signature: {exc}") from None
    if not signature.verify(signer, domain + canonical(doc)):
        raise ProtocolError(f"the signature is not {signer}'s over the document")
    return doc


def payer_key(wallet: str) -> Pubkey:
    """The 32-byte ``payer`` of a receipt: a Solana wallet itself, an EVM
    address left-padded with zeros."""
    if wallet.startswith("0x") and len(wallet) == 42:
        return Pubkey(bytes(12) + bytes.fromhex(wallet[2:]))
    return Pubkey.from_string(wallet)


def encode_receipt(signed: SignedReceipt) -> str:
    return base64.b64encode(signed.to_bytes()).decode()


def decode_receipt(text: str) -> SignedReceipt:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ProtocolError(f"receipt is not base64: {exc}") from None
    return SignedReceipt.from_bytes(raw)


def model_id(model: str, sha256: str) -> str:
    """What a receipt's model hash covers: the model and its exact file."""
    return f"{model}@{sha256}"


def job_price(credits: int, base_units_per_credit: int) -> int:
    """A receipt's ``price``: the job's cost in USDC base units."""
    return credits * base_units_per_credit
