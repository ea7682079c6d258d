"""WebSocket subscriptions: account, signature and slot notifications.

Message shapes follow Agave's `rpc_pubsub.rs`, which solders'
`parse_websocket_message` (solana-py's `connect`) and web3.js parse.
One deliberate difference: a signatureSubscribe for a transaction that has
already landed is answered at once, instead of never (Agave only notifies for
transactions processed after the subscription), so confirmation cannot race.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from solders.account import Account
from solders.pubkey import Pubkey
from solders.signature import Signature

from .chain import SYSTEM_PROGRAM_ID, Chain
from .encoding import check_account_encoding, encode_account
from .errors import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
    error_response,
    method_not_found,
)
from .params import COMMITMENTS, as_pubkey, as_signature, param

_EMPTY = Account(0, b"", SYSTEM_PROGRAM_ID)


@dataclass(eq=False)
class Connection:
    """One WebSocket peer: an ordered outbox drained by the server's writer task."""

    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    subscriptions: set[int] = field(default_factory=set)

    def send(self, message: dict[str, Any]) -> None:
        self.outbox.put_nowait(json.dumps(message, separators=(",", ":")))


@dataclass(slots=True)
class _Sub:
    conn: Connection
    kind: str  # "account" | "signature" | "slot"
    key: Any = None
    encoding: str = "binary"


class PubSub:
    """Tracks subscriptions and turns chain events into notifications."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._ids = itertools.count(1)
        self._subs: dict[int, _Sub] = {}
        self._by_account: dict[Pubkey, set[int]] = {}
        self._by_signature: dict[Signature, set[int]] = {}
        self._slot_subs: set[int] = set()
        chain.listeners.append(self)

    @property
    def watched_accounts(self) -> dict[Pubkey, set[int]]:
        return self._by_account

    # --- requests -----------------------------------------------------------
    def handle(self, conn: Connection, raw: str) -> None:
        try:
            request = json.loads(raw)
        except ValueError:
            conn.send(error_response(None, RpcError(PARSE_ERROR, "Parse error")))
            return
        for item in request if isinstance(request, list) else [request]:
            self._handle_one(conn, item)

    def _handle_one(self, conn: Connection, request: Any) -> None:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            conn.send(error_response(None, RpcError(INVALID_REQUEST, "Invalid request")))
            return
        req_id = request.get("id")
        params = request.get("params") or []
        try:
            if not isinstance(params, list):
                raise RpcError(INVALID_PARAMS, "Invalid params: `params` must be an array")
            handler = getattr(self, "_" + request["method"], None)
            if handler is None:
                raise method_not_found()
            result, after = handler(conn, params)
        except RpcError as exc:
            conn.send(error_response(req_id, exc))
            return
        conn.send({"jsonrpc": "2.0", "result": result, "id": req_id})
        if after is not None:
            after()

    def _subscribe(self, conn: Connection, sub: _Sub) -> int:
        sub_id = next(self._ids)
        self._subs[sub_id] = sub
        conn.subscriptions.add(sub_id)
        return sub_id

    def _config(self, params: list[Any], index: int) -> dict[str, Any]:
        config = param(params, index, "config", required=False) or {}
        if not isinstance(config, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: config must be an object")
        if config.get("commitment") not in (None, *COMMITMENTS):
            raise RpcError(INVALID_PARAMS, f"Invalid params: unknown commitment {config['commitment']!r}")
        return config

    def _accountSubscribe(self, conn: Connection, params: list[Any]) -> tuple[int, None]:
        pubkey = as_pubkey(param(params, 0, "pubkey"))
        encoding = check_account_encoding(self._config(params, 1).get("encoding"))
        sub_id = self._subscribe(conn, _Sub(conn, "account", pubkey, encoding))
        self._by_account.setdefault(pubkey, set()).add(sub_id)
        return sub_id, None

    def _signatureSubscribe(self, conn: Connection, params: list[Any]) -> tuple[int, Any]:
        signature = as_signature(param(params, 0, "signature"))
        self._config(params, 1)
        sub_id = self._subscribe(conn, _Sub(conn, "signature", signature))
        self._by_signature.setdefault(signature, set()).add(sub_id)
        record = self.chain.transactions.get(signature)
        if record is None:
            return sub_id, None
        return sub_id, lambda: self.on_signature(signature, record.execution.err, record.slot)

    def _slotSubscribe(self, conn: Connection, params: list[Any]) -> tuple[int, None]:
        sub_id = self._subscribe(conn, _Sub(conn, "slot"))
        self._slot_subs.add(sub_id)
        return sub_id, None

    def _unsubscribe(self, conn: Connection, params: list[Any], kind: str) -> tuple[bool, None]:
        sub_id = param(params, 0, "subscription")
        sub = self._subs.get(sub_id) if isinstance(sub_id, int) else None
        if sub is None or sub.conn is not conn or sub.kind != kind:
            raise RpcError(INVALID_PARAMS, "Invalid subscription id.")
        self._drop(sub_id)
        return True, None

    def _accountUnsubscribe(self, conn: Connection, params: list[Any]) -> tuple[bool, None]:
        return self._unsubscribe(conn, params, "account")

    def _signatureUnsubscribe(self, conn: Connection, params: list[Any]) -> tuple[bool, None]:
        return self._unsubscribe(conn, params, "signature")

    def _slotUnsubscribe(self, conn: Connection, params: list[Any]) -> tuple[bool, None]:
        return self._unsubscribe(conn, params, "slot")

    def _drop(self, sub_id: int) -> None:
        sub = self._subs.pop(sub_id, None)
        if sub is None:
            return
        sub.conn.subscriptions.discard(sub_id)
        if sub.kind in ("account", "signature"):
            # an entry without watchers is removed: empty maps let commits skip the work
            watched = self._by_account if sub.kind == "account" else self._by_signature
            watchers = watched.get(sub.key)
            if watchers is not None:
                watchers.discard(sub_id)
                if not watchers:
                    del watched[sub.key]
        else:
            self._slot_subs.discard(sub_id)

    def disconnect(self, conn: Connection) -> None:
        for sub_id in list(conn.subscriptions):
            self._drop(sub_id)

    # --- chain events -------------------------------------------------------
    def on_slots(self, slots: list[int]) -> None:
        for slot in slots[-32:]:  # a long warp announces only its last slots
            for sub_id in self._slot_subs:
                result = {"parent": max(slot - 1, 0), "root": slot, "slot": slot}
                self._subs[sub_id].conn.send(_notification("slotNotification", result, sub_id))

    def on_account(self, pubkey: Pubkey, account: Account | None, slot: int) -> None:
        for sub_id in self._by_account.get(pubkey, ()):
            sub = self._subs[sub_id]
            try:
                value = encode_account(account or _EMPTY, sub.encoding, None, self.chain.mint_decimals)
            except RpcError:  # e.g. base58 over 128 bytes: fall back as jsonParsed does
                value = encode_account(account or _EMPTY, "base64", None, self.chain.mint_decimals)
            result = {"context": {"slot": slot}, "value": value}
            sub.conn.send(_notification("accountNotification", result, sub_id))

    def on_signature(self, signature: Signature, err: Any, slot: int) -> None:
        if not self._by_signature:  # the common case: nobody waits on a signature
            return
        for sub_id in list(self._by_signature.pop(signature, ())):
            sub = self._subs[sub_id]
            result = {"context": {"slot": slot}, "value": {"err": err}}
            sub.conn.send(_notification("signatureNotification", result, sub_id))
            self._drop(sub_id)  # signature subscriptions are one-shot


def _notification(method: str, result: Any, sub_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": {"result": result, "subscription": sub_id}}

