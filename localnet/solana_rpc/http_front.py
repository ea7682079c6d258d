"""The validator's HTTP/1.1 front: JSON-RPC over ``POST /`` without a web framework.

A request's whole life is one synchronous step on the event loop (the JSON-RPC
methods never await), so an ``asyncio.Protocol`` can parse what arrived, run
every complete request in order and write the answers back in one go: keep-alive
and pipelining come for free and no task, stream or response object is made per
request. That per-request framework work was a quarter of the server's time.
Answers are written once the loop has read every ready connection, so requests
that arrived together (from one client's several connections) are answered together.

Served here: ``POST /`` (JSON-RPC; Content-Length or chunked bodies up to
``max_body`` bytes), ``GET /health``, CORS preflight (``OPTIONS``). A WebSocket
upgrade is handed, with the bytes already read, to a protocol made by
``upgrade`` (aiohttp's), which owns the connection from then on. Malformed HTTP
gets ``400``, an oversized body ``413``, both naming what was wrong and closing
the connection; any other method or path gets ``405`` as from the real validator.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httptools

log = logging.getLogger(__name__)
#: Browser dApps call the validator cross-origin; Agave allows any origin too.
CORS_HEADER = b"Access-Control-Allow-Origin: *\r\n"
NOT_ALLOWED = b"Used HTTP Method is not allowed. POST or OPTIONS is required"
_REASONS = {200: b"OK", 400: b"Bad Request", 405: b"Method Not Allowed", 413: b"Payload Too Large",
            500: b"Internal Server Error"}
_JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + CORS_HEADER + b"Content-Length: "
LINGER_SECONDS = 2.0
#: A keep-alive connection with nothing in flight is closed after this long
#: without a byte from the client (aiohttp's default, which this front replaced).
IDLE_TIMEOUT_SECONDS = 75.0
#: Headers the front acts on (matched lower-cased); the rest are not kept.
_WANTED = {b"content-length", b"expect", b"upgrade", b"access-control-request-headers"}
_WANTED_LENGTHS = {len(name) for name in _WANTED}


class _Refused(Exception):
    """The request cannot be served; answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Request:
    """One request as parsed so far (a plain slotted class: one is made per request)."""

    __slots__ = ("method", "url", "headers", "raw_headers", "body", "size", "keep_alive")

    def __init__(self) -> None:
        self.method = b""
        self.url = b""
        self.headers: dict[bytes, bytes] = {}  # the _WANTED ones, lower-cased names
        self.raw_headers: list[tuple[bytes, bytes]] = []  # as sent, for a WebSocket handover
        self.body: list[bytes] = []
        self.size = 0
        self.keep_alive = True


