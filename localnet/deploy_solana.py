"""Deploy job_escrow and staking onto a Solana cluster, initialize them and fund
the test wallets: the Solana half of `gridpay up`.

Works against any JSON-RPC endpoint. On the embedded validator the boot hook
(``localnet.solana_chain.boot``) has already written the programs, mints and
wallets; what is found in place is checked and kept. On a user's
solana-test-validator or surfpool the programs go through the upgradeable
loader as `solana program deploy` sends them (buffer, chunked writes,
DeployWithMaxDataLen), or an Upgrade when a different build is deployed under
our upgrade authority. Every step is idempotent: running it twice sends nothing.

Keys are the deterministic test keys of ``localnet.solana_chain``: the deployer
is upgrade authority and admin of both programs; the ``gateway`` wallet is
job_escrow's settlement authority (the facilitator's gateway locks and
settles jobs with it); the ``treasury`` wallet's token accounts receive the
protocol's fees and slashed stake. Config values come from the settings.
"""

from __future__ import annotations

import asyncio
import base64
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.account import Account
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT
from solders.transaction import Transaction

from gridpay import ROOT
from gridpay.keys import local_program_keypair
from gridpay.settings import Settings, get_settings
from localnet.solana_chain import (
    DEPLOYER,
    MINT_AUTHORITY,
    SGL_DECIMALS,
    SGL_MINT,
    USDC_DECIMALS,
    USDC_MINT,
    WALLET_NAMES,
    WALLET_SGL,
    WALLET_SOL,
    WALLET_USDC,
    anchor_program_ids,
    wallet,
)
from pyclients.solana import escrow, staking
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.common.token import (
    TokenAccount,
    associated_token_address,
    create_ata_idempotent,
    mint_to,
)
from pyclients.solana.common.transport import RpcTransport
from toolchain.sbf.deploy import (
    BUFFER_HEADER,
    LOADER_V3,
    PROGRAM_SIZE,
    SYSTEM_PROGRAM,
    deploy_with_max_data_len,
    initialize_buffer,
    programdata_address,
    write,
)

#: The programs `gridpay up` deploys, with the client module that speaks to each.
PROGRAMS = {"job_escrow": escrow, "staking": staking}
#: job_escrow's settlement authority, and the owner of the fee and penalty accounts.
SETTLEMENT_AUTHORITY = "gateway"
TREASURY = "treasury"
LAMPORTS_PER_SOL = 1_000_000_000


@dataclass(frozen=True)
class WalletSpec:
    """What a funded test wallet holds at least (base units)."""

    lamports: int
    usdc: int = 0
    sgl: int = 0


def wallet_specs() -> dict[str, WalletSpec]:
    """Every funded key: the boot wallets, the deployer (admin and upgrade
    authority), the settlement authority and the treasury."""
    specs = {name: WalletSpec(WALLET_SOL, WALLET_USDC, WALLET_SGL) for name in WALLET_NAMES}
    specs["deployer"] = WalletSpec(WALLET_SOL)
    specs[SETTLEMENT_AUTHORITY] = WalletSpec(WALLET_SOL)
    specs[TREASURY] = WalletSpec(LAMPORTS_PER_SOL)
    return specs


def wallet_keypair(name: str) -> Keypair:
    return DEPLOYER if name == "deployer" else wallet(name)


class DeployError(RuntimeError):
    """Deploying or initializing failed; the message says what and why."""


class MissingBuild(DeployError):
    """The programs are not built."""


# --- the build -------------------------------------------------------------


@dataclass(frozen=True)
class BuiltProgram:
    name: str
    program_id: Pubkey
    so_path: Path

    def keypair(self) -> Keypair:
        return local_program_keypair(self.name)


