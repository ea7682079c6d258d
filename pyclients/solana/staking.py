"""Client of the ``staking`` program: addresses, typed instruction builders,
account decoders, named errors, the slash transaction with its Ed25519
precompile instructions, the eligibility view, and an async high-level
client.

The wire format comes from the IDL checked in beside the program
(``programs/staking/idl.json``); receipts from :mod:`pyclients.solana.receipts`.
Amounts are SGL base units.

    client = StakingClient(LiteSvmTransport(svm))     # or RpcTransport(url)
    await client.stake(operator, 50_000 * 10**6)
    (await client.may_serve(operator.pubkey())).eligible   # True
    await client.slash(anyone, receipt_a, receipt_b)       # on proof of tampering
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import (
    AllocateWithSeedParams,
    CreateAccountWithSeedParams,
    TransferParams,
    allocate_with_seed,
    create_account_with_seed,
    transfer,
)
from solders.sysvar import INSTRUCTIONS

from gridpay.keys import local_program_keypair

from pyclients.solana import receipts as _receipts
from pyclients.solana.common import logs as _logs
from pyclients.solana.common.errors import ProgramError, ProgramErrors, TransactionFailed
from pyclients.solana.common.idl import ProgramIdl
from pyclients.solana.common.litesvm import LocalChain
from pyclients.solana.common.pda import find_pda
from pyclients.solana.common.program import (
    CONFIG_SEED,
    IdlAccount,
    LocalDeployment,
    ProgramBuilder,
    ProgramClient,
)
from pyclients.solana.common.token import (
    TOKEN_PROGRAM_ID,
    associated_token_address,
    create_ata_idempotent,
)
from pyclients.solana.common.transport import Transport, TxResult
from pyclients.solana.receipts import SignedReceipt

IDL_PATH = Path(__file__).resolve().parents[2] / "programs" / "staking" / "idl.json"
IDL = ProgramIdl.load(IDL_PATH)
#: The program id the IDL declares (the local deploy key, see :func:`program_keypair`).
PROGRAM_ID: Pubkey = IDL.address

#: A position lives at ``create_with_seed(operator, "stake:<role>", program)``.
STAKE_SEED_PREFIX = "stake:"
PROOF_SEED = b"proof"

ROLE_COUNT = 4
#: The role that serves inference jobs and signs receipts.
ROLE_COMPUTE = 0
BPS_DENOMINATOR = 10_000
MAX_COOLDOWN_SECONDS = 90 * 86_400
DEFAULT_COOLDOWN_SECONDS = 7 * 86_400
DEFAULT_SLASH_CAP_BPS = 1_000
#: Minimum compute stake in whole SGL (economics.md).
MIN_COMPUTE_STAKE_SGL = 50_000


def program_keypair() -> Keypair:
    """The keypair local deployments put the program at (``gridpay.keys``:
    derived from a public seed, an address for local chains, not a secret)."""
    return local_program_keypair("staking")


class StakingError(ProgramError):
    """staking refused an instruction (a subclass names the check)."""


#: ``errors.CooldownNotElapsed`` etc.: one exception class per IDL error.
errors = ProgramErrors(IDL, StakingError)


@dataclass(frozen=True)
class Params:
    """The settings the admin controls. Amounts in base units, times in seconds."""

    min_stake: tuple[int, ...]
    cooldown_seconds: tuple[int, ...]
    slash_cap_bps: int

    def __post_init__(self) -> None:
        if len(self.min_stake) != ROLE_COUNT or len(self.cooldown_seconds) != ROLE_COUNT:
            raise ValueError(f"min_stake and cooldown_seconds need {ROLE_COUNT} roles each")

    @classmethod
    def default(cls, decimals: int) -> Params:
        """50,000 SGL for the compute role (other roles none), 7-day
        cooldowns, 10 % cap per proof."""
        min_stake = [0] * ROLE_COUNT
        min_stake[ROLE_COMPUTE] = MIN_COMPUTE_STAKE_SGL * 10**decimals
        return cls(tuple(min_stake), (DEFAULT_COOLDOWN_SECONDS,) * ROLE_COUNT, DEFAULT_SLASH_CAP_BPS)

    def to_idl(self) -> dict[str, Any]:
        return {"min_stake": list(self.min_stake), "cooldown_seconds": list(self.cooldown_seconds),
                "slash_cap_bps": self.slash_cap_bps}

    @classmethod
    def from_idl(cls, v: dict[str, Any]) -> Params:
        return cls(tuple(v["min_stake"]), tuple(v["cooldown_seconds"]), v["slash_cap_bps"])


# --- accounts --------------------------------------------------------------

class _Account(IdlAccount):
    IDL = IDL


@dataclass(frozen=True)
class Config(_Account):
    IDL_NAME: ClassVar[str] = "Config"
    admin: Pubkey
    sgl_mint: Pubkey
    vault: Pubkey
    penalty_vault: Pubkey
    min_stake: tuple[int, ...]
    cooldown_seconds: tuple[int, ...]
    slash_cap_bps: int
    paused: bool
    bump: int

    @property
    def params(self) -> Params:
        return Params(self.min_stake, self.cooldown_seconds, self.slash_cap_bps)


@dataclass(frozen=True)
class StakePosition(_Account):
    """One operator's stake in one role."""

    IDL_NAME: ClassVar[str] = "StakePosition"
    operator: Pubkey
    role: int
    staked: int
    unstaking: int
    unstake_requested_at: int
    unstake_available_at: int
    total_slashed: int


