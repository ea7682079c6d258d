"""The bank behind the RPC server: LiteSVM plus what a cluster adds around it.

LiteSVM executes transactions but has no notion of slots passing, of a
blockhash queue, of a status cache or of an account index. This module adds
them so that clients see a chain that behaves like a real cluster:

- slots advance with wall-clock time (``slot_ms``, 400 ms by default), the
  Clock and SlotHashes sysvars follow, and every slot has a new blockhash that
  stays valid for 150 slots (``MAX_PROCESSING_AGE``), so blockhashes expire;
- the status cache (signature -> outcome) rejects replays and serves
  getSignatureStatuses / getTransaction;
- every account ever written is indexed, for getProgramAccounts and snapshots.

The signature and blockhash checks are done here, in the validator's order, so
LiteSVM runs with its own checks and history off; the single-threaded event
loop is the "bank lock". Commitment levels collapse: one node, no forks, so a
processed transaction is already final.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from solders.account import Account
from solders.clock import Clock
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from .encoding import b58encode
from .errors import TxErrorJson, tx_error_json
from .token import TOKEN_PROGRAMS, ui_token_amount, unpack_account, unpack_mint

MAX_PROCESSING_AGE = 150  # slots a blockhash stays valid
MAX_RECENT_BLOCKHASHES = 300  # blockhash queue length
MAX_SLOT_HASHES = 512  # SlotHashes sysvar entries (address lookup tables read it)
LAMPORTS_PER_SIGNATURE = 5000
DEFAULT_CU_PER_INSTRUCTION = 200_000
MAX_CU_LIMIT = 1_400_000
MAX_WARP_SECONDS = 10 * 365 * 24 * 3600  # far enough for any timeout a test needs

DEVNET_GENESIS_HASH = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"

SYSTEM_PROGRAM_ID = Pubkey.from_string("11111111111111111111111111111111")
COMPUTE_BUDGET_ID = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
MEMO_PROGRAM_IDS = {
    Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
    Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"),
}
PRECOMPILE_IDS = {
    Pubkey.from_string("Ed25519SigVerify111111111111111111111111111"),
    Pubkey.from_string("KeccakSecp256k11111111111111111111111111111"),
    Pubkey.from_string("Secp256r1SigVerify1111111111111111111111111"),
}
ADDRESS_LOOKUP_TABLE_ID = Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")
BPF_LOADER_UPGRADEABLE_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
SYSVAR_OWNER_ID = Pubkey.from_string("Sysvar1111111111111111111111111111111111111")
NATIVE_LOADER_ID = Pubkey.from_string("NativeLoader1111111111111111111111111111111")
BPF_LOADER_ID = Pubkey.from_string("BPFLoader2111111111111111111111111111111111")
# Builtins and the default programs LiteSVM ships come back with a fresh LiteSVM,
# so they are neither indexed nor snapshotted unless deployed through us.
_NOT_INDEXED_OWNERS = {SYSVAR_OWNER_ID, NATIVE_LOADER_ID, BPF_LOADER_ID}
_LOOKUP_TABLE_META_SIZE = 56
_NONCE_HASH_OFFSET = 40  # Versions(u32) + State(u32) + authority(32)


@dataclass(frozen=True)
class ChainConfig:
    """How the local chain presents itself. Defaults mimic a public cluster."""

    #: Milliseconds per slot (a cluster targets 400).
    slot_ms: int = 400
    #: "devnet": answer getGenesisHash with devnet's hash so unmodified x402 peers
    #: accept the network; "local": a genesis hash of this chain's own.
    network: str = "devnet"
    #: Seed of the local genesis hash (same seed, same network id across restarts).
    genesis_seed: str = "gridpay-localnet"
    #: Lamports the airdrop faucet starts with.
    faucet_lamports: int = 500_000_000 * 1_000_000_000

    def __post_init__(self) -> None:
        if self.network not in ("devnet", "local"):
            raise ValueError(f"network must be 'devnet' or 'local', not {self.network!r}")
        if self.slot_ms <= 0:
            raise ValueError(f"slot_ms must be positive, not {self.slot_ms}")


class ChainListener(Protocol):
    #: Accounts whose changes ``on_account`` wants after a transaction (the
    #: chain compares an account's before and after only for these).
    watched_accounts: Collection[Pubkey]

    def on_slots(self, slots: list[int]) -> None: ...
    def on_account(self, pubkey: Pubkey, account: Account | None, slot: int) -> None: ...
    def on_signature(self, signature: Signature, err: TxErrorJson | None, slot: int) -> None: ...


class Execution:
    """What running a transaction produced (committed or not).

    ``err`` and ``fee`` are decided at once; logs, units, return data and inner
    instructions stay in LiteSVM's metadata until asked for (getTransaction,
    simulation, a preflight failure): most committed transactions never are.
    """

    __slots__ = ("err", "fee", "_meta", "_logs", "_inner")

    def __init__(self, err: TxErrorJson | None, fee: int, meta: TransactionMetadata | None = None) -> None:
        self.err = err
        self.fee = fee
        self._meta = meta
        self._logs: list[str] | None = None
        self._inner: list[dict[str, Any]] | None = None

    @property
    def logs(self) -> list[str]:
        if self._logs is None:
            self._logs = list(self._meta.logs()) if self._meta is not None else []
        return self._logs

    @property
    def units(self) -> int:
        return self._meta.compute_units_consumed() if self._meta is not None else 0

    @property
    def return_data(self) -> dict[str, Any] | None:
        if self._meta is None:
            return None
        return_data = self._meta.return_data()
        data = bytes(return_data.data)
        return {"programId": str(return_data.program_id), "data": [_b64(data), "base64"]} if data else None

    @property
    def inner_instructions(self) -> list[dict[str, Any]]:
        if self._inner is None:
            self._inner = [] if self._meta is None else _inner_instructions(self._meta)
        return self._inner


def _inner_instructions(meta: TransactionMetadata) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "instructions": [
                {
                    "programIdIndex": ix.program_id_index,
                    "accounts": list(ix.accounts),
                    "data": b58encode(bytes(ix.data)),
                    "stackHeight": inner.stack_height(),
                }
                for inner in group
                for ix in (inner.instruction(),)
            ],
        }
        for index, group in enumerate(meta.inner_instructions())
        if group
    ]


@dataclass(slots=True)
class TxRecord:
    """A transaction committed to a block: the status cache and getTransaction.

    Holds what only commit time knows (balances, token balances, outcome);
    whatever can be derived from the transaction itself is derived when asked.
    """

    signature: Signature
    tx: VersionedTransaction
    slot: int
    block_time: int
    execution: Execution
    keys: list[Pubkey]
    writable: tuple[bool, ...]
    loaded_writable: Sequence[Pubkey]
    loaded_readonly: Sequence[Pubkey]
    pre_balances: tuple[int, ...]
    post_balances: tuple[int, ...]
    pre_token_balances: Sequence[dict[str, Any]]
    post_token_balances: Sequence[dict[str, Any]]

    @property
    def memo(self) -> str | None:
        return _memo(self.tx, self.keys)

    @property
    def compute_unit_price(self) -> int:
        return compute_unit_price(self.tx.message, self.keys)

    @property
    def written(self) -> list[Pubkey]:
        return [k for k, w in zip(self.keys, self.writable) if w]


@dataclass(slots=True)
class Resolved:
    """A sanitized transaction with its full account list (static + looked up)."""

    tx: VersionedTransaction
    message: Message | MessageV0  # solders builds a new object per access: read once
    signature: Signature
    keys: list[Pubkey]
    writable: tuple[bool, ...]
    written: tuple[int, ...]  # indexes of the writable keys
    program_ids: set[Pubkey]
    loaded_writable: Sequence[Pubkey]
    loaded_readonly: Sequence[Pubkey]
    fee: int = 0  # total fee the runtime charges (signatures + priority)
    priority_fee: int = 0  # the part of it LiteSVM does not charge (it bills signatures only)


class SanitizeError(Exception):
    """The transaction is malformed; carries the validator's TransactionError JSON."""

    def __init__(self, err: TxErrorJson) -> None:
        super().__init__(str(err))
        self.err = err