def built_programs(settings: Settings | None = None) -> dict[str, BuiltProgram]:
    """The .so files of job_escrow and staking and their ids (Anchor.toml, which
    must agree with the IDLs the clients use). Raises :class:`MissingBuild`."""
    settings = settings or get_settings()
    deploy_dir = settings.target_dir / "deploy"
    missing = [
        f"{deploy_dir / name}.so" for name in PROGRAMS if not (deploy_dir / f"{name}.so").is_file()
    ]
    if missing:
        raise MissingBuild(
            f"{' and '.join(PROGRAMS)} are not built ({', '.join(missing)} missing): "
            "run `gridpay build`"
        )
    ids = anchor_program_ids(ROOT / "Anchor.toml")
    out = {}
    for name, client in PROGRAMS.items():
        key = local_program_keypair(name).pubkey()
        if ids.get(name) != key or client.PROGRAM_ID != key:
            raise DeployError(
                f"{name}: Anchor.toml ({ids.get(name)}), the IDL ({client.PROGRAM_ID}) and the "
                f"local deploy key ({key}) disagree: run `gridpay build`"
            )
        out[name] = BuiltProgram(name, key, deploy_dir / f"{name}.so")
    return out


# --- what was deployed -----------------------------------------------------


@dataclass
class SolanaDeployment:
    """Everything a client needs about the Solana side (the endpoints file's
    "solana" section)."""

    rpc_url: str
    ws_url: str
    genesis_hash: str
    programs: dict[str, Pubkey]
    escrow: escrow.Config
    staking: staking.Config
    #: What each step did, e.g. {"job_escrow": "deployed", "escrow config": "initialized"}.
    actions: dict[str, str] = field(default_factory=dict)
    pid: int | None = None

    @property
    def network(self) -> str:
        """The CAIP-2 id x402 uses: ``solana:<genesis hash[:32]>``."""
        return f"solana:{self.genesis_hash[:32]}"

    def to_json(self) -> dict[str, Any]:
        e, s = self.escrow, self.staking
        return {
            "rpc_url": self.rpc_url,
            "ws_url": self.ws_url,
            "network": self.network,
            "genesis_hash": self.genesis_hash,
            "pid": self.pid,
            "programs": {name: str(key) for name, key in self.programs.items()},
            "mints": {"USDC": str(USDC_MINT), "SGL": str(SGL_MINT)},
            "decimals": {"USDC": USDC_DECIMALS, "SGL": SGL_DECIMALS},
            "mint_authority": _key_json(MINT_AUTHORITY),
            "escrow": {
                "program_id": str(self.programs["job_escrow"]),
                "config": str(escrow.EscrowProgram(self.programs["job_escrow"]).config_address()),
                "admin": str(e.admin),
                "usdc_mint": str(e.usdc_mint),
                "vault": str(e.vault),
                "treasury": str(e.treasury),
                "settlement_authority": str(e.settlement_authority),
                "worker_bps": e.worker_bps,
                "job_timeout": e.job_timeout,
                "min_purchase_credits": e.min_purchase_credits,
            },
            "staking": {
                "program_id": str(self.programs["staking"]),
                "config": str(staking.StakingProgram(self.programs["staking"]).config_address()),
                "admin": str(s.admin),
                "sgl_mint": str(s.sgl_mint),
                "vault": str(s.vault),
                "penalty_vault": str(s.penalty_vault),
                "min_stake": list(s.min_stake),
                "cooldown_seconds": list(s.cooldown_seconds),
                "slash_cap_bps": s.slash_cap_bps,
            },
            "wallets": {
                name: {
                    **_key_json(wallet_keypair(name)),
                    "lamports": spec.lamports,
                    "usdc": spec.usdc,
                    "sgl": spec.sgl,
                }
                for name, spec in wallet_specs().items()
            },
        }


def _key_json(kp: Keypair) -> dict[str, Any]:
    """A test key in both usual spellings: base58 (wallets, solders) and the
    64-byte array of a solana CLI keypair file."""
    return {"pubkey": str(kp.pubkey()), "secretKey": str(kp), "secret_key": list(bytes(kp))}


# --- sending ---------------------------------------------------------------