@dataclass(frozen=True)
class ProofRecord(_Account):
    """The record of a slash; its existence stops the proof slashing again."""

    IDL_NAME: ClassVar[str] = "ProofRecord"
    operator: Pubkey
    job_id: tuple[int, ...]
    slasher: Pubkey
    proof_hash: tuple[int, ...]
    role: int
    bump: int
    amount: int
    slashed_at: int


@dataclass(frozen=True)
class Eligibility:
    """Whether an operator may serve jobs in a role, and why."""

    operator: Pubkey
    role: int
    eligible: bool
    #: ``eligible``, ``no_stake``, ``in_cooldown`` (enough stake, but not
    #: enough of it active) or ``below_minimum``.
    reason: str
    staked: int
    unstaking: int
    minimum: int


def eligibility(operator: Pubkey, role: int, position: StakePosition | None, minimum: int) -> Eligibility:
    """The program's rule (``Position::eligible``): active stake, not counting
    what is in cooldown, of at least the role's minimum (and above zero)."""
    staked = position.staked if position else 0
    unstaking = position.unstaking if position else 0
    if staked > 0 and staked >= minimum:
        reason = "eligible"
    elif staked + unstaking == 0:
        reason = "no_stake"
    elif staked + unstaking >= max(minimum, 1):
        reason = "in_cooldown"
    else:
        reason = "below_minimum"
    return Eligibility(operator, role, reason == "eligible", reason, staked, unstaking, minimum)


# --- PDAs and instructions -------------------------------------------------


