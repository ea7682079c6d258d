"""EIP-712 hashing and ECDSA signatures, done the way the contracts do them.

The verification hot path computes struct hashes with plain keccak over
32-byte words (no generic typed-data encoder) and recovers with eth_keys,
which uses libsecp256k1 through coincurve. ``tests/evm`` checks every digest
here against eth-account's generic EIP-712 encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak, to_canonical_address, to_checksum_address

# secp256k1 group order; the contracts accept only s <= N/2 (no malleable twin).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


def type_hash(encoded_type: str) -> bytes:
    return keccak(text=encoded_type)


def word_uint(value: int) -> bytes:
    return value.to_bytes(32, "big")


def word_address(address: str) -> bytes:
    return b"\x00" * 12 + to_canonical_address(address)


def hash_struct(typehash: bytes, *words: bytes) -> bytes:
    """hashStruct for a struct whose members are all static (each one 32-byte word)."""
    return keccak(typehash + b"".join(words))


def typed_digest(domain_separator: bytes, struct_hash: bytes) -> bytes:
    """The digest that gets signed: keccak(0x1901 || domainSeparator || hashStruct)."""
    return keccak(b"\x19\x01" + domain_separator + struct_hash)


@dataclass(frozen=True)
class VRS:
    """A 65-byte signature split for contracts that take (v, r, s)."""

    v: int
    r: bytes
    s: bytes

    @classmethod
    def from_bytes(cls, signature: bytes) -> VRS:
        if len(signature) != 65:
            raise ValueError(f"ECDSA signature must be 65 bytes, got {len(signature)}")
        return cls(v=signature[64], r=signature[:32], s=signature[32:64])


def sign_digest(account: LocalAccount, digest: bytes) -> bytes:
    """65-byte r||s||v signature (v = 27/28, low s) of a 32-byte digest."""
    return bytes(account.unsafe_sign_hash(digest).signature)


def recover(digest: bytes, signature: bytes) -> str | None:
    """Signer of ``digest`` as the contracts' ECDSA check sees it, or None when the
    contract would reject the signature outright (length, v not 27/28, high s)."""
    if len(signature) != 65:
        return None
    v = signature[64]
    s = int.from_bytes(signature[32:64], "big")
    if v not in (27, 28) or s > SECP256K1_HALF_N:
        return None
    try:
        sig = keys.Signature(signature_bytes=signature[:64] + bytes([v - 27]))
        public_key = sig.recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValidationError, ValueError):
        return None
    return to_checksum_address(public_key.to_canonical_address())