class _Sender:
    """Signs and sends transactions to one RPC; batches wait for confirmation
    together (program writes are independent of one another)."""

    def __init__(self, url: str) -> None:
        self.transport = RpcTransport(url)
        self.client: AsyncClient = self.transport.client

    async def blockhash(self) -> Hash:
        return (await self.client.get_latest_blockhash(Confirmed)).value.blockhash

    async def send(
        self, ixs: Sequence[Instruction], signers: Sequence[Keypair], what: str, errors: Any = None
    ) -> None:
        """One transaction, preflight on; raises DeployError naming ``what``."""
        try:
            await self.transport.send(ixs, signers)
        except TransactionFailed as exc:
            named = errors.decode(exc) if errors is not None else exc
            logs = "\n  ".join(exc.logs[-8:])
            raise DeployError(f"{what} failed: {named}" + (f"\n  {logs}" if logs else "")) from exc

    async def send_all(self, txs: Sequence[Transaction], what: str, timeout: float = 60.0) -> None:
        """Send without preflight, resend what has not landed every 2 s, and wait
        until every one is confirmed."""
        pending: dict[Signature, Transaction] = {tx.signatures[0]: tx for tx in txs}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        next_send = 0.0
        while pending:
            if loop.time() >= next_send:
                await asyncio.gather(*(self._send_raw(tx) for tx in pending.values()))
                next_send = loop.time() + 2.0
            sigs = list(pending)
            for start in range(0, len(sigs), 256):
                batch = sigs[start : start + 256]
                statuses = (await self.client.get_signature_statuses(batch)).value
                for sig, status in zip(batch, statuses, strict=True):
                    if status is None:
                        continue
                    if status.err is not None:
                        raise DeployError(f"{what} failed: {status.err} (transaction {sig})")
                    if status.confirmation_status is not None and str(
                        status.confirmation_status
                    ).endswith(("Confirmed", "Finalized")):
                        del pending[sig]
            if pending:
                if loop.time() > deadline:
                    raise DeployError(
                        f"{what}: {len(pending)} transactions not confirmed after {timeout}s"
                    )
                await asyncio.sleep(0.05)

    async def _send_raw(self, tx: Transaction) -> None:
        try:
            await self.client.send_raw_transaction(bytes(tx), opts=TxOpts(skip_preflight=True))
        except RPCException:
            pass  # a resend of a landed transaction; its status says how it went

    async def airdrop(self, to: Pubkey, lamports: int) -> None:
        try:
            sig = (await self.client.request_airdrop(to, lamports)).value
        except RPCException as exc:
            raise DeployError(f"airdrop of {lamports} lamports to {to} refused: {exc}") from exc
        await self.client.confirm_transaction(sig, Confirmed)

    async def set_token_balance(self, owner: Pubkey, mint: Pubkey, amount: int) -> None:
        """surfpool's cheat code for a mint whose authority is not ours (a forked one)."""
        import httpx  # solana-py has no call for a non-standard method

        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                self.transport.url,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "surfnet_setTokenAccount",
                    "params": [str(owner), str(mint), {"amount": amount}],
                },
            )
        answer = response.json()
        if "error" in answer:
            reason = answer["error"].get("message")
            raise DeployError(
                f"cannot fund {owner} with mint {mint}: the mint's authority is not the test mint "
                f"authority and the RPC has no surfnet_setTokenAccount ({reason})"
            )

    async def close(self) -> None:
        await self.transport.close()


# --- programs --------------------------------------------------------------

_UPGRADE = 3
_EXTEND_PROGRAM = 6
#: ProgramData header: tag (4) + deploy slot (8) + Option<Pubkey> upgrade authority (1 + 32).
PROGRAMDATA_HEADER = 45


def upgrade(program_id: Pubkey, buffer: Pubkey, spill: Pubkey, authority: Pubkey) -> Instruction:
    """Loader v3 Upgrade: replace the program's code with the buffer's."""
    return Instruction(
        LOADER_V3,
        struct.pack("<I", _UPGRADE),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(spill, False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(authority, True, False),
        ],
    )


def extend_program(program_id: Pubkey, payer: Pubkey, additional_bytes: int) -> Instruction:
    """Loader v3 ExtendProgram: grow the ProgramData account (the payer funds the rent)."""
    return Instruction(
        LOADER_V3,
        struct.pack("<II", _EXTEND_PROGRAM, additional_bytes),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(SYSTEM_PROGRAM, False, False),
            AccountMeta(payer, True, True),
        ],
    )