class StakingProgram(ProgramBuilder):
    """PDAs and instruction builders for one deployment of staking."""

    IDL = IDL

    def stake_address(self, operator: Pubkey, role: int = ROLE_COMPUTE) -> Pubkey:
        """The operator's position in ``role``: not a PDA but
        ``create_with_seed(operator, "stake:<role>", program)``, one address
        per (operator, role) that the program checks with one hash whatever
        the key (a PDA's uniqueness costs a hash and a curve test per bump
        below 255)."""
        return Pubkey.create_with_seed(operator, stake_seed(role), self.program_id)

    def open_position(self, *, operator: Pubkey, lamports: int, role: int = ROLE_COMPUTE,
                      prefunded: int = 0) -> list[Instruction]:
        """System instructions creating the operator's position account for
        this program, to precede its first ``stake`` in the same transaction
        (``lamports``: the rent-exempt minimum). ``prefunded``: lamports
        someone already sent to the address, which makes
        ``CreateAccountWithSeed`` fail; then the account is topped up and
        allocated instead."""
        seed, space, address = stake_seed(role), StakePosition.size(), self.stake_address(operator, role)
        if prefunded == 0:
            return [create_account_with_seed(CreateAccountWithSeedParams(
                from_pubkey=operator, to_pubkey=address, base=operator, seed=seed, lamports=lamports,
                space=space, owner=self.program_id))]
        top_up = [transfer(TransferParams(from_pubkey=operator, to_pubkey=address,
                                          lamports=lamports - prefunded))] if prefunded < lamports else []
        return [*top_up, allocate_with_seed(AllocateWithSeedParams(
            address=address, base=operator, seed=seed, space=space, owner=self.program_id))]

    def config_pda(self) -> tuple[Pubkey, int]:
        """The config's address and canonical bump (``initialize`` passes the bump)."""
        return find_pda([CONFIG_SEED], self.program_id)

    def proof_address(self, operator: Pubkey, job_id: bytes) -> Pubkey:
        return find_pda([PROOF_SEED, operator, job_id], self.program_id)[0]

    def initialize(self, *, admin: Pubkey, sgl_mint: Pubkey, penalty_vault: Pubkey, params: Params,
                   vault: Pubkey | None = None, config: tuple[Pubkey, int] | None = None) -> Instruction:
        """``config``: (address, bump) instead of the canonical PDA (attack tests)."""
        address, bump = config or self.config_pda()
        return self._ix(
            "initialize",
            {"admin": admin, "program_key": self.program_id, "config": address, "sgl_mint": sgl_mint,
             "vault": vault or self.vault_address(sgl_mint), "penalty_vault": penalty_vault},
            {"params": params.to_idl(), "config_bump": bump},
        )

    def update_config(self, *, admin: Pubkey, params: Params) -> Instruction:
        return self._ix("update_config", {"admin": admin, "config": self.config_address()},
                        {"params": params.to_idl()})

    def set_paused(self, *, admin: Pubkey, paused: bool) -> Instruction:
        return self._ix("set_paused", {"admin": admin, "config": self.config_address()}, {"paused": paused})

    def stake(self, *, operator: Pubkey, sgl_mint: Pubkey, amount: int, role: int = ROLE_COMPUTE,
              operator_token: Pubkey | None = None, vault: Pubkey | None = None,
              position: Pubkey | None = None) -> Instruction:
        """The stake instruction alone (a first stake needs
        :meth:`open_position` before it). ``position``: another account in
        place of the operator's (attack tests)."""
        return self._ix(
            "stake",
            {"operator": operator, "config": self.config_address(),
             "stake": position or self.stake_address(operator, role),
             "operator_token": operator_token or associated_token_address(operator, sgl_mint),
             "vault": vault or self.vault_address(sgl_mint), "sgl_mint": sgl_mint},
            {"role": role, "amount": amount},
        )

    def request_unstake(self, *, operator: Pubkey, amount: int, role: int = ROLE_COMPUTE) -> Instruction:
        return self._ix(
            "request_unstake",
            {"operator": operator, "config": self.config_address(), "stake": self.stake_address(operator, role)},
            {"amount": amount},
        )

    def cancel_unstake(self, *, operator: Pubkey, role: int = ROLE_COMPUTE) -> Instruction:
        return self._ix("cancel_unstake", {"operator": operator, "stake": self.stake_address(operator, role)})

    def withdraw_unstaked(self, *, operator: Pubkey, sgl_mint: Pubkey, role: int = ROLE_COMPUTE,
                          destination: Pubkey | None = None, vault: Pubkey | None = None) -> Instruction:
        return self._ix(
            "withdraw_unstaked",
            {"operator": operator, "config": self.config_address(),
             "stake": self.stake_address(operator, role), "vault": vault or self.vault_address(sgl_mint),
             "destination": destination or associated_token_address(operator, sgl_mint),
             "sgl_mint": sgl_mint},
        )

    def slash(self, *, slasher: Pubkey, operator: Pubkey, job_id: bytes, sgl_mint: Pubkey,
              penalty_vault: Pubkey, receipt_a_ix: int, receipt_b_ix: int, role: int = ROLE_COMPUTE,
              vault: Pubkey | None = None) -> Instruction:
        """The slash instruction alone; ``receipt_*_ix`` are the positions of
        the receipts' Ed25519 instructions in the transaction."""
        return self._ix(
            "slash",
            {"slasher": slasher, "config": self.config_address(),
             "stake": self.stake_address(operator, role), "proof": self.proof_address(operator, job_id),
             "vault": vault or self.vault_address(sgl_mint), "penalty_vault": penalty_vault,
             "sgl_mint": sgl_mint, "instructions_sysvar": INSTRUCTIONS},
            {"receipt_a_ix": receipt_a_ix, "receipt_b_ix": receipt_b_ix},
        )

    def slash_instructions(self, *, slasher: Pubkey, a: SignedReceipt, b: SignedReceipt, sgl_mint: Pubkey,
                           penalty_vault: Pubkey, role: int = ROLE_COMPUTE, first_index: int = 0,
                           vault: Pubkey | None = None) -> list[Instruction]:
        """The whole proof: one Ed25519 precompile instruction per receipt,
        then the slash pointing at them. ``first_index`` is where the first
        of these lands in the transaction (instructions put before it shift
        the indices). About 1,227 bytes: the transaction has no room for
        more instructions."""
        return [
            _receipts.receipt_instruction(a),
            _receipts.receipt_instruction(b),
            self.slash(slasher=slasher, operator=a.receipt.operator, job_id=a.receipt.job_id,
                       sgl_mint=sgl_mint, penalty_vault=penalty_vault, receipt_a_ix=first_index,
                       receipt_b_ix=first_index + 1, role=role, vault=vault),
        ]


