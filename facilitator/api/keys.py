"""API keys: a wallet proves control by signing a challenge; the key is shown once."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from facilitator.api.deps import Key, Service
from facilitator.store import ApiKeyRecord

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class ChallengeIn(BaseModel):
    wallet: str = Field(description="EVM address (0x...) or Solana public key (base58)")
    scope: str = Field(description="product the key is for, e.g. 'grid'")


class ChallengeOut(BaseModel):
    nonce: str
    wallet: str
    scope: str
    message: str = Field(description="sign exactly this: EIP-191 (EVM) or ed25519 (Solana)")
    expires_at: str


class CreateIn(BaseModel):
    nonce: str = Field(max_length=64)
    signature: str = Field(max_length=256, description="0x hex (EVM) or base58 (Solana)")
    label: str | None = Field(default=None, max_length=128)


class KeyOut(BaseModel):
    key_id: str
    wallet: str
    scope: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, r: ApiKeyRecord) -> KeyOut:
        return cls(key_id=r.key_id, wallet=r.wallet, scope=r.scope, label=r.label,
                   created_at=r.created_at, revoked_at=r.revoked_at, last_used_at=r.last_used_at)


class CreatedKey(KeyOut):
    api_key: str = Field(description="the secret: shown now, never again")


@router.post("/challenge", response_model=ChallengeOut)
async def challenge(body: ChallengeIn, service: Service) -> ChallengeOut:
    """A one-use message for the wallet to sign."""
    c = await service.keys.challenge(body.wallet, body.scope)
    return ChallengeOut(nonce=c.nonce, wallet=c.wallet, scope=c.scope, message=c.message,
                        expires_at=c.expires_at)


@router.post("", response_model=CreatedKey, status_code=201)
async def create(body: CreateIn, service: Service) -> CreatedKey:
    """The signed challenge becomes an API key."""
    new = await service.keys.create(body.nonce, body.signature, body.label)
    return CreatedKey(api_key=new.api_key, **KeyOut.of(new.record).model_dump())


@router.get("", response_model=list[KeyOut])
async def list_keys(key: Key, service: Service) -> list[KeyOut]:
    """Every key of the wallet the presented key belongs to (no secrets)."""
    return [KeyOut.of(r) for r in await service.keys.list(key.wallet)]


@router.delete("/{key_id}", status_code=204)
async def revoke(key_id: str, key: Key, service: Service) -> None:
    """Revoke one of the wallet's keys (the presented one included)."""
    await service.keys.revoke(key_id, key.wallet)
