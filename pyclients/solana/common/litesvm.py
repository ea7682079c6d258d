"""An in-process chain for tests and benchmarks: a ``solders.litesvm.LiteSVM``
with a realistic clock, SPL mints and funded wallets, behind the same
:class:`~pyclients.solana.common.transport.LiteSvmTransport` the program
clients use."""

from __future__ import annotations

from dataclasses import dataclass

from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey

from pyclients.solana.common import token
from pyclients.solana.common.transport import LiteSvmTransport

#: A realistic cluster time to start from (LiteSVM starts at 0).
START_TIME = 1_750_000_000
LAMPORTS_PER_SOL = 1_000_000_000


@dataclass
class LocalChain:
    """A LiteSVM with one SPL mint whose authority is ``mint_authority``."""

    svm: LiteSVM
    transport: LiteSvmTransport
    mint_authority: Keypair
    mint: Pubkey
    decimals: int

    @classmethod
    async def start(cls, *, decimals: int = 6, start_time: int = START_TIME) -> LocalChain:
        svm = LiteSVM()
        clock = svm.get_clock()
        clock.unix_timestamp = start_time
        svm.set_clock(clock)
        transport = LiteSvmTransport(svm)
        authority, mint = Keypair(), Keypair()
        svm.airdrop(authority.pubkey(), 100 * LAMPORTS_PER_SOL)
        rent = svm.minimum_balance_for_rent_exemption(token.MINT_LEN)
        await transport.send(
            token.create_mint_instructions(authority.pubkey(), mint.pubkey(), authority.pubkey(), decimals, rent),
            [authority, mint],
        )
        return cls(svm, transport, authority, mint.pubkey(), decimals)

    def ata(self, owner: Pubkey | Keypair) -> Pubkey:
        key = owner.pubkey() if isinstance(owner, Keypair) else owner
        return token.associated_token_address(key, self.mint)

    def token_balance(self, account: Pubkey) -> int:
        """Balance of a token account (0 when it does not exist)."""
        acc = self.svm.get_account(account)
        return 0 if acc is None or not acc.data else token.TokenAccount.decode(bytes(acc.data)).amount

    async def wallet(self, tokens: int = 0, *, keypair: Keypair | None = None, sol: int = 10) -> Keypair:
        """A keypair with ``sol`` SOL and an associated token account
        holding ``tokens`` base units."""
        kp = keypair or Keypair()
        self.svm.airdrop(kp.pubkey(), sol * LAMPORTS_PER_SOL)
        payer = self.mint_authority
        ixs = [token.create_ata_idempotent(payer.pubkey(), kp.pubkey(), self.mint)]
        if tokens:
            ixs.append(token.mint_to(self.mint, self.ata(kp), payer.pubkey(), tokens, self.decimals))
        await self.transport.send(ixs, [payer])
        return kp

    def now(self) -> int:
        return self.svm.get_clock().unix_timestamp

    def warp(self, seconds: int) -> None:
        """Moves the clock (and the slot) forward."""
        clock = self.svm.get_clock()
        clock.unix_timestamp += seconds
        clock.slot += max(1, seconds * 2)
        self.svm.set_clock(clock)
