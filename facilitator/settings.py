"""The facilitator's part of the one settings object
(``get_settings().facilitator``; environment ``GRIDPAY_FACILITATOR__<FIELD>``).

Secrets never come from the command line: relayer and fee-payer keys are read
from files named here (``*_key_file``), or, on the local stack, from the
endpoints file ``gridpay up`` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class NetworkConfig(BaseModel):
    """One payment network the facilitator settles on: a chain, its RPC, one
    token and how that token is paid."""

    #: CAIP-2 id: ``eip155:8453`` or ``solana:<genesis hash prefix>``.
    network: str
    rpc_url: str
    #: Token contract address (EVM) or mint (Solana).
    asset: str
    #: How the token moves: EIP-3009 authorizations, gridpay's recipient-bound
    #: permit path (x402 ``extra.assetTransferMethod``), or an SPL transfer.
    transfer_method: Literal["eip3009", "gridpay-permit", "spl"]
    #: PermitSettlement contract (gridpay-permit only).
    settlement_contract: str | None = None
    #: Name version-1 clients use for this network (``base``, ``megaeth``, ``bsc``, ``solana``).
    v1_name: str | None = None
    #: Token decimals (prices of credits scale with them; amounts are base units).
    decimals: int = 6
    #: Where credit top-ups paid on this network go (payTo); none: no top-ups here.
    treasury: str | None = None


class EscrowCreditsSettings(BaseModel):
    """Credits backed by job_escrow on Solana: an indexer follows the program's
    events into the ledger; requests draw on chunks locked ahead on-chain per
    active wallet, settled in batches."""

    #: Off: the ledger holds off-chain credits only.
    enabled: bool = True
    #: Solana JSON-RPC (default: the configured Solana network's).
    rpc_url: str | None = None
    #: job_escrow's program id (default: the one in its IDL).
    program_id: str | None = None
    #: Keypair JSON (64-byte array) of the escrow config's settlement
    #: authority (default on the local stack: its ``gateway`` wallet).
    authority_key_file: Path | None = None
    #: Wallet whose USDC account receives the worker share of settled chunks
    #: (default: the settlement authority).
    worker: str | None = None
    #: Credits one chunk locks (less when the wallet has less).
    chunk_credits: int = Field(default=500, gt=0)
    #: Lock the next chunk ahead when a wallet's ready credits fall below this.
    low_water_credits: int = Field(default=100, ge=0)
    #: How often the indexer polls the chain for the program's transactions.
    index_interval_seconds: float = Field(default=1.0, gt=0)
    #: How often used credits are settled (batch settle) and idle chunks freed.
    settle_interval_seconds: float = Field(default=5.0, gt=0)
    #: A chunk is settled once it is this old (usage reaches the chain within it).
    settle_after_seconds: float = Field(default=20.0, gt=0)
    #: Stop drawing on a chunk this long before its on-chain lock expires
    #: (after expiry anyone may refund it, and unsettled use would go unpaid).
    expiry_margin_seconds: float = Field(default=30.0, gt=0)
    #: Jobs per settle_jobs transaction (bounded by the transaction size).
    settle_batch: int = Field(default=10, ge=1, le=32)


class FacilitatorSettings(BaseModel):
    """Knobs of ``gridpay facilitator``; defaults run against the local stack."""

    host: str = "127.0.0.1"
    port: int = 4020
    #: SQLAlchemy URL; default ``sqlite:///<state_dir>/facilitator.sqlite3``.
    #: Several replicas share one ``postgresql://`` database.
    database_url: str | None = None
    #: Networks to serve; empty: those in the local endpoints file.
    networks: list[NetworkConfig] = Field(default_factory=list)
    #: This replica's name in the payment log's leases (default: the host name).
    #: Each replica needs its own, and its own relayer key: on start, a replica
    #: takes back the payments its previous run was settling.
    replica_id: str | None = None
    #: Hex private key of the EVM relayer (pays gas), one per replica.
    evm_relayer_key_file: Path | None = None
    #: Solana keypair JSON (64-byte array) of the fee payer.
    svm_fee_payer_key_file: Path | None = None

    #: How long /settle waits for confirmation before answering "pending".
    settle_wait_seconds: float = 20.0
    #: How long a settling worker holds a payment before another may take it.
    claim_lease_seconds: float = 120.0
    #: Retry-After sent with a 503 when a chain's RPC is unreachable.
    retry_after_seconds: int = 5
    #: How often the reconciler looks at pending payments.
    reconcile_interval_seconds: float = 5.0
    #: Solana: highest compute-unit price (micro-lamports) a payer may set.
    svm_max_compute_unit_price: int = 5_000_000
    #: Solana: highest compute-unit limit a payer may set.
    svm_max_compute_unit_limit: int = 200_000

    #: Largest request body accepted, in bytes.
    max_request_bytes: int = 64 * 1024
    #: Requests per minute per API key (and per client address without one).
    rate_limit_per_minute: int = 600
    #: Product scopes an API key may be created for.
    api_key_scopes: list[str] = Field(default_factory=lambda: ["grid", "compute", "machines"])
    #: Seconds a wallet-ownership challenge stays signable.
    challenge_ttl_seconds: int = 300

    #: Credits: one credit is worth this many base units of a 6-decimal USDC.
    credit_base_units: int = 10_000
    #: Smallest top-up, in credits.
    min_topup_credits: int = 100
    #: ``credit.low`` fires when a balance falls below this many credits.
    credit_low_threshold: int = 100
    #: Where ``credit.low`` webhooks go (none: no webhooks).
    webhook_url: str | None = None
    #: File holding the HMAC key that signs webhooks.
    webhook_secret_file: Path | None = None
    #: Credits bought on-chain through job_escrow (Solana).
    escrow: EscrowCreditsSettings = Field(default_factory=EscrowCreditsSettings)