def _write_chunk_size() -> int:
    """The largest Write payload that fits a 1232-byte transaction (one signer)."""
    probe = Transaction.new_signed_with_payer(
        [write(Pubkey.default(), DEPLOYER.pubkey(), 0, b"")],
        DEPLOYER.pubkey(),
        [DEPLOYER],
        Hash.default(),
    )
    # Instruction data grows past 127 bytes, so its compact length takes one more byte.
    return 1232 - len(bytes(probe)) - 1


@dataclass(frozen=True)
class DeployedProgram:
    """What is at a program id: absent, or a loader v3 program with its code."""

    exists: bool
    upgradeable: bool = False
    authority: Pubkey | None = None
    code: bytes = b""


async def read_program(client: AsyncClient, program_id: Pubkey) -> DeployedProgram:
    account = (await client.get_account_info(program_id)).value
    if account is None:
        return DeployedProgram(exists=False)
    if account.owner != LOADER_V3:
        return DeployedProgram(exists=True)
    programdata = (await client.get_account_info(programdata_address(program_id))).value
    if programdata is None:
        return DeployedProgram(exists=True)
    data = bytes(programdata.data)
    authority = Pubkey.from_bytes(data[13:45]) if data[12] == 1 else None
    return DeployedProgram(True, True, authority, data[PROGRAMDATA_HEADER:])


def _same_code(deployed: bytes, elf: bytes) -> bool:
    """The ProgramData holds the ELF followed by zero padding up to its max length."""
    return deployed[: len(elf)] == elf and not deployed[len(elf) :].strip(b"\0")


async def ensure_program(
    sender: _Sender, program: BuiltProgram, progress: Callable[[str], None]
) -> str:
    """Deploy (or upgrade) ``program`` through the upgradeable loader unless the
    same code is already there. Returns what was done."""
    elf = program.so_path.read_bytes()
    deployed = await read_program(sender.client, program.program_id)
    if deployed.exists and _same_code(deployed.code, elf):
        return "already deployed"
    if deployed.exists and (not deployed.upgradeable or deployed.authority != DEPLOYER.pubkey()):
        why = (
            f"its upgrade authority is {deployed.authority}"
            if deployed.upgradeable
            else "it is not upgradeable"
        )
        raise DeployError(
            f"{program.name}: a different program is deployed at {program.program_id} and {why}; "
            "deploy to a fresh validator"
        )
    buffer = Keypair()
    size = BUFFER_HEADER + len(elf)
    rent = (await sender.client.get_minimum_balance_for_rent_exemption(size)).value
    await sender.send(
        [
            create_account(
                CreateAccountParams(
                    from_pubkey=DEPLOYER.pubkey(),
                    to_pubkey=buffer.pubkey(),
                    lamports=rent,
                    space=size,
                    owner=LOADER_V3,
                )
            ),
            initialize_buffer(buffer.pubkey(), DEPLOYER.pubkey()),
        ],
        [DEPLOYER, buffer],
        f"{program.name}: creating the loader buffer",
    )
    chunk = _write_chunk_size()
    blockhash = await sender.blockhash()
    writes = [
        Transaction.new_signed_with_payer(
            [write(buffer.pubkey(), DEPLOYER.pubkey(), offset, elf[offset : offset + chunk])],
            DEPLOYER.pubkey(),
            [DEPLOYER],
            blockhash,
        )
        for offset in range(0, len(elf), chunk)
    ]
    progress(f"{program.name}: writing {len(elf):,} bytes in {len(writes)} transactions")
    await sender.send_all(writes, f"{program.name}: writing the buffer")
    if not deployed.exists:
        program_rent = (
            await sender.client.get_minimum_balance_for_rent_exemption(PROGRAM_SIZE)
        ).value
        await sender.send(
            [
                create_account(
                    CreateAccountParams(
                        from_pubkey=DEPLOYER.pubkey(),
                        to_pubkey=program.program_id,
                        lamports=program_rent,
                        space=PROGRAM_SIZE,
                        owner=LOADER_V3,
                    )
                ),
                deploy_with_max_data_len(
                    DEPLOYER.pubkey(),
                    program.program_id,
                    buffer.pubkey(),
                    DEPLOYER.pubkey(),
                    2 * len(elf),
                ),
            ],
            [DEPLOYER, program.keypair()],
            f"{program.name}: deploying",
        )
        return "deployed"
    ixs = []
    if len(elf) > len(deployed.code):
        ixs.append(
            extend_program(program.program_id, DEPLOYER.pubkey(), len(elf) - len(deployed.code))
        )
    ixs.append(upgrade(program.program_id, buffer.pubkey(), DEPLOYER.pubkey(), DEPLOYER.pubkey()))
    await sender.send(ixs, [DEPLOYER], f"{program.name}: upgrading")
    return "upgraded"