class HttpFront:
    """Makes one protocol per connection; keeps them so that :meth:`close` can end them."""

    def __init__(
        self,
        rpc: Callable[[bytes], bytes],
        upgrade: Callable[[], asyncio.Protocol],
        *,
        max_body: int,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self.rpc = rpc
        self.upgrade = upgrade
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self.connections: set[HttpConnection] = set()
        self._unflushed: list[HttpConnection] = []
        self._sweeper: asyncio.TimerHandle | None = None

    def flush_soon(self, conn: HttpConnection) -> None:
        """Write ``conn``'s answers once this loop iteration has read every ready socket.

        Answers to requests that arrived together leave together: a client gets
        woken once for them rather than once per answer (measured: server user CPU
        per single-request sendTransaction ~165 -> ~130 us, median of 9 runs each).
        """
        if not self._unflushed:
            asyncio.get_running_loop().call_soon(self.flush)
        self._unflushed.append(conn)

    def flush(self) -> None:
        unflushed, self._unflushed = self._unflushed, []
        for conn in unflushed:
            conn.flush()

    def __call__(self) -> HttpConnection:
        if self._sweeper is None:
            self._schedule_sweep()
        return HttpConnection(self)

    def _schedule_sweep(self) -> None:
        # One timer for all connections rather than one re-armed per request.
        self._sweeper = asyncio.get_running_loop().call_later(self.idle_timeout / 4, self._sweep)

    def _sweep(self) -> None:
        """Close keep-alive connections idle for ``idle_timeout`` (none while answering)."""
        deadline = time.monotonic() - self.idle_timeout
        for conn in list(self.connections):
            if conn.last_active < deadline and not conn.ready and not conn.unsent:
                conn.transport.close()
        self._sweeper = None
        if self.connections:
            self._schedule_sweep()

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for conn in list(self.connections):
            conn.transport.close()


class HttpConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection (parsing by httptools, i.e. llhttp)."""

    transport: asyncio.Transport

    def __init__(self, front: HttpFront) -> None:
        self.front = front
        self.parser = httptools.HttpRequestParser(self)
        self.request = _Request()
        self.ready: list[_Request] = []  # complete requests, answered in arrival order
        self.unsent: list[bytes] = []  # answers waiting for the front's flush
        self.closing = False
        self.last_active = time.monotonic()

    # --- asyncio.Protocol -----------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.front.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.unsent.clear()

    def pause_writing(self) -> None:
        # A client pipelining faster than it reads: stop reading until it catches up.
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last_active = time.monotonic()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._upgraded(data, upgrade.args[0])
            return
        except httptools.HttpParserCallbackError as exc:
            refused = exc.__context__
            if not isinstance(refused, _Refused):
                raise
            self._answer_ready()
            self._refuse(refused.status, str(refused))
            return
        except httptools.HttpParserError as exc:
            self._answer_ready()
            self._refuse(400, f"malformed HTTP request: {exc}")
            return
        self._answer_ready()

    # --- httptools callbacks ------------------------------------------------------
    def on_message_begin(self) -> None:
        self.request = _Request()

    def on_url(self, url: bytes) -> None:
        self.request.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self.request
        request.raw_headers.append((name, value))
        if len(name) in _WANTED_LENGTHS:
            lowered = name.lower()
            if lowered in _WANTED:
                request.headers[lowered] = value

    def on_headers_complete(self) -> None:
        request = self.request
        request.method = self.parser.get_method()
        length = request.headers.get(b"content-length")
        if length is not None and int(length) > self.front.max_body:  # llhttp checked the digits
            raise _Refused(413, f"request body of {int(length)} bytes exceeds the {self.front.max_body}-byte limit")
        if request.headers.get(b"expect", b"").lower() == b"100-continue":
            self._send(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.flush()  # the client waits for it before sending the body

    def on_body(self, body: bytes) -> None:
        request = self.request
        request.size += len(body)
        if request.size > self.front.max_body:  # a chunked body has no length up front
            raise _Refused(413, f"request body exceeds the {self.front.max_body}-byte limit")
        request.body.append(body)

    def on_message_complete(self) -> None:
        self.request.keep_alive = self.parser.should_keep_alive()
        self.ready.append(self.request)

    # --- answering ------------------------------------------------------------------
    def _answer_ready(self) -> None:
        """Answer every complete request in order, in one write."""
        if not self.ready:
            return
        ready, self.ready = self.ready, []
        out = []
        for request in ready:
            out.append(self._answer(request))
            if not request.keep_alive:
                self.closing = True
                break
        self._send(b"".join(out) if len(out) > 1 else out[0])
        if self.closing:
            self._linger()

    def _send(self, data: bytes) -> None:
        if not self.unsent:
            self.front.flush_soon(self)
        self.unsent.append(data)

    def flush(self) -> None:
        if self.unsent:
            data = b"".join(self.unsent) if len(self.unsent) > 1 else self.unsent[0]
            self.unsent.clear()
            if not self.transport.is_closing():
                self.transport.write(data)

    def _answer(self, request: _Request) -> bytes:
        path = request.url
        if b"?" in path:
            path = path.split(b"?", 1)[0]
        method = request.method
        if method == b"POST" and path == b"/":
            try:
                body = self.front.rpc(b"".join(request.body))
            except Exception:  # the handler answers its own errors; this is a bug, not a client's fault
                log.exception("JSON-RPC handler failed")
                return _response(500, b"text/plain; charset=utf-8", b"internal error", request)
            return b"%s%d\r\n%s\r\n%s" % (_JSON_HEAD, len(body), _connection(request), body)
        if method == b"GET" and path == b"/health":
            return _response(200, b"text/plain; charset=utf-8", b"ok", request)
        if method == b"OPTIONS":  # CORS preflight of a browser dApp
            allowed = request.headers.get(b"access-control-request-headers", b"content-type")
            extra = b"Access-Control-Allow-Methods: POST, OPTIONS\r\nAccess-Control-Allow-Headers: %s\r\n" % allowed
            return _response(200, b"text/plain; charset=utf-8", b"", request, extra)
        return _response(405, b"text/plain; charset=utf-8", NOT_ALLOWED, request)

    def _refuse(self, status: int, message: str) -> None:
        self.closing = True
        body = message.encode()
        self._send(_response(status, b"text/plain; charset=utf-8", body, None))
        self._linger()

    def _linger(self) -> None:
        """Close after the answer, without losing it.

        Closing a socket with unread input makes the kernel send a reset, which can
        destroy the answer before the client reads it (e.g. the rest of a refused
        body). So: end our side, discard what still arrives, close when the peer
        does or after LINGER_SECONDS.
        """
        self.closing = True
        self.flush()
        if self.transport.can_write_eof():
            self.transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def _upgraded(self, data: bytes, offset: int) -> None:
        """The parser stopped at an Upgrade request: hand a WebSocket one over, serve others."""
        request = self.request
        if self.ready and self.ready[-1] is request:
            self.ready.pop()
        self._answer_ready()  # what came before it, in order
        if self.closing:
            return
        websocket = request.headers.get(b"upgrade", b"").lower() == b"websocket"
        head = b"%s %s HTTP/%s\r\n" % (request.method, request.url, self.parser.get_http_version().encode())
        head += b"".join(
            b"%s: %s\r\n" % (name, value)
            for name, value in request.raw_headers
            if websocket or name.lower() != b"upgrade"
        )
        head += b"\r\n"
        if not websocket:
            # e.g. curl's h2c upgrade: ignored, as HTTP/1.1 allows. The parser left the body
            # unread, so the request is parsed again without its Upgrade header.
            self.parser = httptools.HttpRequestParser(self)
            self.data_received(head + data[offset:])
            return
        self.flush()
        self.front.connections.discard(self)
        protocol = self.front.upgrade()
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
        protocol.data_received(head + data[offset:])


def _connection(request: _Request | None) -> bytes:
    return b"" if request is not None and request.keep_alive else b"Connection: close\r\n"


def _response(
    status: int, content_type: bytes, body: bytes, request: _Request | None, extra: bytes = b""
) -> bytes:
    return b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s%sContent-Length: %d\r\n%s\r\n%s" % (
        status, _REASONS[status], content_type, CORS_HEADER, extra, len(body), _connection(request), body,
    )
