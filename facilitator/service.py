"""The facilitator assembled: settings → store, mechanisms, engine, credits,
keys. ``Facilitator.from_settings()`` is what ``gridpay facilitator`` runs;
tests build one the same way with their own networks and database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facilitator.credits.escrow import EscrowBacking, EscrowSource
from facilitator.credits.keys import ApiKeys
from facilitator.credits.ledger import CreditLedger
from facilitator.credits.topup import TopUp
from facilitator.credits.webhooks import Webhooks
from facilitator.engine import Engine
from facilitator.mechanisms.base import Mechanism
from facilitator.mechanisms.registry import Registry
from facilitator.settings import FacilitatorSettings, NetworkConfig
from facilitator.store import Store

log = logging.getLogger("gridpay.facilitator")


@dataclass
class Keys:
    """Secrets the mechanisms sign with (never logged, never on a command line)."""

    evm_relayer: str | None = None
    svm_fee_payer: bytes | None = None  # 64-byte keypair
    #: job_escrow's settlement authority (64-byte keypair).
    escrow_authority: bytes | None = None


def _keypair_bytes(secret: Any) -> bytes:
    """A keypair from a JSON byte array or a base58 string."""
    from solders.keypair import Keypair

    if isinstance(secret, str):
        return bytes(Keypair.from_base58_string(secret))
    return bytes(Keypair.from_bytes(bytes(secret)))


def read_key_file(path: Path) -> str:
    text = path.read_text().strip()
    if not text:
        raise ValueError(f"key file {path} is empty")
    return text


def local_networks(endpoints: dict[str, Any]) -> tuple[list[NetworkConfig], Keys]:
    """Networks and dev keys of the local stack, from the endpoints file that
    `gridpay up` / `gridpay evm up` write."""
    networks: list[NetworkConfig] = []
    keys = Keys()
    for name, chain in (endpoints.get("evm") or {}).items():
        token = chain["token"]
        networks.append(NetworkConfig(
            network=chain["network"], rpc_url=chain["rpc_url"], asset=token["address"],
            transfer_method=token["transfer_method"],
            settlement_contract=chain.get("permit_settlement"), v1_name=name,
            decimals=int(token["decimals"]), treasury=chain["accounts"][-2]["address"]))
        # The last dev account relays: account 0 deploys and mints, payers use the rest.
        keys.evm_relayer = chain["accounts"][-1]["private_key"]
    solana = endpoints.get("solana")
    if solana:
        # the "solana" section `gridpay up` writes: url, network id, the boot
        # state's mints and wallets (secret keys base58, 64 bytes)
        mints = solana.get("mints") or {}
        wallets = solana.get("wallets") or {}
        treasury = (wallets.get("operator") or {}).get("pubkey")
        networks.append(NetworkConfig(
            network=solana.get("network") or solana["networkId"],
            rpc_url=solana.get("rpc_url") or solana["url"],
            asset=mints.get("USDC") or solana["usdc_mint"], transfer_method="spl",
            v1_name=solana.get("v1_name", "solana-devnet"), decimals=6, treasury=treasury))
        secret = (wallets.get("facilitator") or {}).get("secretKey")
        if secret:
            keys.svm_fee_payer = _keypair_bytes(secret)
        # job_escrow's settlement authority on the local stack
        gateway = wallets.get("gateway") or {}
        secret = gateway.get("secretKey") or gateway.get("secret_key")
        if secret:
            keys.escrow_authority = _keypair_bytes(secret)
    return networks, keys


def escrow_source(networks: list[NetworkConfig], settings: FacilitatorSettings,
                  keys: Keys) -> EscrowSource | None:
    """Where job_escrow credits come from: the Solana network's RPC (or the
    configured one) and the settlement authority's key; None when either is
    missing or the backing is switched off."""
    cfg = settings.escrow
    if not cfg.enabled:
        return None
    rpc = cfg.rpc_url or next((n.rpc_url for n in networks if n.transfer_method == "spl"), None)
    authority = keys.escrow_authority
    if cfg.authority_key_file:
        import json

        authority = _keypair_bytes(json.loads(read_key_file(cfg.authority_key_file)))
    if rpc is None or authority is None:
        return None
    return EscrowSource(rpc, authority, cfg.program_id, cfg.worker)


def build_mechanisms(networks: list[NetworkConfig], settings: FacilitatorSettings,
                     keys: Keys) -> list[Mechanism]:
    from facilitator.mechanisms.evm.common import EvmMechanism
    from facilitator.mechanisms.registry import mechanism_classes

    classes = mechanism_classes()
    out: list[Mechanism] = []
    for n in networks:
        mech = classes[n.transfer_method](n, settings)
        if isinstance(mech, EvmMechanism):
            if keys.evm_relayer:
                mech.use_relayer_key(keys.evm_relayer)
        elif keys.svm_fee_payer is not None:
            mech.use_fee_payer(keys.svm_fee_payer)  # type: ignore[attr-defined]
        out.append(mech)
    return out


@dataclass
class Facilitator:
    settings: FacilitatorSettings
    store: Store
    registry: Registry
    engine: Engine
    ledger: CreditLedger
    keys: ApiKeys
    topup: TopUp
    webhooks: Webhooks
    #: job_escrow beneath the ledger (None: off-chain credits only).
    escrow: EscrowBacking | None = None
    ready: bool = field(default=False)
    closed: bool = field(default=False)

    @classmethod
    def create(cls, settings: FacilitatorSettings, mechanisms: list[Mechanism], *,
               database_url: str, worker: str | None = None,
               escrow: EscrowSource | None = None) -> Facilitator:
        store = Store.open(database_url)
        registry = Registry(mechanisms)
        engine = Engine(registry, store, settings, worker=worker)
        webhooks = Webhooks(settings, store)
        ledger = CreditLedger(store, settings, webhooks)
        backing = None
        if escrow is not None:
            backing = EscrowBacking.connect(store, settings.escrow, escrow,
                                            on_change=ledger.forget)
        return cls(settings=settings, store=store, registry=registry, engine=engine,
                   ledger=ledger, keys=ApiKeys(store, settings),
                   topup=TopUp(engine, registry, ledger, settings), webhooks=webhooks,
                   escrow=backing)

    @classmethod
    def from_settings(cls) -> Facilitator:
        """From ``get_settings()``: configured networks and key files, else the
        local stack's endpoints file."""
        from gridpay.settings import get_settings
        from localnet import read_endpoints

        root = get_settings()
        settings = root.facilitator
        networks, keys = list(settings.networks), Keys()
        if not networks:
            networks, keys = local_networks(read_endpoints(root.endpoints_file))
            if not networks:
                raise RuntimeError(f"no networks configured and no local stack in "
                                   f"{root.endpoints_file}: run `gridpay up`, or set "
                                   "GRIDPAY_FACILITATOR__NETWORKS")
        if settings.evm_relayer_key_file:
            keys.evm_relayer = read_key_file(settings.evm_relayer_key_file)
        if settings.svm_fee_payer_key_file:
            import json

            keys.svm_fee_payer = bytes(json.loads(read_key_file(settings.svm_fee_payer_key_file)))
        url = settings.database_url or f"sqlite:///{root.state_dir / 'facilitator.sqlite3'}"
        return cls.create(settings, build_mechanisms(networks, settings, keys), database_url=url,
                          escrow=escrow_source(networks, settings, keys))

    async def start(self) -> None:
        """Connect to every chain, finish what a previous run left pending, then
        report ready."""
        await self.registry.start()
        await self.engine.start()
        await self.webhooks.start()
        if self.escrow is not None:
            try:
                await self.escrow.start()
                self.ledger.escrow = self.escrow
            except Exception as exc:  # noqa: BLE001 - x402 and off-chain credits still serve
                log.error("on-chain credits off: job_escrow unusable: %s", exc)
                await self.escrow.close()
                self.escrow = None
        self.ready = True

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.ready = False
        if self.escrow is not None:
            self.ledger.escrow = None
            await self.escrow.close()
        await self.engine.close()
        await self.webhooks.close()
        await self.registry.close()
        self.store.close()
