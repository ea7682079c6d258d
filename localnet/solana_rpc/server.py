"""HTTP JSON-RPC and WebSocket server over the chain (one event loop).

``POST /`` takes JSON-RPC 2.0 requests (single or batch), served by the lean
HTTP/1.1 front in :mod:`.http_front`; ``GET /`` with an Upgrade header is the
WebSocket endpoint (aiohttp), also served on ``ws_port`` when given (the
validator's RPC port + 1 convention); ``GET /health`` answers "ok" as the
validator does. Every JSON-RPC failure is a JSON-RPC error with HTTP 200; only
malformed HTTP (400) and oversized bodies (413) are refused at the HTTP level.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from solders.litesvm import LiteSVM

from . import snapshot
from .chain import Chain, ChainConfig
from .errors import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError, error_response
from .http_front import NOT_ALLOWED, HttpFront
from .methods import RpcMethods
from .pubsub import Connection, PubSub

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024


def _dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # an integer beyond 64 bits: the standard library writes any size
        return json.dumps(obj, separators=(",", ":")).encode()


class SolanaLocalnet:
    """A running local validator. Use :meth:`start` as an async context manager."""

    def __init__(self, chain: Chain, *, snapshot_path: Path | None = None) -> None:
        self.chain = chain
        self.snapshot_path = Path(snapshot_path) if snapshot_path else None
        self.methods = RpcMethods(chain, snapshot=self.save if self.snapshot_path else None)
        self.pubsub = PubSub(chain)
        self.host = "127.0.0.1"
        self.port = 0
        self.ws_port: int | None = None
        self._servers: list[asyncio.Server] = []
        self._front: HttpFront | None = None
        self._ws_server: web.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        #: What the boot function returned (localnet.solana_chain.BootState by default).
        self.boot_state: Any = None

    # --- public surface -------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port or self.port}"

    @property
    def svm(self) -> LiteSVM:
        return self.chain.svm

    @property
    def network_id(self) -> str:
        return self.chain.network_id

    def warp(self, seconds: float) -> None:
        """Move the chain clock forward (slots advance, blockhashes expire)."""
        self.chain.warp(seconds)

    def save(self) -> str:
        if self.snapshot_path is None:
            raise ValueError("no snapshot_path configured")
        return str(snapshot.save(self.chain, self.snapshot_path))

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        ws_port: int | None = None,
        config: ChainConfig | None = None,
        boot: Callable[[Chain], Any] | bool = True,
        snapshot_path: Path | str | None = None,
    ) -> AsyncIterator[SolanaLocalnet]:
        """Boot a chain and serve it until the block exits.

        ``boot``: True applies the gridpay boot state (``localnet.solana_chain.boot``:
        mints, funded wallets, built programs), False starts empty, or a callable
        applied to the chain. With ``snapshot_path``, an existing snapshot is
        resumed instead of booting, and the state is saved there on exit.
        """
        path = Path(snapshot_path) if snapshot_path else None
        boot_state: Any = None
        if path is not None and path.exists():
            chain = snapshot.load(path, config)
            if boot is True:
                from localnet.solana_chain import describe

                boot_state = describe(chain)
        else:
            chain = Chain(config)
            if boot is True:
                from localnet.solana_chain import boot as gridpay_boot

                boot_state = gridpay_boot(chain)
            elif callable(boot):
                boot_state = boot(chain)
        net = cls(chain, snapshot_path=path)
        net.boot_state = boot_state
        await net._serve(host, port, ws_port)
        try:
            yield net
        finally:
            await net._stop()
            if path is not None:
                net.save()

    # --- serving ----------------------------------------------------------------
    async def _serve(self, host: str, port: int, ws_port: int | None) -> None:
        loop = asyncio.get_running_loop()
        # WebSocket upgrades are handed to aiohttp; it owns those connections from then on.
        self._ws_server = web.Server(self._ws_request, access_log=None)
        self._front = HttpFront(self._rpc, self._ws_server, max_body=MAX_BODY_BYTES)
        server = await loop.create_server(self._front, host, port, reuse_address=True)
        self._servers = [server]
        self.host = host
        self.port = server.sockets[0].getsockname()[1]
        if ws_port is not None:  # the validator's convention: WebSocket on RPC port + 1 (both serve both)
            ws_server = await loop.create_server(self._front, host, ws_port, reuse_address=True)
            self._servers.append(ws_server)
            self.ws_port = ws_server.sockets[0].getsockname()[1]
        self._ticker = asyncio.create_task(self._tick_forever())

    async def _stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        for server in self._servers:
            server.close()
        if self._front is not None:
            self._front.close()
        if self._ws_server is not None:
            self._ws_server.pre_shutdown()
            await self._ws_server.shutdown(1.0)
        for server in self._servers:
            await server.wait_closed()

    async def _tick_forever(self) -> None:
        interval = self.chain.config.slot_ms / 1000 / 4
        while True:
            await asyncio.sleep(interval)
            try:
                self.chain.tick()
            except Exception:  # a bad tick must not stop the clock
                log.exception("slot tick failed")

    def _rpc(self, body: bytes) -> bytes:
        """A ``POST /`` body in, the JSON-RPC answer out (always an answer, never an exception)."""
        try:
            # orjson, like the validator's serde_json, reads integers beyond 64 bits as floats
            payload = orjson.loads(body)
        except ValueError:
            return _dumps(error_response(None, RpcError(PARSE_ERROR, "Parse error")))
        if isinstance(payload, list):
            if not payload:
                return _dumps(error_response(None, RpcError(INVALID_REQUEST, "Invalid request")))
            return _dumps([self._dispatch(item) for item in payload])
        return _dumps(self._dispatch(payload))

    def _dispatch(self, request: Any) -> dict[str, Any]:
        if (
            not isinstance(request, dict)
            or request.get("jsonrpc") != "2.0"
            or not isinstance(request.get("method"), str)
        ):
            req_id = request.get("id") if isinstance(request, dict) else None
            return error_response(req_id, RpcError(INVALID_REQUEST, "Invalid request"))
        req_id = request.get("id")
        try:
            result = self.methods.call(request["method"], request.get("params"))
        except RpcError as exc:
            return error_response(req_id, exc)
        except Exception as exc:  # never a 500: report it as the JSON-RPC internal error
            log.exception("%s failed", request["method"])
            return error_response(req_id, RpcError(INTERNAL_ERROR, f"Internal error: {exc}"))
        return {"jsonrpc": "2.0", "result": result, "id": req_id}

    async def _ws_request(self, request: web.BaseRequest) -> web.StreamResponse:
        """What the HTTP front hands over: WebSocket upgrades (a refused one closes the connection)."""
        if request.method == "GET" and request.path == "/":
            response = await self._ws(request)
        else:
            response = web.Response(status=405, text=NOT_ALLOWED.decode())
        response.force_close()
        return response

    async def _ws(self, request: web.BaseRequest) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="not a valid WebSocket upgrade request")
        await ws.prepare(request)
        conn = Connection()
        writer = asyncio.create_task(self._drain(ws, conn))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.chain.tick()
                    self.pubsub.handle(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.pubsub.disconnect(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    @staticmethod
    async def _drain(ws: web.WebSocketResponse, conn: Connection) -> None:
        while True:
            message = await conn.outbox.get()
            if ws.closed:
                return
            await ws.send_str(message)