# --- tokens and wallets ----------------------------------------------------


class MissingMints(DeployError):
    """The cluster lacks the USDC/SGL mints at their fixed addresses."""


async def mint_authorities(client: AsyncClient, state_dir: Path) -> dict[Pubkey, Pubkey | None]:
    """The mint authority of USDC and SGL on the cluster. A mint at a fixed
    address cannot be created by a transaction, so when one is missing the
    account files solana-test-validator loads are written and named."""
    accounts = (await client.get_multiple_accounts([USDC_MINT, SGL_MINT])).value
    if any(account is None for account in accounts):
        files = write_genesis_account_files(state_dir / "solana-accounts")
        flags = " ".join(f"--account {address} {path}" for address, path in files)
        raise MissingMints(
            f"the USDC mint {USDC_MINT} and SGL mint {SGL_MINT} must exist on the cluster "
            f"(no transaction can create a mint at a fixed address). Start the validator with "
            f"them: solana-test-validator {flags}"
        )
    out = {}
    for mint, account in zip((USDC_MINT, SGL_MINT), accounts, strict=True):
        data = bytes(account.data)
        out[mint] = Pubkey.from_bytes(data[4:36]) if data[:4] == b"\x01\0\0\0" else None
    return out


async def top_up_sol(sender: _Sender, names: Sequence[str]) -> int:
    """Airdrop each named wallet up to its SOL; returns how many needed it."""
    specs = wallet_specs()
    keys = [wallet_keypair(name).pubkey() for name in names]
    accounts = (await sender.client.get_multiple_accounts(keys)).value
    short = [
        (key, specs[name].lamports - (account.lamports if account else 0))
        for name, key, account in zip(names, keys, accounts, strict=True)
    ]
    short = [(key, lamports) for key, lamports in short if lamports > 0]
    await asyncio.gather(*(sender.airdrop(key, lamports) for key, lamports in short))
    return len(short)


async def fund_wallets(sender: _Sender, authorities: dict[Pubkey, Pubkey | None]) -> str:
    """Top every test wallet up to its :class:`WalletSpec`: SOL by airdrop, tokens
    minted by the test mint authority, or set by surfpool's ``surfnet_setTokenAccount``
    when the mint is a forked mainnet one. Returns what was done."""
    specs = wallet_specs()
    client = sender.client
    keys = {name: wallet_keypair(name).pubkey() for name in specs}
    ixs: list[Instruction] = []
    cheats = 0
    for mint, decimals, want in (
        (USDC_MINT, USDC_DECIMALS, "usdc"),
        (SGL_MINT, SGL_DECIMALS, "sgl"),
    ):
        owners = [name for name, spec in specs.items() if getattr(spec, want)]
        atas = [associated_token_address(keys[name], mint) for name in owners]
        accounts = (await client.get_multiple_accounts(atas)).value
        for name, ata, account in zip(owners, atas, accounts, strict=True):
            target = getattr(specs[name], want)
            held = TokenAccount.decode(bytes(account.data)).amount if account else 0
            if held >= target:
                continue
            if authorities[mint] == MINT_AUTHORITY.pubkey():
                ixs += [
                    create_ata_idempotent(DEPLOYER.pubkey(), keys[name], mint),
                    mint_to(mint, ata, MINT_AUTHORITY.pubkey(), target - held, decimals),
                ]
            else:
                await sender.set_token_balance(keys[name], mint, target)
                cheats += 1
    for start in range(0, len(ixs), 8):  # 4 wallets per transaction stays under the size limit
        await sender.send(
            ixs[start : start + 8], [DEPLOYER, MINT_AUTHORITY], "funding the test wallets"
        )
    # SOL last: the deployer has just paid for the token accounts.
    funded = await top_up_sol(sender, list(specs)) + len(ixs) // 2 + cheats
    return f"{funded} top-ups" if funded else "already funded"


