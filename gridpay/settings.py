"""The one settings object. Every knob is an environment variable prefixed
``GRIDPAY_``; the defaults run the embedded local stack."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from facilitator.gateway.settings import GatewaySettings
from facilitator.settings import FacilitatorSettings
from gridpay import ROOT


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDPAY_", env_nested_delimiter="__")

    #: Where local state lives: chain endpoints file, pid files, logs, stores.
    state_dir: Path = ROOT / ".gridpay"
    #: Build outputs (contract artifacts, program .so files).
    target_dir: Path = ROOT / "target"
    #: Project-local npm tools (solcjs, anvil).
    node_modules: Path = ROOT / "node_modules"

    #: Solidity compiler version of the npm `solc` package (package.json pins it).
    solc_version: str = "0.8.30"
    #: EVM version targeted by the contracts; anvil's default hardfork runs it.
    evm_version: str = "cancun"

    #: Seconds of block-time margin applied to authorization time windows.
    evm_validity_margin_seconds: int = 6

    #: Local Solana validator (localnet/solana_rpc): JSON-RPC port (WebSocket on port + 1
    #: as well as on the same port), milliseconds per slot, and the network it presents
    #: to x402 peers: "devnet" (devnet's genesis hash, so unmodified x402 SDKs accept
    #: it) or "local" (its own genesis hash).
    solana_rpc_port: int = 8899
    solana_slot_ms: int = 400
    solana_network: str = "devnet"

    #: What `gridpay up` initializes the programs with (economics.md defaults).
    #: job_escrow: worker share of a settled job in basis points, job timeout in
    #: seconds, smallest credit purchase; staking: compute-role minimum stake in SGL
    #: base units (6 decimals), unstake cooldown in seconds, slash cap per proof.
    escrow_worker_bps: int = 8_000
    escrow_job_timeout_seconds: int = 120
    escrow_min_purchase_credits: int = 100
    staking_min_compute_stake: int = 50_000 * 10**6
    staking_cooldown_seconds: int = 7 * 86_400
    staking_slash_cap_bps: int = 1_000

    #: The x402 facilitator (facilitator/settings.py documents each knob).
    facilitator: FacilitatorSettings = Field(default_factory=FacilitatorSettings)
    #: The grid gateway served with it (facilitator/gateway/settings.py).
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)

    @property
    def endpoints_file(self) -> Path:
        """JSON file that `gridpay evm up` / `gridpay up` write for clients."""
        return self.state_dir / "endpoints.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
