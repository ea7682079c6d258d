"""job_escrow on the local validator, initialized with the facilitator's key
as settlement authority, and facilitators whose ledger it backs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from facilitator.credits.escrow import EscrowSource
from facilitator.service import Facilitator
from facilitator.settings import EscrowCreditsSettings
from localnet.solana_chain import USDC_MINT, associated_token_address, fund_token_account, wallet
from localnet.solana_rpc import SolanaLocalnet
from pyclients.solana.common.transport import RpcTransport
from pyclients.solana.escrow import EscrowClient, program_keypair
from tests.facilitator.conftest import make_settings

SOL = 1_000_000_000
SYSTEM = Pubkey.default()


@dataclass
class EscrowWorld:
    net: SolanaLocalnet
    client: EscrowClient  #: for wallets and reads (the facilitator has its own)
    authority: Keypair
    worker: Keypair
    treasury: Pubkey

    @classmethod
    async def start(cls, net: SolanaLocalnet) -> EscrowWorld:
        client = EscrowClient(RpcTransport(net.url))
        authority, worker = wallet("facilitator"), wallet("bob")
        treasury = associated_token_address(wallet("operator").pubkey(), USDC_MINT)
        await client.initialize(wallet("alice"), program_key=program_keypair(), usdc_mint=USDC_MINT, treasury=treasury,
                                settlement_authority=authority.pubkey())
        return cls(net, client, authority, worker, treasury)

    def new_wallet(self, usdc: int = 10_000 * 10**6) -> Keypair:
        """A fresh wallet with SOL for fees and ``usdc`` base units of USDC."""
        kp = Keypair()
        self.net.chain.set_account(kp.pubkey(), Account(10 * SOL, b"", SYSTEM))
        fund_token_account(self.net.chain, kp.pubkey(), USDC_MINT, usdc)
        return kp

    def source(self) -> EscrowSource:
        return EscrowSource(self.net.url, bytes(self.authority), worker=str(self.worker.pubkey()))

    async def usdc(self, owner: Pubkey) -> int:
        return await self.client.token_balance(associated_token_address(owner, USDC_MINT))

    async def fees_owed(self) -> int:
        return (await self.client.config(refresh=True)).fees_owed

    def facilitator(self, db: Path, **escrow: Any) -> Facilitator:
        """A facilitator over ``db`` whose ledger job_escrow backs (not started)."""
        base: dict[str, Any] = dict(index_interval_seconds=0.2, settle_interval_seconds=0.5,
                                    settle_after_seconds=60.0, expiry_margin_seconds=30.0,
                                    chunk_credits=200, low_water_credits=50)
        base.update(escrow)
        settings = make_settings(escrow=EscrowCreditsSettings(**base))
        return Facilitator.create(settings, [], database_url=f"sqlite:///{db}",
                                  escrow=self.source())