# --- initialization --------------------------------------------------------


def staking_params(settings: Settings) -> staking.Params:
    min_stake = [0] * staking.ROLE_COUNT
    min_stake[staking.ROLE_COMPUTE] = settings.staking_min_compute_stake
    return staking.Params(
        tuple(min_stake),
        (settings.staking_cooldown_seconds,) * staking.ROLE_COUNT,
        settings.staking_slash_cap_bps,
    )


async def ensure_escrow(sender: _Sender, settings: Settings) -> tuple[escrow.Config, str]:
    client = escrow.EscrowClient(sender.transport)
    treasury_owner = wallet(TREASURY).pubkey()
    want = {
        "settlement_authority": wallet(SETTLEMENT_AUTHORITY).pubkey(),
        "treasury": associated_token_address(treasury_owner, USDC_MINT),
        "worker_bps": settings.escrow_worker_bps,
        "job_timeout": settings.escrow_job_timeout_seconds,
        "min_purchase_credits": settings.escrow_min_purchase_credits,
    }
    try:
        current = await client.config(refresh=True)
    except TransactionFailed:  # no config account yet
        await sender.send(
            [
                create_ata_idempotent(DEPLOYER.pubkey(), treasury_owner, USDC_MINT),
                client.program.create_vault(DEPLOYER.pubkey(), USDC_MINT),
                client.program.initialize(admin=DEPLOYER.pubkey(), usdc_mint=USDC_MINT, **want),
            ],
            [DEPLOYER, escrow.program_keypair()],
            "job_escrow: initialize",
            escrow.errors,
        )
        return await client.config(refresh=True), "initialized"
    return await _reconcile(
        "job_escrow",
        current,
        want,
        current.usdc_mint == USDC_MINT,
        f"USDC mint {current.usdc_mint}",
        lambda: client.update_config(DEPLOYER, **want),
        lambda: client.config(refresh=True),
    )


async def ensure_staking(sender: _Sender, settings: Settings) -> tuple[staking.Config, str]:
    client = staking.StakingClient(sender.transport)
    params = staking_params(settings)
    penalty_owner = wallet(TREASURY).pubkey()
    try:
        current = await client.config(refresh=True)
    except TransactionFailed:
        await sender.send(
            [
                create_ata_idempotent(DEPLOYER.pubkey(), penalty_owner, SGL_MINT),
                client.program.create_vault(DEPLOYER.pubkey(), SGL_MINT),
                client.program.initialize(
                    admin=DEPLOYER.pubkey(),
                    sgl_mint=SGL_MINT,
                    penalty_vault=associated_token_address(penalty_owner, SGL_MINT),
                    params=params,
                ),
            ],
            [DEPLOYER, staking.program_keypair()],
            "staking: initialize",
            staking.errors,
        )
        return await client.config(refresh=True), "initialized"
    return await _reconcile(
        "staking",
        current,
        {"params": params},
        current.sgl_mint == SGL_MINT,
        f"SGL mint {current.sgl_mint}",
        lambda: client.update_config(DEPLOYER, params),
        lambda: client.config(refresh=True),
    )


async def _reconcile(
    name: str,
    current: Any,
    want: dict[str, Any],
    same_mint: bool,
    mint: str,
    update: Callable[[], Any],
    reread: Callable[[], Any],
) -> tuple[Any, str]:
    """An existing config (a resumed snapshot, a second run): keep it when it has the
    settings, update it when we are its admin, refuse otherwise."""
    if not same_mint:
        raise DeployError(f"{name} is already initialized with {mint}; deploy to a fresh validator")
    if all(getattr(current, key) == value for key, value in want.items()):
        return current, "already initialized"
    if current.admin != DEPLOYER.pubkey():
        raise DeployError(f"{name} is initialized with other settings by admin {current.admin}")
    try:
        await update()
    except TransactionFailed as exc:
        raise DeployError(f"{name}: update_config failed: {exc}") from exc
    return await reread(), "config updated"


