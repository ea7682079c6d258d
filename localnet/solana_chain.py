"""Boot state of the local Solana chain: token mints, funded test wallets, programs.

Everything here is deterministic: keypairs come from fixed labels, so the
same wallets, mint authority and upgrade authority exist on every run and in
every process (tests, the facilitator, the harness) without sharing files.

- USDC at its mainnet mint address (and at devnet's when the chain presents
  devnet's network id), SGL at its own address, all 6 decimals
  (the economics note counts credits in 6-decimal USDC base units; SGL uses the
  same precision so stake amounts read alike), with one test mint authority;
- wallets funded with SOL plus USDC and SGL in their associated token accounts;
- the SBF programs found in ``target/deploy`` under the ids in ``Anchor.toml``,
  deployed under the upgradeable loader with the deployer as upgrade authority.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from solders.account import Account
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from gridpay import ROOT
from gridpay.settings import get_settings
from localnet.solana_rpc.chain import Chain, keypair_from_seed
from localnet.solana_rpc.token import (
    ACCOUNT_LEN,
    ASSOCIATED_TOKEN_PROGRAM_ID,
    MINT_LEN,
    TOKEN_PROGRAM_ID,
    Mint,
    TokenAccount,
    pack_account,
    pack_mint,
)

LAMPORTS_PER_SOL = 1_000_000_000

USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
#: Devnet's USDC mint: the default asset public x402 servers pick for devnet, so a
#: chain presenting devnet's id carries it too.
USDC_DEVNET_MINT = Pubkey.from_string("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU")
SGL_MINT = Pubkey.from_string("5c4HyD2rSShqnTsf5z3SaoD2H3GE452u2CUuYjviBAGS")
USDC_DECIMALS = 6
SGL_DECIMALS = 6

#: Named test wallets: the x402 fee payer, a paying client, a node operator, two spares.
WALLET_NAMES = ("facilitator", "payer", "operator", "alice", "bob")
WALLET_SOL = 100 * LAMPORTS_PER_SOL
WALLET_USDC = 1_000_000 * 10**USDC_DECIMALS
WALLET_SGL = 1_000_000 * 10**SGL_DECIMALS


def wallet(name: str) -> Keypair:
    """The deterministic keypair of a test wallet (any name works; WALLET_NAMES are funded)."""
    return keypair_from_seed(f"wallet:{name}")


MINT_AUTHORITY = keypair_from_seed("mint-authority")
#: Upgrade authority of deployed programs (`solana program deploy`'s default keypair).
DEPLOYER = keypair_from_seed("deployer")


def associated_token_address(
    owner: Pubkey, mint: Pubkey, token_program: Pubkey = TOKEN_PROGRAM_ID
) -> Pubkey:
    address, _ = Pubkey.find_program_address(
        [bytes(owner), bytes(token_program), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM_ID
    )
    return address


@dataclass
class BootState:
    """What `boot` created: for banners, endpoints files and tests."""

    mints: dict[str, Pubkey] = field(default_factory=dict)
    wallets: dict[str, Keypair] = field(default_factory=dict)
    programs: dict[str, Pubkey] = field(default_factory=dict)
    skipped_programs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "mints": {name: str(key) for name, key in self.mints.items()},
            "mintAuthority": str(MINT_AUTHORITY.pubkey()),
            "wallets": {
                name: {"pubkey": str(kp.pubkey()), "secretKey": str(kp)}  # base58, 64 bytes
                for name, kp in self.wallets.items()
            },
            "programs": {name: str(key) for name, key in self.programs.items()},
            "skippedPrograms": self.skipped_programs,
        }


def create_mint(chain: Chain, address: Pubkey, decimals: int, supply: int = 0) -> None:
    data = pack_mint(
        Mint(
            mint_authority=MINT_AUTHORITY.pubkey(),
            supply=supply,
            decimals=decimals,
            is_initialized=True,
            freeze_authority=None,
        )
    )
    rent = chain.svm.minimum_balance_for_rent_exemption(MINT_LEN)
    chain.set_account(address, Account(rent, data, TOKEN_PROGRAM_ID))


def fund_token_account(chain: Chain, owner: Pubkey, mint: Pubkey, amount: int) -> Pubkey:
    """Write the owner's associated token account holding ``amount`` (supply is the caller's)."""
    ata = associated_token_address(owner, mint)
    data = pack_account(
        TokenAccount(
            mint=mint,
            owner=owner,
            amount=amount,
            delegate=None,
            state=1,
            native_reserve=None,
            delegated_amount=0,
            close_authority=None,
        )
    )
    rent = chain.svm.minimum_balance_for_rent_exemption(ACCOUNT_LEN)
    chain.set_account(ata, Account(rent, data, TOKEN_PROGRAM_ID))
    return ata


def anchor_program_ids(anchor_toml: Path) -> dict[str, Pubkey]:
    """Program ids from Anchor.toml's [programs.localnet] table (empty when absent)."""
    if not anchor_toml.exists():
        return {}
    doc = tomllib.loads(anchor_toml.read_text())
    table = doc.get("programs", {}).get("localnet", {})
    return {name: Pubkey.from_string(str(value)) for name, value in table.items()}


