"""JSON-RPC methods: parameter validation and result shapes of the Agave validator.

Each handler takes the positional ``params`` list and returns the ``result``
value or raises :class:`RpcError`. Shapes follow Agave's `rpc.rs` so that
solders' response parsers (solana-py), web3.js and the x402 SDKs accept them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from solders.account import Account
from solders.hash import Hash
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction

from .chain import Chain, Execution, Resolved, SanitizeError, TxRecord, compute_fee, keypair_from_seed
from .encoding import (
    b58encode,
    check_account_encoding,
    decode_binary,
    encode_account,
    parse_data_slice,
)
from .errors import (
    INTERNAL_ERROR,
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    RpcError,
    invalid_param,
    invalid_params,
    method_not_found,
    min_context_slot_not_reached,
    signature_verification_failure,
    tx_error_text,
    unsupported_transaction_version,
)
from .params import COMMITMENTS, as_bool, as_hash, as_int, as_pubkey, as_signature, as_str, param
from .token import TOKEN_PROGRAMS, ui_token_amount, unpack_account, unpack_mint

#: Version reported by getVersion and in every response context.
SOLANA_CORE_VERSION = "2.2.0"
FEATURE_SET = 3294202862

PACKET_DATA_SIZE = 1232
MAX_BASE58_TX = 1683
MAX_BASE64_TX = 1644
TX_TYPE_NAME = "solana_transaction::versioned::VersionedTransaction"
MAX_MULTIPLE_ACCOUNTS = 100
MAX_SIGNATURE_STATUSES = 256
MAX_PRIORITIZATION_FEE_ACCOUNTS = 128
MAX_SIGNATURES_FOR_ADDRESS = 1000
MAX_FILTERS = 4
MAX_MEMCMP_BYTES = 128

Handler = Callable[[list[Any]], Any]


def rpc(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method of RpcMethods as served under its own name."""
    method.is_rpc_method = True  # type: ignore[attr-defined]
    return method


def _decode_tx(data: str, encoding: str) -> VersionedTransaction:
    """Agave's decode_and_deserialize, with its size limits and messages."""
    if encoding not in ("base58", "base64"):
        raise invalid_params(f"unsupported encoding: {encoding}. Supported encodings: base58, base64")
    limit = MAX_BASE58_TX if encoding == "base58" else MAX_BASE64_TX
    if len(data) > limit:
        raise invalid_params(
            f"{encoding} encoded {TX_TYPE_NAME} too large: {len(data)} bytes "
            f"(max: encoded/raw {limit}/{PACKET_DATA_SIZE})"
        )
    raw = decode_binary(data, encoding, "transaction")
    if len(raw) > PACKET_DATA_SIZE:
        raise invalid_params(
            f"decoded {TX_TYPE_NAME} too large: {len(raw)} bytes (max: {PACKET_DATA_SIZE} bytes)"
        )
    try:
        return VersionedTransaction.from_bytes(raw)
    except Exception as exc:  # solders raises its own error types
        raise invalid_params(f"failed to deserialize {TX_TYPE_NAME}: {exc}") from None


def _with_blockhash(tx: VersionedTransaction, blockhash: Hash) -> VersionedTransaction:
    """The same transaction with another recent blockhash (signatures kept as they are)."""
    # Serialized message (solders omits the v0 prefix byte): 3 header bytes,
    # compact-u16 key count, the keys, then the 32-byte blockhash.
    raw = bytearray(bytes(tx.message))
    offset = 3
    count = shift = 0
    while True:
        byte = raw[offset]
        offset += 1
        count |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    offset += 32 * count
    raw[offset : offset + 32] = bytes(blockhash)
    message_type = MessageV0 if isinstance(tx.message, MessageV0) else Message
    message = message_type.from_bytes(bytes(raw))
    return VersionedTransaction.populate(message, tx.signatures)


def _version_of(tx: VersionedTransaction) -> str | int:
    return 0 if isinstance(tx.message, MessageV0) else "legacy"


