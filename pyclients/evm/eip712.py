"""EIP-712 hashing and ECDSA signatures, done the way the contracts do them.

The verification hot path computes struct hashes with plain keccak over
32-byte words (no generic typed-data encoder), recovers with libsecp256k1
through coincurve, and compares raw 20-byte addresses (checksumming costs a
keccak of its own). ``tests/evm`` checks every digest
here against eth-account's generic EIP-712 encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import to_checksum_address

try:  # pycryptodome directly: eth_utils.keccak adds validation to every call
    from Crypto.Hash import keccak as _keccak_mod

    def keccak(data: bytes) -> bytes:
        return _keccak_mod.new(digest_bits=256, data=data).digest()
except ImportError:  # pragma: no cover - pycryptodome is pinned
    from eth_utils import keccak as _eth_keccak

    def keccak(data: bytes) -> bytes:
        return _eth_keccak(data)


# secp256k1 group order; the contracts accept only s <= N/2 (no malleable twin).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


def type_hash(encoded_type: str) -> bytes:
    return keccak(encoded_type.encode())


def word_uint(value: int) -> bytes:
    return value.to_bytes(32, "big")


def word_address(address: str) -> bytes:
    """An address (0x-prefixed hex, already validated) as an ABI word. Plain hex
    decoding: eth_utils' converters cost more than the keccak they feed."""
    return b"\x00" * 12 + bytes.fromhex(address[2:])


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


def recover_raw(digest: bytes, signature: bytes) -> bytes | None:
    """20-byte ECDSA signer of ``digest`` as the contracts' check sees it, or None
    when the contract would reject the signature outright (length, v not 27/28,
    high s, no valid point)."""
    if len(signature) != 65:
        return None
    v = signature[64]
    if v not in (27, 28) or int.from_bytes(signature[32:64], "big") > SECP256K1_HALF_N:
        return None
    try:
        public_key = _recover_public_key(digest, signature[:64] + bytes([v - 27]))
    except Exception:  # noqa: BLE001 - libsecp256k1 / eth_keys refuse invalid points
        return None
    return keccak(public_key)[12:]


def recover(digest: bytes, signature: bytes) -> str | None:
    """Checksummed signer (see :func:`recover_raw`), or None."""
    raw = recover_raw(digest, signature)
    return None if raw is None else to_checksum_address(raw)


def same_address(raw: bytes | None, address: str) -> bool:
    """``raw`` (from recover_raw) is ``address`` (0x hex, any case)."""
    return raw is not None and raw == bytes.fromhex(address[2:])


try:  # libsecp256k1 through coincurve: ~20x the pure-Python backend
    from coincurve import PublicKey as _CoincurvePublicKey

    def _recover_public_key(digest: bytes, rsv01: bytes) -> bytes:
        return _CoincurvePublicKey.from_signature_and_message(rsv01, digest, hasher=None).format(
            compressed=False
        )[1:]
except ImportError:  # pragma: no cover - coincurve is pinned in requirements.lock

    def _recover_public_key(digest: bytes, rsv01: bytes) -> bytes:
        signature = keys.Signature(signature_bytes=rsv01)
        return signature.recover_public_key_from_msg_hash(digest).to_bytes()