def keypair_from_seed(label: str) -> Keypair:
    """A deterministic test keypair: the same label gives the same key everywhere."""
    return Keypair.from_seed(hashlib.sha256(f"gridpay:{label}".encode()).digest())


def compute_fee(message: Message | MessageV0, keys: list[Pubkey]) -> int:
    """Signature fee plus prioritization fee, as the runtime charges them."""
    signatures = message.header.num_required_signatures
    limit: int | None = None
    price = 0
    other = 0
    for ix in message.instructions:
        program = keys[ix.program_id_index]
        if program == COMPUTE_BUDGET_ID:
            data = bytes(ix.data)
            if data[:1] == b"\x02" and len(data) >= 5:
                limit = struct.unpack_from("<I", data, 1)[0]
            elif data[:1] == b"\x03" and len(data) >= 9:
                price = struct.unpack_from("<Q", data, 1)[0]
            continue
        other += 1
        if program in PRECOMPILE_IDS:
            data = bytes(ix.data)
            if data:
                signatures += data[0]
    if limit is None:
        limit = DEFAULT_CU_PER_INSTRUCTION * other
    limit = min(limit, MAX_CU_LIMIT)
    return LAMPORTS_PER_SIGNATURE * signatures + (price * limit + 999_999) // 1_000_000