class RpcMethods:
    """The method table served over HTTP (and the admin methods gridpay adds)."""

    def __init__(self, chain: Chain, *, snapshot: Callable[[], str] | None = None) -> None:
        self.chain = chain
        self._snapshot = snapshot
        self.identity = keypair_from_seed("validator-identity").pubkey()
        self.table: dict[str, Handler] = {
            name: getattr(self, name)
            for name, member in vars(type(self)).items()
            if getattr(member, "is_rpc_method", False)
        }

    def call(self, method: str, params: Any) -> Any:
        handler = self.table.get(method)
        if handler is None:
            raise method_not_found()
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("`params` must be an array of positional parameters")
        self.chain.tick()
        return handler(params)

    # --- shared pieces --------------------------------------------------------
    def _config(self, params: list[Any], index: int) -> dict[str, Any]:
        config = param(params, index, "config", required=False)
        if config is None:
            return {}
        if not isinstance(config, dict):
            raise invalid_params(f"invalid type for config: expected an object, got {config!r}")
        commitment = config.get("commitment")
        if commitment is not None and commitment not in COMMITMENTS:
            raise invalid_params(
                f"unknown variant `{commitment}`, expected one of `processed`, `confirmed`, `finalized`"
            )
        min_slot = config.get("minContextSlot")
        if min_slot is not None and as_int(min_slot, "minContextSlot") > self.chain.slot:
            raise min_context_slot_not_reached(self.chain.slot)
        return config

    def _ctx(self, value: Any) -> dict[str, Any]:
        return {"context": {"apiVersion": SOLANA_CORE_VERSION, "slot": self.chain.slot}, "value": value}

    def _account_json(
        self, account: Account | None, encoding: str, data_slice: tuple[int, int] | None
    ) -> dict[str, Any] | None:
        if account is None:
            return None
        return encode_account(account, encoding, data_slice, self.chain.mint_decimals)

    def _encoding_and_slice(self, config: dict[str, Any]) -> tuple[str, tuple[int, int] | None]:
        return check_account_encoding(config.get("encoding")), parse_data_slice(config.get("dataSlice"))

    # --- cluster ------------------------------------------------------------------
    @rpc
    def getVersion(self, params: list[Any]) -> Any:
        return {"solana-core": SOLANA_CORE_VERSION, "feature-set": FEATURE_SET}

    @rpc
    def getHealth(self, params: list[Any]) -> Any:
        return "ok"

    @rpc
    def getIdentity(self, params: list[Any]) -> Any:
        return {"identity": str(self.identity)}

    @rpc
    def getGenesisHash(self, params: list[Any]) -> Any:
        return self.chain.genesis_hash

    @rpc
    def getSlot(self, params: list[Any]) -> Any:
        self._config(params, 0)
        return self.chain.slot

    @rpc
    def getBlockHeight(self, params: list[Any]) -> Any:
        self._config(params, 0)
        return self.chain.block_height

    @rpc
    def getTransactionCount(self, params: list[Any]) -> Any:
        self._config(params, 0)
        return self.chain.transaction_count

    @rpc
    def getEpochInfo(self, params: list[Any]) -> Any:
        self._config(params, 0)
        schedule = self.chain.svm.get_epoch_schedule()
        epoch, index = schedule.get_epoch_and_slot_index(self.chain.slot)
        return {
            "absoluteSlot": self.chain.slot,
            "blockHeight": self.chain.block_height,
            "epoch": epoch,
            "slotIndex": index,
            "slotsInEpoch": schedule.get_slots_in_epoch(epoch),
            "transactionCount": self.chain.transaction_count,
        }

    @rpc
    def getEpochSchedule(self, params: list[Any]) -> Any:
        schedule = self.chain.svm.get_epoch_schedule()
        return {
            "firstNormalEpoch": schedule.first_normal_epoch,
            "firstNormalSlot": schedule.first_normal_slot,
            "leaderScheduleSlotOffset": schedule.leader_schedule_slot_offset,
            "slotsPerEpoch": schedule.slots_per_epoch,
            "warmup": schedule.warmup,
        }

    @rpc
    def getLatestBlockhash(self, params: list[Any]) -> Any:
        self._config(params, 0)
        blockhash, last_valid = self.chain.latest_blockhash()
        return self._ctx({"blockhash": str(blockhash), "lastValidBlockHeight": last_valid})

    @rpc
    def isBlockhashValid(self, params: list[Any]) -> Any:
        blockhash = as_hash(param(params, 0, "blockhash"), "blockhash")
        self._config(params, 1)
        return self._ctx(self.chain.blockhash_valid(blockhash))

    @rpc
    def getFeeForMessage(self, params: list[Any]) -> Any:
        raw = decode_binary(as_str(param(params, 0, "message"), "message"), "base64", "message")
        self._config(params, 1)
        try:
            message: Message | MessageV0 = (
                MessageV0.from_bytes(raw[1:]) if raw[:1] and raw[0] & 0x80 else Message.from_bytes(raw)
            )
        except Exception as exc:
            raise invalid_params(f"failed to deserialize message: {exc}") from None
        if not self.chain.blockhash_valid(message.recent_blockhash):
            return self._ctx(None)
        return self._ctx(compute_fee(message, list(message.account_keys)))

    @rpc
    def getMinimumBalanceForRentExemption(self, params: list[Any]) -> Any:
        size = as_int(param(params, 0, "dataLength"), "dataLength")
        self._config(params, 1)
        return self.chain.svm.minimum_balance_for_rent_exemption(size)

    @rpc
    def getRecentPrioritizationFees(self, params: list[Any]) -> Any:
        keys = param(params, 0, "accounts", required=False) or []
        if not isinstance(keys, list):
            raise invalid_params("`accounts` must be an array of base58 public keys")
        if len(keys) > MAX_PRIORITIZATION_FEE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_PRIORITIZATION_FEE_ACCOUNTS}")
        return self.chain.recent_prioritization_fees([as_pubkey(k, "account") for k in keys])

    # --- accounts -----------------------------------------------------------------
    @rpc
    def getBalance(self, params: list[Any]) -> Any:
        pubkey = as_pubkey(param(params, 0, "pubkey"))
        self._config(params, 1)
        account = self.chain.get_account(pubkey)
        return self._ctx(account.lamports if account else 0)

    @rpc
    def getAccountInfo(self, params: list[Any]) -> Any:
        pubkey = as_pubkey(param(params, 0, "pubkey"))
        encoding, data_slice = self._encoding_and_slice(self._config(params, 1))
        return self._ctx(self._account_json(self.chain.get_account(pubkey), encoding, data_slice))

    @rpc
    def getMultipleAccounts(self, params: list[Any]) -> Any:
        keys = param(params, 0, "pubkeys")
        if not isinstance(keys, list):
            raise invalid_params("`pubkeys` must be an array of base58 public keys")
        if len(keys) > MAX_MULTIPLE_ACCOUNTS:
            raise invalid_params(f"Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}")
        pubkeys = [as_pubkey(k) for k in keys]
        encoding, data_slice = self._encoding_and_slice(self._config(params, 1))
        return self._ctx(
            [self._account_json(self.chain.get_account(k), encoding, data_slice) for k in pubkeys]
        )

    @rpc
    def getProgramAccounts(self, params: list[Any]) -> Any:
        program = as_pubkey(param(params, 0, "programId"), "programId")
        config = self._config(params, 1)
        encoding, data_slice = self._encoding_and_slice(config)
        matches = _filters(config.get("filters"))
        accounts = [
            {"pubkey": str(key), "account": self._account_json(account, encoding, data_slice)}
            for key, account in sorted(self.chain.accounts_owned_by(program), key=lambda x: bytes(x[0]))
            if matches(bytes(account.data), account.owner)
        ]
        return self._ctx(accounts) if as_bool(config, "withContext") else accounts

    def _token_account(self, pubkey: Pubkey) -> tuple[Account, Any]:
        account = self.chain.get_account(pubkey)
        if account is None:
            raise invalid_param("could not find account")
        parsed = unpack_account(bytes(account.data)) if account.owner in TOKEN_PROGRAMS else None
        if parsed is None:
            raise invalid_param("not a Token account")
        return account, parsed

    @rpc
    def getTokenAccountBalance(self, params: list[Any]) -> Any:
        pubkey = as_pubkey(param(params, 0, "pubkey"))
        self._config(params, 1)
        _, parsed = self._token_account(pubkey)
        decimals = self.chain.mint_decimals(parsed.mint)
        if decimals is None:
            raise invalid_param("could not find mint")
        return self._ctx(ui_token_amount(parsed.amount, decimals))

    @rpc
    def getTokenSupply(self, params: list[Any]) -> Any:
        pubkey = as_pubkey(param(params, 0, "mint"), "mint")
        self._config(params, 1)
        account = self.chain.get_account(pubkey)
        mint = unpack_mint(bytes(account.data)) if account and account.owner in TOKEN_PROGRAMS else None
        if mint is None:
            raise invalid_param("not a Token mint")
        return self._ctx(ui_token_amount(mint.supply, mint.decimals))

    @rpc
    def getTokenAccountsByOwner(self, params: list[Any]) -> Any:
        owner = as_pubkey(param(params, 0, "owner"), "owner")
        selector = param(params, 1, "filter")
        if not isinstance(selector, dict) or len(selector) != 1 or not (
            {"mint", "programId"} & selector.keys()
        ):
            raise invalid_params("token account filter must be {\"mint\": ...} or {\"programId\": ...}")
        mint: Pubkey | None = None
        if "mint" in selector:
            mint = as_pubkey(selector["mint"], "mint")
            mint_account = self.chain.get_account(mint)
            if mint_account is None or mint_account.owner not in TOKEN_PROGRAMS:
                raise invalid_param("could not find mint")
            programs = [mint_account.owner]
        else:
            program = as_pubkey(selector["programId"], "programId")
            if program not in TOKEN_PROGRAMS:
                raise invalid_param("unrecognized Token program id")
            programs = [program]
        encoding, data_slice = self._encoding_and_slice(self._config(params, 2))
        found = []
        for program in programs:
            for key, account in self.chain.accounts_owned_by(program):
                parsed = unpack_account(bytes(account.data))
                if parsed is None or parsed.owner != owner or (mint and parsed.mint != mint):
                    continue
                found.append((key, account))
        found.sort(key=lambda x: bytes(x[0]))
        return self._ctx(
            [
                {"pubkey": str(key), "account": self._account_json(account, encoding, data_slice)}
                for key, account in found
            ]
        )

    # --- transactions -------------------------------------------------------------
    def _resolve(self, tx: VersionedTransaction) -> Resolved:
        try:
            return self.chain.resolve(tx)
        except SanitizeError as exc:
            raise invalid_params(f"invalid transaction: {tx_error_text(exc.err)}") from None

    @rpc
    def sendTransaction(self, params: list[Any]) -> Any:
        data = as_str(param(params, 0, "transaction"), "transaction")
        config = self._config(params, 1)
        tx = _decode_tx(data, config.get("encoding") or "base58")
        resolved = self._resolve(tx)
        valid_signatures = self.chain.signatures_valid(tx)
        if as_bool(config, "skipPreflight"):
            # The leader's sigverify stage drops a badly signed transaction silently.
            if valid_signatures:
                self.chain.execute(resolved, preflight=False)
            return str(resolved.signature)
        if not valid_signatures:
            raise signature_verification_failure()
        execution = self.chain.execute(resolved, preflight=True)
        if execution.err is not None:
            raise RpcError(
                SEND_TRANSACTION_PREFLIGHT_FAILURE,
                f"Transaction simulation failed: {tx_error_text(execution.err)}",
                _simulation_value(execution, accounts=None, inner=False, replacement=None),
            )
        return str(resolved.signature)

    @rpc
    def simulateTransaction(self, params: list[Any]) -> Any:
        data = as_str(param(params, 0, "transaction"), "transaction")
        config = self._config(params, 1)
        tx = _decode_tx(data, config.get("encoding") or "base58")
        sig_verify = as_bool(config, "sigVerify")
        replace = as_bool(config, "replaceRecentBlockhash")
        replacement = None
        if replace:
            if sig_verify:
                raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
            blockhash, last_valid = self.chain.latest_blockhash()
            tx = _with_blockhash(tx, blockhash)
            replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid}
        resolved = self._resolve(tx)
        if sig_verify and not self.chain.signatures_valid(tx):
            raise signature_verification_failure()
        accounts_config = config.get("accounts")
        execution, post = self.chain.simulate(resolved)
        accounts = None
        if accounts_config is not None:
            accounts = self._simulated_accounts(accounts_config, resolved, execution, post)
        return self._ctx(
            _simulation_value(
                execution,
                accounts=accounts,
                inner=as_bool(config, "innerInstructions"),
                replacement=replacement,
            )
        )

    def _simulated_accounts(
        self,
        accounts_config: Any,
        resolved: Resolved,
        execution: Execution,
        post: list[tuple[Pubkey, Account]],
    ) -> list[Any]:
        if not isinstance(accounts_config, dict) or not isinstance(accounts_config.get("addresses"), list):
            raise invalid_params("`accounts` must be {addresses: [...], encoding}")
        encoding = check_account_encoding(accounts_config.get("encoding") or "base64")
        if encoding in ("binary", "base58"):
            raise invalid_params("base58 encoding not supported")
        addresses = [as_pubkey(a, "address") for a in accounts_config["addresses"]]
        if len(addresses) > len(resolved.keys):
            raise invalid_params(f"Too many accounts provided; max {len(resolved.keys)}")
        if execution.err is not None:
            return [None] * len(addresses)
        after = dict(post)
        return [
            self._account_json(after.get(a) or self.chain.get_account(a), encoding, None)
            for a in addresses
        ]

    @rpc
    def getSignatureStatuses(self, params: list[Any]) -> Any:
        raw = param(params, 0, "signatures")
        if not isinstance(raw, list):
            raise invalid_params("`signatures` must be an array of base58 signatures")
        if len(raw) > MAX_SIGNATURE_STATUSES:
            raise invalid_params(f"Too many inputs provided; max {MAX_SIGNATURE_STATUSES}")
        signatures = [as_signature(s) for s in raw]
        self._config(params, 1)
        return self._ctx([_status(self.chain.transactions.get(s)) for s in signatures])

    @rpc
    def getTransaction(self, params: list[Any]) -> Any:
        signature = as_signature(param(params, 0, "signature"))
        config = param(params, 1, "config", required=False)
        if isinstance(config, str):  # the legacy form passes the encoding alone
            config = {"encoding": config}
        config = self._config([config], 0)
        if config.get("commitment") == "processed":
            raise invalid_params("Method does not support commitment below `confirmed`")
        encoding = config.get("encoding") or "json"
        if encoding not in ("json", "base64", "base58", "binary"):
            if encoding == "jsonParsed":
                raise invalid_params("encoding `jsonParsed` is not supported by getTransaction here; use `json`")
            raise invalid_params(
                f"unknown variant `{encoding}`, expected one of `binary`, `base64`, `base58`, `json`, `jsonParsed`"
            )
        max_version = config.get("maxSupportedTransactionVersion")
        if max_version is not None and max_version != 0:
            raise invalid_params(f"unsupported maxSupportedTransactionVersion {max_version!r}; use 0")
        record = self.chain.transactions.get(signature)
        if record is None:
            return None
        version = _version_of(record.tx)
        if version == 0 and max_version is None:
            raise unsupported_transaction_version(0)
        result = {
            "slot": record.slot,
            "blockTime": record.block_time,
            "transaction": _encode_tx(record.tx, encoding),
            "meta": _meta(record),
        }
        if max_version is not None:
            result["version"] = version
        return result

    @rpc
    def getSignaturesForAddress(self, params: list[Any]) -> Any:
        address = as_pubkey(param(params, 0, "address"), "address")
        config = self._config(params, 1)
        if config.get("commitment") == "processed":
            raise invalid_params("Method does not support commitment below `confirmed`")
        limit = config.get("limit")
        limit = MAX_SIGNATURES_FOR_ADDRESS if limit is None else as_int(limit, "limit")
        if limit == 0 or limit > MAX_SIGNATURES_FOR_ADDRESS:
            raise invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}")
        before = config.get("before") and as_signature(config["before"])
        until = config.get("until") and as_signature(config["until"])
        out = []
        started = before is None
        for signature in reversed(self.chain.signatures_for_address(address)):
            if not started:
                started = signature == before
                continue
            if signature == until:
                break
            record = self.chain.transactions[signature]
            out.append(
                {
                    "signature": str(signature),
                    "slot": record.slot,
                    "err": record.execution.err,
                    "memo": record.memo,
                    "blockTime": record.block_time,
                    "confirmationStatus": "finalized",
                }
            )
            if len(out) == limit:
                break
        return out

    @rpc
    def requestAirdrop(self, params: list[Any]) -> Any:
        pubkey = as_pubkey(param(params, 0, "pubkey"))
        lamports = as_int(param(params, 1, "lamports"), "lamports")
        self._config(params, 2)
        try:
            return str(self.chain.airdrop(pubkey, lamports))
        except RuntimeError:  # the faucet cannot pay: Agave answers a bare internal error
            raise RpcError(INTERNAL_ERROR, "Internal error") from None

    # --- gridpay admin -----------------------------------------------------------
    @rpc
    def gridpay_warp(self, params: list[Any]) -> Any:
        """Move the clock forward ``seconds``: slots advance, old blockhashes expire."""
        seconds = param(params, 0, "seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise invalid_params(f"`seconds` must be a number, got {seconds!r}")
        try:
            self.chain.warp(seconds)
        except ValueError as exc:
            raise invalid_params(str(exc)) from None
        return {"slot": self.chain.slot, "unixTimestamp": self.chain.slot_time}

    @rpc
    def gridpay_snapshot(self, params: list[Any]) -> Any:
        """Write the chain state to the configured snapshot file; returns its path."""
        if self._snapshot is None:
            raise invalid_params("no snapshot path configured for this node")
        return self._snapshot()


def _filters(raw: Any) -> Callable[[bytes, Pubkey], bool]:
    """Compile getProgramAccounts filters (dataSize, memcmp, tokenAccountState)."""
    if raw is None:
        return lambda data, owner: True
    if not isinstance(raw, list):
        raise invalid_params("`filters` must be an array")
    if len(raw) > MAX_FILTERS:
        raise invalid_params(f"Too many filters provided; max {MAX_FILTERS}")
    checks: list[Callable[[bytes, Pubkey], bool]] = []
    for item in raw:
        if not isinstance(item, dict) or len(item) != 1:
            raise invalid_params(f"invalid filter {item!r}: expected dataSize, memcmp or tokenAccountState")
        (kind, value), = item.items()
        if kind == "dataSize":
            size = as_int(value, "dataSize")
            checks.append(lambda data, owner, size=size: len(data) == size)
        elif kind == "memcmp":
            if not isinstance(value, dict):
                raise invalid_params("memcmp filter must be {offset, bytes, encoding}")
            offset = as_int(value.get("offset"), "memcmp.offset")
            encoding = value.get("encoding") or "base58"
            if encoding not in ("base58", "base64"):
                raise invalid_params(f"unknown memcmp encoding `{encoding}`, expected `base58` or `base64`")
            wanted = decode_binary(as_str(value.get("bytes"), "memcmp.bytes"), encoding, "memcmp bytes")
            if len(wanted) > MAX_MEMCMP_BYTES:
                raise invalid_param(f"memcmp bytes larger than {MAX_MEMCMP_BYTES} bytes")
            checks.append(
                lambda data, owner, o=offset, w=wanted: data[o : o + len(w)] == w
            )
        elif kind == "tokenAccountState":
            checks.append(
                lambda data, owner: owner in TOKEN_PROGRAMS and unpack_account(data) is not None
            )
        else:
            raise invalid_params(
                f"unknown variant `{kind}`, expected one of `dataSize`, `memcmp`, `tokenAccountState`"
            )
    return lambda data, owner: all(check(data, owner) for check in checks)


def _simulation_value(
    execution: Execution, *, accounts: Any, inner: bool, replacement: Any
) -> dict[str, Any]:
    return {
        "err": execution.err,
        "logs": execution.logs,
        "accounts": accounts,
        "unitsConsumed": execution.units,
        "loadedAccountsDataSize": None,
        "returnData": execution.return_data,
        "innerInstructions": execution.inner_instructions if inner else None,
        "replacementBlockhash": replacement,
        "fee": None,
        "preBalances": None,
        "postBalances": None,
        "preTokenBalances": None,
        "postTokenBalances": None,
        "loadedAddresses": None,
    }


def _status(record: TxRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    err = record.execution.err
    return {
        "slot": record.slot,
        "confirmations": None,  # rooted: a single node has no forks to wait out
        "err": err,
        "status": {"Ok": None} if err is None else {"Err": err},
        "confirmationStatus": "finalized",
    }


def _encode_tx(tx: VersionedTransaction, encoding: str) -> Any:
    if encoding == "base64":
        return [base64.b64encode(bytes(tx)).decode(), "base64"]
    if encoding == "base58":
        return [b58encode(bytes(tx)), "base58"]
    if encoding == "binary":
        return b58encode(bytes(tx))
    message = tx.message
    header = message.header
    ui: dict[str, Any] = {
        "accountKeys": [str(k) for k in message.account_keys],
        "header": {
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
            "numRequiredSignatures": header.num_required_signatures,
        },
        "instructions": [
            {
                "accounts": list(ix.accounts),
                "data": b58encode(bytes(ix.data)),
                "programIdIndex": ix.program_id_index,
                "stackHeight": None,
            }
            for ix in message.instructions
        ],
        "recentBlockhash": str(message.recent_blockhash),
    }
    if isinstance(message, MessageV0):
        ui["addressTableLookups"] = [
            {
                "accountKey": str(lookup.account_key),
                "readonlyIndexes": list(lookup.readonly_indexes),
                "writableIndexes": list(lookup.writable_indexes),
            }
            for lookup in message.address_table_lookups
        ]
    return {"message": ui, "signatures": [str(s) for s in tx.signatures]}


def _meta(record: TxRecord) -> dict[str, Any]:
    execution = record.execution
    meta = {
        "computeUnitsConsumed": execution.units,
        "err": execution.err,
        "fee": execution.fee,
        "innerInstructions": execution.inner_instructions,
        "loadedAddresses": {
            "readonly": [str(k) for k in record.loaded_readonly],
            "writable": [str(k) for k in record.loaded_writable],
        },
        "logMessages": execution.logs,
        "postBalances": record.post_balances,
        "postTokenBalances": record.post_token_balances,
        "preBalances": record.pre_balances,
        "preTokenBalances": record.pre_token_balances,
        "rewards": [],
        "status": {"Ok": None} if execution.err is None else {"Err": execution.err},
    }
    if execution.return_data is not None:
        meta["returnData"] = execution.return_data
    return meta