def _check_role(role: int) -> None:
    if not 0 <= role < ROLE_COUNT:
        raise ValueError(f"role must be in 0..{ROLE_COUNT - 1}, got {role}")


def stake_seed(role: int) -> str:
    """The seed of a role's position address: ``"stake:<role>"``."""
    _check_role(role)
    return f"{STAKE_SEED_PREFIX}{role}"


# --- high-level client -----------------------------------------------------


class StakingClient(ProgramClient[StakingProgram, Config]):
    """Async client over any :class:`Transport` (RPC URL or LiteSVM).

    Every write returns the landed :class:`TxResult` (signature, compute
    units, logs) and raises a named :class:`StakingError` when the program
    refuses."""

    PROGRAM = StakingProgram
    CONFIG = Config
    ERRORS = errors
    NAME = "staking"

    # reads

    async def position(self, operator: Pubkey, role: int = ROLE_COMPUTE) -> StakePosition | None:
        """The operator's position; None until its first stake (lamports
        someone sent to the address do not make it a position)."""
        account = await self.transport.get_account(self.program.stake_address(operator, role))
        # Created for this program but not yet staked into: no position either.
        if account is None or account.owner != self.program.program_id or not any(account.data[:8]):
            return None
        return StakePosition.decode(account.data)

    async def proof_record(self, operator: Pubkey, job_id: bytes) -> ProofRecord | None:
        return await self._account(self.program.proof_address(operator, job_id), ProofRecord)

    async def may_serve(self, operator: Pubkey, role: int = ROLE_COMPUTE) -> Eligibility:
        """May this operator serve jobs? Compute-role stake at least the
        configured minimum, not counting what is in cooldown."""
        _check_role(role)
        cfg = await self.config(refresh=True)
        return eligibility(operator, role, await self.position(operator, role), cfg.min_stake[role])

    # writes

    async def initialize(self, admin: Keypair, *, program_key: Keypair, sgl_mint: Pubkey, penalty_vault: Pubkey,
                         params: Params) -> TxResult:
        """Creates the vault (if needed) and the config in one transaction,
        co-signed by ``program_key``, the keypair the program was deployed at."""
        self._check_program_key(program_key)
        return await self._send_admin(
            [self.program.create_vault(admin.pubkey(), sgl_mint),
             self.program.initialize(admin=admin.pubkey(), sgl_mint=sgl_mint, penalty_vault=penalty_vault,
                                     params=params)],
            [admin, program_key],
        )

    async def update_config(self, admin: Keypair, params: Params) -> TxResult:
        return await self._send_admin([self.program.update_config(admin=admin.pubkey(), params=params)], [admin])

    async def set_paused(self, admin: Keypair, paused: bool) -> TxResult:
        return await self._send_admin([self.program.set_paused(admin=admin.pubkey(), paused=paused)], [admin])

    async def stake(self, operator: Keypair, amount: int, *, role: int = ROLE_COMPUTE,
                    source: Pubkey | None = None) -> TxResult:
        """Stakes ``amount`` base units from ``source`` (default: the
        operator's associated token account); the first stake in a role
        creates the position's account in the same transaction."""
        cfg = await self.config()
        address = self.program.stake_address(operator.pubkey(), role)
        account = await self.transport.get_account(address)
        ixs = []
        if account is None or account.owner != self.program.program_id:
            rent = await self.transport.minimum_balance(StakePosition.size())
            ixs += self.program.open_position(operator=operator.pubkey(), lamports=rent, role=role,
                                              prefunded=0 if account is None else account.lamports)
        ixs.append(self.program.stake(operator=operator.pubkey(), sgl_mint=cfg.sgl_mint, amount=amount, role=role,
                                      operator_token=source, vault=cfg.vault))
        return await self._send(ixs, [operator])

    async def request_unstake(self, operator: Keypair, amount: int, *, role: int = ROLE_COMPUTE) -> TxResult:
        return await self._send(
            [self.program.request_unstake(operator=operator.pubkey(), amount=amount, role=role)], [operator])

    async def cancel_unstake(self, operator: Keypair, *, role: int = ROLE_COMPUTE) -> TxResult:
        return await self._send([self.program.cancel_unstake(operator=operator.pubkey(), role=role)], [operator])

    async def withdraw_unstaked(self, operator: Keypair, *, role: int = ROLE_COMPUTE,
                                destination: Pubkey | None = None) -> TxResult:
        """Withdraws the amount whose cooldown has passed to ``destination``
        (default: the operator's associated token account, created if missing)."""
        cfg = await self.config()
        ixs = []
        if destination is None:
            ixs.append(create_ata_idempotent(operator.pubkey(), operator.pubkey(), cfg.sgl_mint))
        ixs.append(self.program.withdraw_unstaked(operator=operator.pubkey(), sgl_mint=cfg.sgl_mint, role=role,
                                                  destination=destination, vault=cfg.vault))
        return await self._send(ixs, [operator])

    async def slash(self, slasher: Keypair, a: SignedReceipt, b: SignedReceipt, *,
                    role: int = ROLE_COMPUTE) -> TxResult:
        """Submits a proof of tampering. Checked here first, exactly as the
        program checks it, so a bad proof fails without a transaction."""
        _receipts.check_conflict(a, b)
        cfg = await self.config(refresh=True)
        return await self._send(
            self.program.slash_instructions(slasher=slasher.pubkey(), a=a, b=b, sgl_mint=cfg.sgl_mint,
                                            penalty_vault=cfg.penalty_vault, role=role, vault=cfg.vault),
            [slasher],
        )