#: Which static keys are writable (flags, indexes), per message header shape
#: (few shapes recur).
_WRITABLE: dict[tuple[int, int, int, int], tuple[tuple[bool, ...], tuple[int, ...]]] = {}
#: Programs whose instructions change the fee (compute budget, precompiles'
#: signature counts); a transaction calling none of them pays signatures only.
_FEE_PROGRAMS = frozenset({COMPUTE_BUDGET_ID, *PRECOMPILE_IDS})
#: Shared empty loaded-address and token-balance lists (most transactions have none).
_NONE: tuple[Any, ...] = ()


def _writable(
    n: int, signed: int, readonly_signed: int, readonly_unsigned: int
) -> tuple[tuple[bool, ...], tuple[int, ...]]:
    # sanitize() has checked that the counts fit the key list
    flags = (
        (True,) * (signed - readonly_signed)
        + (False,) * readonly_signed
        + (True,) * (n - signed - readonly_unsigned)
        + (False,) * readonly_unsigned
    )
    return flags, tuple(i for i, w in enumerate(flags) if w)


def compute_unit_price(message: Message | MessageV0, keys: list[Pubkey]) -> int:
    for ix in message.instructions:
        if keys[ix.program_id_index] == COMPUTE_BUDGET_ID:
            data = bytes(ix.data)
            if data[:1] == b"\x03" and len(data) >= 9:
                return struct.unpack_from("<Q", data, 1)[0]
    return 0