# --- everything ------------------------------------------------------------


async def deploy_solana(
    rpc_url: str,
    *,
    ws_url: str | None = None,
    settings: Settings | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> SolanaDeployment:
    """Deploy, fund and initialize on the cluster at ``rpc_url``."""
    settings = settings or get_settings()
    programs = built_programs(settings)
    sender = _Sender(rpc_url)
    try:
        try:
            genesis_hash = str((await sender.client.get_genesis_hash()).value)
        except Exception as exc:  # noqa: BLE001 - any transport failure means the same to the user
            raise DeployError(f"no Solana JSON-RPC answers at {rpc_url}: {exc}") from exc
        actions: dict[str, str] = {}
        authorities = await mint_authorities(sender.client, settings.state_dir)
        await top_up_sol(sender, ["deployer"])  # it pays for everything below
        progress("deploying job_escrow and staking")
        done = await asyncio.gather(
            *(ensure_program(sender, p, progress) for p in programs.values())
        )
        actions.update(zip(programs, done, strict=True))
        progress("initializing job_escrow and staking")
        (
            (escrow_config, actions["escrow config"]),
            (staking_config, actions["staking config"]),
        ) = await asyncio.gather(ensure_escrow(sender, settings), ensure_staking(sender, settings))
        progress("funding test wallets")
        actions["wallets"] = await fund_wallets(sender, authorities)
    finally:
        await sender.close()
    return SolanaDeployment(
        rpc_url=rpc_url,
        ws_url=ws_url or _default_ws_url(rpc_url),
        genesis_hash=genesis_hash,
        programs={name: p.program_id for name, p in programs.items()},
        escrow=escrow_config,
        staking=staking_config,
        actions=actions,
    )


def _default_ws_url(rpc_url: str) -> str:
    """The validator convention: WebSocket on the RPC port + 1."""
    scheme, _, rest = rpc_url.partition("://")
    host, _, port = rest.rstrip("/").rpartition(":")
    ws_scheme = "wss" if scheme == "https" else "ws"
    if port.isdigit():
        return f"{ws_scheme}://{host}:{int(port) + 1}"
    return f"{ws_scheme}://{rest}"


# --- accounts a validator without cheat codes must start with --------------


def genesis_accounts() -> dict[str, tuple[Pubkey, Account]]:
    """The mints at their fixed addresses, which no transaction can create:
    ``solana-test-validator --account <address> <file>`` loads them."""
    from localnet.solana_rpc.token import MINT_LEN, Mint, pack_mint
    from spl.token.constants import TOKEN_PROGRAM_ID

    out = {}
    for label, mint, decimals in (
        ("usdc-mint", USDC_MINT, USDC_DECIMALS),
        ("sgl-mint", SGL_MINT, SGL_DECIMALS),
    ):
        data = pack_mint(
            Mint(
                mint_authority=MINT_AUTHORITY.pubkey(),
                supply=0,
                decimals=decimals,
                is_initialized=True,
                freeze_authority=None,
            )
        )
        assert len(data) == MINT_LEN
        out[label] = (mint, Account(1_461_600, data, TOKEN_PROGRAM_ID))
    return out


def write_genesis_account_files(directory: Path) -> list[tuple[Pubkey, Path]]:
    """Write :func:`genesis_accounts` as solana-test-validator ``--account`` JSON files."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for label, (address, account) in genesis_accounts().items():
        path = directory / f"{label}.json"
        path.write_text(
            json.dumps(
                {
                    "pubkey": str(address),
                    "account": {
                        "lamports": account.lamports,
                        "data": [base64.b64encode(bytes(account.data)).decode(), "base64"],
                        "owner": str(account.owner),
                        "executable": False,
                        "rentEpoch": 0,
                        "space": len(bytes(account.data)),
                    },
                },
                indent=2,
            )
            + "\n"
        )
        out.append((address, path))
    return out