# --- compute units and in-process deployment --------------------------------

#: What the runtime charges for each CPI before the callee runs (``invoke_units``).
CPI_INVOKE_UNITS = 1_000


@dataclass(frozen=True)
class Units:
    """Compute units of one staking instruction, split by who spent them."""

    #: staking's invocation, its CPIs included
    total: int
    #: the SPL Token CPIs: the token program's own units plus the CPI charge
    token: int
    #: how many token CPIs there were
    token_cpis: int

    @property
    def beyond_token(self) -> int:
        """What the issue budgets: everything but the token CPIs."""
        return self.total - self.token

    @classmethod
    def of(cls, logs: Sequence[str], program_id: Pubkey = PROGRAM_ID) -> Units:
        """From a transaction's logs with one top-level staking instruction
        (its neighbours, e.g. creating an account first, are left out)."""
        logs = list(logs)
        starts = [n for n, line in enumerate(logs) if line == f"Program {program_id} invoke [1]"]
        if len(starts) != 1:
            raise ValueError(f"expected one top-level staking invocation in the logs, found {len(starts)}")
        inv = _logs.invocations(logs[starts[0]:])  # ours comes first, its CPIs inside it
        total = next(i.compute_units for i in inv if i.depth == 1)
        ours_end = next(n for n, i in enumerate(inv) if i.depth == 1)
        token = [i for i in inv[:ours_end] if i.depth == 2 and i.program == str(TOKEN_PROGRAM_ID)]
        return cls(total, sum(i.compute_units for i in token) + CPI_INVOKE_UNITS * len(token), len(token))


@dataclass
class LocalStaking(LocalDeployment):
    """staking deployed and initialized in an in-process LiteSVM (a
    :class:`LocalChain` whose mint plays SGL): what tests, benchmarks and
    demos start from. The penalty vault is a treasury wallet's token account."""

    chain: LocalChain
    client: StakingClient
    admin: Keypair
    treasury: Keypair
    params: Params
    init: TxResult | None
    #: The keypair the program is deployed at (co-signs ``initialize``).
    program_key: Keypair

    @classmethod
    async def deploy(cls, so_path: Path | str, *, params: Params | None = None, initialize: bool = True,
                     decimals: int = 6, start_time: int | None = None,
                     program_key: Keypair | None = None) -> LocalStaking:
        """Loads the ``.so`` at ``program_key``'s address (default: the local
        deploy key) and, with ``initialize``, creates the vault and the
        config (``params``: default :meth:`Params.default`)."""
        program_key = program_key or program_keypair()
        program_id = program_key.pubkey()
        chain = await cls.start_chain(so_path, program_id, decimals=decimals, start_time=start_time)
        admin = await chain.wallet(sol=100)
        treasury = await chain.wallet()
        client = StakingClient(chain.transport, StakingProgram(program_id))
        params = params or Params.default(decimals)
        deployment = cls(chain, client, admin, treasury, params, None, program_key)
        if initialize:
            deployment.init = await client.initialize(admin, program_key=program_key, sgl_mint=chain.mint,
                                                      penalty_vault=deployment.penalty_vault, params=params)
        return deployment

    @property
    def penalty_vault(self) -> Pubkey:
        return self.chain.ata(self.treasury)

    async def operator(self, sgl: int, *, keypair: Keypair | None = None) -> Keypair:
        """A wallet with ``sgl`` base units of SGL in its associated account."""
        return await self.chain.wallet(sgl, keypair=keypair)

    def units(self, result: TxResult) -> Units:
        return Units.of(result.logs, self.program.program_id)
