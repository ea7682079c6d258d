"""The gateway's part of the one settings object (``get_settings().gateway``;
environment ``GRIDPAY_GATEWAY__<FIELD>``). Defaults run against the local stack."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class AttestedModel(BaseModel):
    """A model the grid accepts: nodes must claim this exact file."""

    id: str
    sha256: str
    #: Parameter count (decides the price tier).
    params: int
    #: A local copy of the GGUF, for the gateway's own token count (only its
    #: vocabulary is loaded).
    path: Path


class GatewaySettings(BaseModel):
    #: Serve the grid API from the facilitator.
    enabled: bool = True
    #: Models nodes may serve; empty: none (the harness fills this in).
    models: list[AttestedModel] = Field(default_factory=list)
    #: Solana JSON-RPC of job_escrow and staking (default: the local endpoints file).
    solana_rpc_url: str | None = None
    #: Keypair JSON (64-byte array) of job_escrow's settlement authority.
    settlement_key_file: Path | None = None
    #: ``max_tokens`` when a request names none, and the most a request may ask.
    default_max_tokens: int = 256
    max_tokens_limit: int = 4096
    #: Seconds a node may take for a whole job before it is abandoned and refunded
    #: (economics.md: 120 s).
    job_timeout_seconds: float = 120.0
    #: Seconds a node may stay silent mid-answer before the job is abandoned.
    node_idle_timeout_seconds: float = 30.0
    #: Seconds an eligibility (stake) lookup is trusted.
    eligibility_ttl_seconds: float = 5.0
    #: Retry-After when every eligible node is busy (429) or none is eligible (503).
    retry_after_seconds: int = 2
    #: Seconds a node's signed registration may be older than the gateway's clock.
    registration_max_age_seconds: int = 300
    #: Seconds a node receipt's signed_at may differ from the gateway's clock.
    receipt_max_skew_seconds: int = 300