class Chain:
    """LiteSVM with slots, blockhash expiry, a status cache and an account index."""

    def __init__(
        self,
        config: ChainConfig | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or ChainConfig()
        self._monotonic = monotonic
        self.svm = (
            LiteSVM().with_sigverify(False).with_blockhash_check(False).with_transaction_history(0)
        )
        self.listeners: list[ChainListener] = []
        self.index: set[Pubkey] = set()
        self.transactions: dict[Signature, TxRecord] = {}
        self._by_address: dict[Pubkey, list[Signature]] = {}
        self.transaction_count = 0
        self._blockhashes: OrderedDict[Hash, int] = OrderedDict()  # blockhash -> slot
        self._slot_hashes: deque[tuple[int, Hash]] = deque(maxlen=MAX_SLOT_HASHES)
        # per recent slot, the transactions committed in it (getRecentPrioritizationFees)
        self._priority_fees: deque[tuple[int, list[TxRecord]]] = deque(maxlen=MAX_PROCESSING_AGE)
        # committed records not yet in _by_address / _priority_fees: both are
        # brought up to date when asked (_catch_up), so a commit only appends here
        self._pending: list[TxRecord] = []
        self._mint_decimals: dict[Pubkey, int] = {}
        self.local_genesis_hash = str(
            Hash(hashlib.sha256(f"genesis:{self.config.genesis_seed}".encode()).digest())
        )
        self.faucet = keypair_from_seed("faucet")
        self._set(self.faucet.pubkey(), Account(self.config.faucet_lamports, b"", SYSTEM_PROGRAM_ID))
        self._restart_clock(slot=0, warp_seconds=0.0, wall=wall())

    # --- time ---------------------------------------------------------------
    def resume(self, *, slot: int, warp_seconds: float, wall: float) -> None:
        """Continue from a saved slot: earlier blockhashes are gone, as after a restart."""
        self._blockhashes.clear()
        self._slot_hashes.clear()
        self.svm.expire_blockhash()
        self._restart_clock(slot=slot, warp_seconds=warp_seconds, wall=wall)

    def _restart_clock(self, *, slot: int, warp_seconds: float, wall: float) -> None:
        self._t0 = self._monotonic()
        self._wall0 = wall
        self._base_slot = slot
        self.warp_seconds = warp_seconds
        self.slot = slot
        self._new_blockhash(slot)
        self._write_clock()

    @property
    def genesis_hash(self) -> str:
        return DEVNET_GENESIS_HASH if self.config.network == "devnet" else self.local_genesis_hash

    @property
    def network_id(self) -> str:
        """The CAIP-2 id x402 uses for this chain: ``solana:<genesis hash[:32]>``."""
        return f"solana:{self.genesis_hash[:32]}"

    @property
    def block_height(self) -> int:
        return self.slot  # every slot produces a block on a single node

    def _elapsed(self) -> float:
        return self._monotonic() - self._t0 + self.warp_seconds

    @property
    def unix_timestamp(self) -> int:
        return int(self._wall0 + self._elapsed())

    def tick(self) -> list[int]:
        """Advance to the slot wall-clock time says we are in; returns new slots."""
        target = self._base_slot + int(self._elapsed() * 1000) // self.config.slot_ms
        if target <= self.slot:
            return []
        first = self.slot + 1
        # Only the newest blockhashes can still be valid; older slots get none.
        for slot in range(max(first, target - MAX_RECENT_BLOCKHASHES), target + 1):
            self.svm.expire_blockhash()
            self._new_blockhash(slot)
        self.slot = target
        self._write_clock()
        slots = list(range(first, target + 1))
        for listener in self.listeners:
            listener.on_slots(slots)
        return slots

    def warp(self, seconds: float) -> list[int]:
        """Move the clock forward: slots, Clock sysvar and blockhash expiry follow."""
        if not 0 <= seconds <= MAX_WARP_SECONDS:  # also rejects NaN
            raise ValueError(f"warp seconds must be within 0..{MAX_WARP_SECONDS}, not {seconds!r}")
        self.warp_seconds += seconds
        return self.tick()

    def _new_blockhash(self, slot: int) -> None:
        blockhash = self.svm.latest_blockhash()
        self._blockhashes[blockhash] = slot
        while len(self._blockhashes) > MAX_RECENT_BLOCKHASHES:
            self._blockhashes.popitem(last=False)
        self._slot_hashes.appendleft((slot, blockhash))

    def _write_clock(self) -> None:
        schedule = self.svm.get_epoch_schedule()
        epoch, index = schedule.get_epoch_and_slot_index(self.slot)
        now = self.slot_time = self.unix_timestamp
        epoch_start = now - index * self.config.slot_ms // 1000
        self.svm.set_clock(
            Clock(
                slot=self.slot,
                epoch_start_timestamp=epoch_start,
                epoch=epoch,
                leader_schedule_epoch=schedule.get_leader_schedule_epoch(self.slot),
                unix_timestamp=now,
            )
        )
        self.svm.set_slot_hashes(list(self._slot_hashes))

    def latest_blockhash(self) -> tuple[Hash, int]:
        """The newest blockhash and the last block height at which it is valid."""
        blockhash = next(reversed(self._blockhashes))
        return blockhash, self._blockhashes[blockhash] + MAX_PROCESSING_AGE

    def blockhash_valid(self, blockhash: Hash) -> bool:
        slot = self._blockhashes.get(blockhash)
        return slot is not None and self.block_height - slot <= MAX_PROCESSING_AGE

    def last_valid_block_height(self, blockhash: Hash) -> int | None:
        slot = self._blockhashes.get(blockhash)
        return None if slot is None else slot + MAX_PROCESSING_AGE

    # --- accounts -----------------------------------------------------------
    def get_account(self, pubkey: Pubkey) -> Account | None:
        account = self.svm.get_account(pubkey)
        if account is None or (account.lamports == 0 and not account.data):
            return None  # the runtime purges zero-lamport accounts
        return account

    def set_account(self, pubkey: Pubkey, account: Account) -> None:
        """Write an account directly (boot state, tests); indexed and notified."""
        self._set(pubkey, account)
        for listener in self.listeners:
            listener.on_account(pubkey, self.get_account(pubkey), self.slot)

    def _set(self, pubkey: Pubkey, account: Account) -> None:
        self.svm.set_account(pubkey, account)
        self._track(pubkey, account)

    def _track(self, pubkey: Pubkey, account: Account | None) -> None:
        if account is None:
            self.index.discard(pubkey)
        elif account.owner not in _NOT_INDEXED_OWNERS:
            self.index.add(pubkey)

    def deploy_program(self, program_id: Pubkey, elf: bytes, upgrade_authority: Pubkey) -> None:
        """Deploy an SBF program under the upgradeable loader, as `solana program deploy` does."""
        programdata, _ = Pubkey.find_program_address([bytes(program_id)], BPF_LOADER_UPGRADEABLE_ID)
        # ProgramData: tag 3, u64 deploy slot, Option<Pubkey> authority, then the ELF.
        pd = struct.pack("<IQ", 3, self.slot) + b"\x01" + bytes(upgrade_authority) + elf
        # Program: tag 2, the programdata address.
        prog = struct.pack("<I", 2) + bytes(programdata)
        rent = self.svm.minimum_balance_for_rent_exemption
        self.set_account(programdata, Account(rent(len(pd)), pd, BPF_LOADER_UPGRADEABLE_ID))
        self.set_account(
            program_id, Account(rent(len(prog)), prog, BPF_LOADER_UPGRADEABLE_ID, executable=True)
        )

    def mint_decimals(self, mint: Pubkey) -> int | None:
        """Decimals of a mint (cached: a mint's decimals never change)."""
        decimals = self._mint_decimals.get(mint)
        if decimals is None:
            account = self.get_account(mint)
            parsed = unpack_mint(bytes(account.data)) if account else None
            if parsed is None or account.owner not in TOKEN_PROGRAMS:
                return None
            decimals = self._mint_decimals[mint] = parsed.decimals
        return decimals

    def accounts_owned_by(self, owner: Pubkey) -> Iterable[tuple[Pubkey, Account]]:
        for pubkey in list(self.index):
            account = self.get_account(pubkey)
            if account is not None and account.owner == owner:
                yield pubkey, account

    # --- transactions -------------------------------------------------------
    def resolve(self, tx: VersionedTransaction) -> Resolved:
        """Sanitize and load the account list, or raise SanitizeError."""
        try:
            tx.sanitize()
        except Exception:  # solders raises its own SanitizeError type
            raise SanitizeError("SanitizeFailure") from None
        message = tx.message
        header = message.header
        static = message.account_keys
        signers = header.num_required_signatures
        shape = (
            len(static),
            signers,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts,
        )
        cached = _WRITABLE.get(shape)
        if cached is None:
            cached = _WRITABLE[shape] = _writable(*shape)
        program_ids = {static[ix.program_id_index] for ix in message.instructions}
        resolved = Resolved(tx, message, tx.signatures[0], static, *cached, program_ids, _NONE, _NONE)
        if isinstance(message, MessageV0) and message.address_table_lookups:
            self._load_addresses(resolved)
        keys = resolved.keys
        if len(set(keys)) != len(keys):
            raise SanitizeError("AccountLoadedTwice")
        signature_fee = LAMPORTS_PER_SIGNATURE * signers
        if program_ids.isdisjoint(_FEE_PROGRAMS):
            resolved.fee = signature_fee
        else:
            resolved.fee = compute_fee(message, keys)
            resolved.priority_fee = resolved.fee - signature_fee
        return resolved

    def _load_addresses(self, resolved: Resolved) -> None:
        """Append the keys a v0 message loads from address lookup tables."""
        loaded_writable: list[Pubkey] = []
        loaded_readonly: list[Pubkey] = []
        for lookup in resolved.message.address_table_lookups:
            table = self.get_account(lookup.account_key)
            if table is None:
                raise SanitizeError("AddressLookupTableNotFound")
            if table.owner != ADDRESS_LOOKUP_TABLE_ID:
                raise SanitizeError("InvalidAddressLookupTableOwner")
            data = bytes(table.data)
            if len(data) < _LOOKUP_TABLE_META_SIZE or (len(data) - 56) % 32:
                raise SanitizeError("InvalidAddressLookupTableData")
            addresses = [Pubkey.from_bytes(data[o : o + 32]) for o in range(56, len(data), 32)]
            try:
                loaded_writable += [addresses[i] for i in lookup.writable_indexes]
                loaded_readonly += [addresses[i] for i in lookup.readonly_indexes]
            except IndexError:
                raise SanitizeError("InvalidAddressLookupTableIndex") from None
        static = len(resolved.keys)
        resolved.keys = resolved.keys + loaded_writable + loaded_readonly
        resolved.writable += (True,) * len(loaded_writable) + (False,) * len(loaded_readonly)
        resolved.written += tuple(range(static, static + len(loaded_writable)))
        resolved.loaded_writable = loaded_writable
        resolved.loaded_readonly = loaded_readonly

    @staticmethod
    def signatures_valid(tx: VersionedTransaction) -> bool:
        return all(tx.verify_with_results())

    def check_age_and_status(self, resolved: Resolved) -> TxErrorJson | None:
        """The bank's pre-execution checks: blockhash age (or durable nonce), status cache."""
        slot = self._blockhashes.get(resolved.message.recent_blockhash)  # blockhash_valid, inlined
        if (slot is None or self.slot - slot > MAX_PROCESSING_AGE) and not self._nonce_matches(resolved):
            return "BlockhashNotFound"
        if resolved.signature in self.transactions:
            return "AlreadyProcessed"
        return None

    def _nonce_matches(self, resolved: Resolved) -> bool:
        tx = resolved.tx
        if not tx.uses_durable_nonce():
            return False
        ix = tx.message.instructions[0]
        nonce = self.get_account(resolved.keys[ix.accounts[0]])
        if nonce is None or nonce.owner != SYSTEM_PROGRAM_ID:
            return False
        stored = bytes(nonce.data)[_NONCE_HASH_OFFSET : _NONCE_HASH_OFFSET + 32]
        return stored == bytes(tx.message.recent_blockhash)

    def _snapshot(self, resolved: Resolved) -> tuple[list[int], dict[int, Account]]:
        """Balances of every account and the state of every non-program account."""
        get_account = self.svm.get_account
        programs = resolved.program_ids
        balances: list[int] = []
        accounts: dict[int, Account] = {}
        for i, key in enumerate(resolved.keys):
            if key in programs:
                balances.append(self.svm.get_balance(key) or 0)
            elif (account := get_account(key)) is None:
                balances.append(0)
            else:
                balances.append(account.lamports)
                accounts[i] = account
        return balances, accounts

    def _snapshot_after(
        self, resolved: Resolved, balances: list[int], accounts: dict[int, Account]
    ) -> tuple[list[int], dict[int, Account]]:
        """The snapshot after execution: only writable accounts can have changed."""
        get_account = self.svm.get_account
        programs = resolved.program_ids
        keys = resolved.keys
        balances = balances.copy()
        accounts = accounts.copy()
        created = False
        for i in resolved.written:
            key = keys[i]
            if key in programs:
                balances[i] = self.svm.get_balance(key) or 0
            elif (account := get_account(key)) is None:
                balances[i] = 0
                accounts.pop(i, None)
            else:
                balances[i] = account.lamports
                created = created or i not in accounts
                accounts[i] = account
        # token balances are listed in account-index order
        return balances, dict(sorted(accounts.items())) if created else accounts

    def _token_balances(self, accounts: dict[int, Account]) -> Sequence[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, account in accounts.items():  # in account-index order
            if account.owner not in TOKEN_PROGRAMS:
                continue
            parsed = unpack_account(bytes(account.data))
            if parsed is None:
                continue
            decimals = self.mint_decimals(parsed.mint)
            if decimals is None:
                continue
            out.append(
                {
                    "accountIndex": i,
                    "mint": str(parsed.mint),
                    "uiTokenAmount": ui_token_amount(parsed.amount, decimals),
                    "owner": str(parsed.owner),
                    "programId": str(account.owner),
                }
            )
        return out or _NONE

    def _execution(self, resolved: Resolved, result: Any) -> Execution:
        if isinstance(result, TransactionMetadata):
            return Execution(None, resolved.fee, result)
        if isinstance(result, FailedTransactionMetadata):
            return Execution(tx_error_json(result.err()), resolved.fee, result.meta())
        return Execution(None, resolved.fee, result.meta())  # a successful simulation

    def simulate(self, resolved: Resolved) -> tuple[Execution, list[tuple[Pubkey, Account]]]:
        """Run without committing; returns the outcome and post-simulation accounts."""
        early = self.check_age_and_status(resolved)
        if early is not None:
            return self._rejected(resolved, early), []
        result = self.svm.simulate_transaction(resolved.tx)
        execution = self._execution(resolved, result)
        if isinstance(result, FailedTransactionMetadata):
            return execution, []
        return execution, list(result.post_accounts())

    def _rejected(self, resolved: Resolved, err: TxErrorJson) -> Execution:
        return Execution(err, resolved.fee)

    def execute(self, resolved: Resolved, *, preflight: bool) -> Execution:
        """Process a sanitized transaction.

        With ``preflight`` a failing transaction leaves no trace (as a failed
        simulation would). Without it, a transaction that fails during
        execution is committed with its error and pays the fee, and one that
        fails to load is dropped, as a leader does.
        """
        early = self.check_age_and_status(resolved)
        if early is not None:
            return self._rejected(resolved, early)
        pre_balances, pre_accounts = self._snapshot(resolved)
        priority_fee = resolved.priority_fee
        if priority_fee and 0 in pre_accounts and pre_balances[0] < resolved.fee:
            return self._rejected(resolved, "InsufficientFundsForFee")
        result = self.svm.send_transaction(resolved.tx)
        execution = self._execution(resolved, result)
        # Load failures leave the fee payer untouched; execution failures pay the fee.
        charged = execution.err is None or self.svm.get_balance(resolved.keys[0]) != pre_balances[0]
        if charged and priority_fee:
            self._debit(resolved.keys[0], priority_fee)
        post_balances, post_accounts = self._snapshot_after(resolved, pre_balances, pre_accounts)
        if execution.err is not None and (preflight or not charged):
            self._rollback(resolved, pre_accounts, post_accounts)
            return execution
        self._commit(resolved, execution, pre_balances, post_balances, pre_accounts, post_accounts)
        return execution

    def _debit(self, pubkey: Pubkey, lamports: int) -> None:
        account = self.svm.get_account(pubkey)
        self.svm.set_account(
            pubkey,
            Account(account.lamports - lamports, account.data, account.owner, account.executable, account.rent_epoch),
        )

    def _rollback(
        self, resolved: Resolved, pre: dict[int, Account], post: dict[int, Account]
    ) -> None:
        for i in resolved.written:
            if pre.get(i) != post.get(i):
                self.svm.set_account(resolved.keys[i], pre[i] if i in pre else Account(0, b"", SYSTEM_PROGRAM_ID))

    def _commit(
        self,
        resolved: Resolved,
        execution: Execution,
        pre_balances: list[int],
        post_balances: list[int],
        pre_accounts: dict[int, Account],
        post_accounts: dict[int, Account],
    ) -> None:
        keys = resolved.keys
        signature = resolved.signature
        slot = self.slot
        record = TxRecord(
            signature,
            resolved.tx,
            slot,
            self.slot_time,
            execution,
            keys,
            resolved.writable,
            resolved.loaded_writable,
            resolved.loaded_readonly,
            tuple(pre_balances),
            tuple(post_balances),
            self._token_balances(pre_accounts),
            self._token_balances(post_accounts),
        )
        self.transactions[signature] = record
        self.transaction_count += 1
        self._pending.append(record)
        # The account index: accounts that are gone leave it, new ones join
        # (also those put straight into LiteSVM and first seen here).
        # (Program accounts are in neither snapshot.)
        index = self.index
        for i, after in post_accounts.items():
            key = keys[i]
            if key not in index and after.owner not in _NOT_INDEXED_OWNERS:
                index.add(key)
        if not pre_accounts.keys() <= post_accounts.keys():
            for i in pre_accounts.keys() - post_accounts.keys():
                index.discard(keys[i])
        programs = resolved.program_ids
        for listener in self.listeners:
            watched = listener.watched_accounts
            if watched:
                for i, key in enumerate(keys):
                    if key in watched and key not in programs:
                        after = post_accounts.get(i)
                        if after != pre_accounts.get(i):
                            listener.on_account(key, after, slot)
            listener.on_signature(signature, execution.err, slot)

    def _catch_up(self) -> None:
        """Bring the address index and the fee history up to the last commit."""
        by_address = self._by_address
        fees = self._priority_fees
        for record in self._pending:
            signature = record.signature
            for key in record.keys:
                if key in by_address:
                    by_address[key].append(signature)
                else:
                    by_address[key] = [signature]
            if not fees or fees[-1][0] != record.slot:
                fees.append((record.slot, []))
            fees[-1][1].append(record)
        self._pending.clear()

    def signatures_for_address(self, address: Pubkey) -> list[Signature]:
        """Signatures of committed transactions that list ``address``, oldest first."""
        self._catch_up()
        return self._by_address.get(address, [])

    def airdrop(self, pubkey: Pubkey, lamports: int) -> Signature:
        """Transfer from the faucet in a real, recorded transaction (as the faucet does)."""
        message = Message.new_with_blockhash(
            [transfer(TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=pubkey, lamports=lamports))],
            self.faucet.pubkey(),
            self.latest_blockhash()[0],
        )
        tx = VersionedTransaction(message, [self.faucet])
        execution = self.execute(self.resolve(tx), preflight=True)
        if execution.err is not None:
            raise RuntimeError(f"airdrop failed: {execution.err}")
        return tx.signatures[0]

    def recent_prioritization_fees(self, accounts: list[Pubkey]) -> list[dict[str, int]]:
        """Per recent slot, the lowest price paid by transactions writing ``accounts``."""
        wanted = set(accounts)
        self._catch_up()
        out = []
        for slot, records in self._priority_fees:
            prices = [
                r.compute_unit_price for r in records if not wanted or wanted.intersection(r.written)
            ]
            out.append({"slot": slot, "prioritizationFee": min(prices) if prices else 0})
        return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _memo(tx: VersionedTransaction, keys: list[Pubkey]) -> str | None:
    """Agave's getSignaturesForAddress memo field: "[len] text" per memo, "; "-joined."""
    memos = []
    for ix in tx.message.instructions:
        if keys[ix.program_id_index] in MEMO_PROGRAM_IDS:
            data = bytes(ix.data)
            memos.append(f"[{len(data)}] {data.decode('utf-8', 'replace')}")
    return "; ".join(memos) or None