def deploy(chain: Chain, program_id: Pubkey, so_path: Path) -> None:
    """Deploy a built program (the hook for programs built after the chain boots)."""
    chain.deploy_program(program_id, Path(so_path).read_bytes(), DEPLOYER.pubkey())


def deploy_built_programs(
    chain: Chain,
    state: BootState,
    anchor_toml: Path | None = None,
    deploy_dir: Path | None = None,
) -> None:
    """Deploy every program Anchor.toml names whose ``<name>.so`` is built; note the rest."""
    anchor_toml = anchor_toml or ROOT / "Anchor.toml"
    deploy_dir = deploy_dir or get_settings().target_dir / "deploy"
    for name, program_id in anchor_program_ids(anchor_toml).items():
        so_path = deploy_dir / f"{name}.so"
        if not so_path.exists():
            state.skipped_programs[name] = f"{so_path} not built"
            continue
        deploy(chain, program_id, so_path)
        state.programs[name] = program_id


def _mints(chain: Chain) -> dict[str, Pubkey]:
    mints = {"USDC": USDC_MINT, "SGL": SGL_MINT}
    if chain.config.network == "devnet":
        mints["USDC-devnet"] = USDC_DEVNET_MINT
    return mints


def describe(chain: Chain, anchor_toml: Path | None = None) -> BootState:
    """The boot state of a chain booted earlier (e.g. resumed from a snapshot).

    Keys are deterministic, so only the programs need looking up on chain.
    """
    state = BootState(mints=_mints(chain), wallets={name: wallet(name) for name in WALLET_NAMES})
    for name, program_id in anchor_program_ids(anchor_toml or ROOT / "Anchor.toml").items():
        account = chain.get_account(program_id)
        if account is not None and account.executable:
            state.programs[name] = program_id
        else:
            state.skipped_programs[name] = "not deployed on this chain"
    return state


def boot(chain: Chain) -> BootState:
    """Write the gridpay boot state into a fresh chain."""
    state = BootState(mints=_mints(chain))
    funding = {"USDC": WALLET_USDC, "SGL": WALLET_SGL, "USDC-devnet": WALLET_USDC}
    decimals = {"USDC": USDC_DECIMALS, "SGL": SGL_DECIMALS, "USDC-devnet": USDC_DECIMALS}
    chain.set_account(DEPLOYER.pubkey(), Account(WALLET_SOL, b"", Pubkey.default()))
    chain.set_account(MINT_AUTHORITY.pubkey(), Account(WALLET_SOL, b"", Pubkey.default()))
    for name in WALLET_NAMES:
        kp = state.wallets[name] = wallet(name)
        chain.set_account(kp.pubkey(), Account(WALLET_SOL, b"", Pubkey.default()))
        for symbol, mint in state.mints.items():
            fund_token_account(chain, kp.pubkey(), mint, funding[symbol])
    for symbol, mint in state.mints.items():
        create_mint(chain, mint, decimals[symbol], supply=funding[symbol] * len(WALLET_NAMES))
    deploy_built_programs(chain, state)
    return state
