"""API keys, created by proving control of a wallet.

1. ``challenge(wallet, scope)`` issues a one-use message naming the wallet,
   the scope and a random nonce, valid for a few minutes.
2. The wallet signs it (EIP-191 ``personal_sign`` for an EVM account, an
   ed25519 signature of the message bytes for a Solana account).
3. ``create(nonce, signature)`` checks the signature, uses up the challenge
   and returns the key — the only time its secret is shown. Only a SHA-256
   of the secret is stored; the secret is 256 random bits, so the hash
   cannot be searched, and comparison is constant-time.

A key reads ``gp_<key id>_<secret>``: the id finds the row, the secret proves it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_hex_address, to_checksum_address
from solders.pubkey import Pubkey
from solders.signature import Signature

from facilitator.errors import ApiError
from facilitator.settings import FacilitatorSettings
from facilitator.store import ApiKeyRecord, Store, utcnow

KEY_PATTERN = re.compile(r"^gp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
#: Seconds a verified key is trusted from memory (a revocation elsewhere takes this long).
CACHE_SECONDS = 2.0


def normalize_wallet(wallet: str) -> tuple[str, str]:
    """(family, canonical address): ``eip155`` and a checksummed address, or
    ``solana`` and a base58 public key. ApiError 400 otherwise."""
    if not isinstance(wallet, str) or not wallet:
        raise ApiError(400, "invalid_wallet", "wallet address is missing")
    if wallet.startswith("0x"):
        if not is_hex_address(wallet):
            raise ApiError(400, "invalid_wallet", f"{wallet!r} is not a 20-byte hex address")
        return "eip155", to_checksum_address(wallet)
    try:
        return "solana", str(Pubkey.from_string(wallet))
    except ValueError:
        raise ApiError(400, "invalid_wallet", f"{wallet!r} is neither an EVM address (0x...) "
                       "nor a base58 Solana public key") from None


def wallet_signed(wallet: str, message: str, signature: str) -> bool:
    """Whether ``signature`` over ``message`` comes from ``wallet``'s key."""
    family, address = normalize_wallet(wallet)
    try:
        if family == "eip155":
            recovered = Account.recover_message(encode_defunct(text=message), signature=signature)
            return recovered == address
        return Signature.from_string(signature).verify(Pubkey.from_string(address),
                                                       message.encode())
    except (ValueError, TypeError):
        return False


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Challenge:
    nonce: str
    wallet: str
    scope: str
    message: str
    expires_at: str


@dataclass(frozen=True)
class NewKey:
    api_key: str  #: shown once
    record: ApiKeyRecord


class ApiKeys:
    def __init__(self, store: Store, settings: FacilitatorSettings) -> None:
        self.store = store
        self.settings = settings
        self._cache: dict[str, tuple[float, ApiKeyRecord]] = {}

    def _scope(self, scope: str) -> str:
        if scope not in self.settings.api_key_scopes:
            raise ApiError(400, "invalid_scope", f"scope {scope!r} is not one of "
                           f"{self.settings.api_key_scopes}")
        return scope

    async def challenge(self, wallet: str, scope: str) -> Challenge:
        _, address = normalize_wallet(wallet)
        scope = self._scope(scope)
        nonce = secrets.token_hex(16)
        expires = utcnow() + timedelta(seconds=self.settings.challenge_ttl_seconds)
        message = (f"gridpay: create an API key\n\nWallet: {address}\nScope: {scope}\n"
                   f"Nonce: {nonce}\nExpires: {expires.isoformat()}")
        await asyncio.to_thread(self.store.add_challenge, nonce, address, scope, message, expires)
        return Challenge(nonce, address, scope, message, expires.isoformat())

    async def create(self, nonce: str, signature: str, label: str | None = None) -> NewKey:
        """The signed challenge becomes a key. The challenge is used up first,
        so a signature can never be replayed, right or wrong."""
        challenge = await asyncio.to_thread(self.store.use_challenge, nonce)
        if challenge is None:
            raise ApiError(401, "invalid_challenge",
                           "unknown, expired or already used challenge nonce")
        if not wallet_signed(challenge.wallet, challenge.message, signature):
            raise ApiError(401, "invalid_signature",
                           f"the signature is not {challenge.wallet}'s over the challenge")
        key_id = secrets.token_hex(8)
        secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        record = await asyncio.to_thread(self.store.add_api_key, key_id, hash_secret(secret),
                                         challenge.wallet, challenge.scope, label)
        return NewKey(f"gp_{key_id}_{secret}", record)

    async def authenticate(self, presented: str | None, scope: str | None = None) -> ApiKeyRecord:
        """The live key ``presented`` names; ApiError 401 for anything else."""
        match = KEY_PATTERN.match(presented or "")
        if match is None:
            raise ApiError(401, "invalid_api_key", "X-API-Key is missing or malformed")
        key_id, secret = match.groups()
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            record = cached[1]
        else:
            record = await asyncio.to_thread(self.store.get_api_key, key_id)
            if record is not None:
                self._cache[key_id] = (now, record)
        # compare even when there is no record, so timing does not tell
        expected = record.key_hash if record else hash_secret("")
        if not hmac.compare_digest(expected, hash_secret(secret)) or record is None:
            raise ApiError(401, "invalid_api_key", "unknown API key")
        if record.revoked_at is not None:
            raise ApiError(401, "revoked_api_key", f"API key {key_id} was revoked")
        if scope is not None and record.scope != scope:
            raise ApiError(403, "wrong_scope", f"API key {key_id} is for {record.scope!r}, "
                           f"this needs {scope!r}")
        return record

    async def list(self, wallet: str) -> list[ApiKeyRecord]:
        return await asyncio.to_thread(self.store.api_keys_of, wallet)

    async def revoke(self, key_id: str, wallet: str) -> None:
        if not await asyncio.to_thread(self.store.revoke_api_key, key_id, wallet):
            raise ApiError(404, "unknown_api_key", f"{wallet} has no live key {key_id}")
        self._cache.pop(key_id, None)
