"""The validator's HTTP/1.1 front, spoken to over raw sockets as any HTTP client would:
keep-alive, pipelining answered in order, chunked bodies, 100-continue, and the
refusals (malformed HTTP, oversized bodies, other methods) with their reasons."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any

from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

from localnet.solana_rpc import SolanaLocalnet
from localnet.solana_rpc.http_front import HttpFront
from localnet.solana_rpc.server import MAX_BODY_BYTES
from tests.solana_rpc.helpers import dependent_transfers

SOL = 1_000_000_000


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def post(body: bytes | dict[str, Any] | list[Any], *headers: str) -> bytes:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = "".join(h + "\r\n" for h in headers)
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{head}"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode() + data


def call(method: str, params: list[Any] | None = None, req_id: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": req_id, "method": method, "params": params or []}


class Conn:
    """One TCP connection; replies are read one HTTP response at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, net: SolanaLocalnet | tuple[str, int]) -> Conn:
        host, port = net if isinstance(net, tuple) else (net.host, net.port)
        return cls(*await asyncio.open_connection(host, port))

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self) -> Reply:
        head = (await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)).decode()
        status_line, *lines = head.strip().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        return Reply(int(status_line.split()[1]), headers, body)

    async def closed_by_server(self) -> bool:
        return await asyncio.wait_for(self.reader.read(), 10) == b""

    async def close(self) -> None:
        self.writer.close()


async def test_keep_alive_serves_several_requests_on_one_connection(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    for i in range(5):
        await conn.send(post(call("getSlot", req_id=i)))
        reply = await conn.reply()
        assert reply.status == 200
        assert reply.headers["content-type"] == "application/json"
        assert reply.headers["access-control-allow-origin"] == "*"
        assert "connection" not in reply.headers  # stays open
        assert reply.json()["id"] == i and isinstance(reply.json()["result"], int)
    await conn.send(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    health = await conn.reply()
    assert (health.status, health.body) == (200, b"ok")
    await conn.close()


async def test_pipelined_requests_run_and_answer_in_order(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair, alice: Keypair
) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    fresh, funds, spends = dependent_transfers(payer, alice.pubkey(), SOL, blockhash)  # `spends` needs `funds` first
    sends = [
        call("sendTransaction", [base64.b64encode(bytes(tx)).decode(), {"encoding": "base64"}], req_id=n)
        for n, tx in (("funds", funds), ("spends", spends))
    ]
    conn = await Conn.open(net)
    # all in one write: the server sees them in one read and must not reorder them
    await conn.send(
        post(sends[0]) + post(sends[1]) + b"GET /health HTTP/1.1\r\n\r\n"
        + post(call("getBalance", [str(fresh.pubkey())], req_id="balance"))
    )
    replies = [await conn.reply() for _ in range(4)]
    assert [r.status for r in replies] == [200] * 4
    assert replies[0].json() == {"jsonrpc": "2.0", "result": str(funds.signatures[0]), "id": "funds"}
    assert replies[1].json() == {"jsonrpc": "2.0", "result": str(spends.signatures[0]), "id": "spends"}
    assert replies[2].body == b"ok"
    assert replies[3].json()["id"] == "balance"
    assert replies[3].json()["result"]["value"] == SOL - 5000
    await conn.close()


async def test_chunked_body_and_expect_100_continue(net: SolanaLocalnet) -> None:
    data = json.dumps([call("getHealth", req_id=1), call("getSlot", req_id=2)]).encode()
    chunks = [data[:10], data[10:]]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    conn = await Conn.open(net)
    await conn.send(b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    batch = (await conn.reply()).json()
    assert [a["id"] for a in batch] == [1, 2] and batch[0]["result"] == "ok"

    body = json.dumps(call("getHealth", req_id=3)).encode()
    await conn.send(
        b"POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    interim = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"), 10)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    await conn.send(body)
    assert (await conn.reply()).json() == {"jsonrpc": "2.0", "result": "ok", "id": 3}
    await conn.close()


async def test_connection_close_and_http_1_0_end_the_connection(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    await conn.send(post(call("getHealth"), "Connection: close") + post(call("getSlot")))
    reply = await conn.reply()
    assert reply.json()["result"] == "ok" and reply.headers["connection"] == "close"
    assert await conn.closed_by_server()  # the request after `close` is not served

    conn = await Conn.open(net)
    body = json.dumps(call("getHealth")).encode()
    await conn.send(b"POST / HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert (await conn.reply()).json()["result"] == "ok"
    assert await conn.closed_by_server()


async def test_malformed_http_is_refused_with_400_and_the_reason(net: SolanaLocalnet) -> None:
    cases = {
        b"BREW / HTTP/1.1\r\n\r\n": "Invalid method",
        b"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n": "Content-Length",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n": "chunk size",
    }
    for raw, reason in cases.items():
        conn = await Conn.open(net)
        await conn.send(raw)
        reply = await conn.reply()
        assert reply.status == 400, raw
        assert reply.body.startswith(b"malformed HTTP request: ") and reason.lower() in reply.body.decode().lower()
        assert reply.headers["connection"] == "close"
        assert await conn.closed_by_server()


async def test_answers_before_a_malformed_request_are_still_sent(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    await conn.send(post(call("getHealth", req_id=9)) + b"NOT HTTP AT ALL\r\n\r\n")
    assert (await conn.reply()).json()["id"] == 9
    assert (await conn.reply()).status == 400
    assert await conn.closed_by_server()


async def test_malformed_json_gets_json_rpc_errors_over_http_200(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    await conn.send(post(b"{not json") + post(b"[]") + post(b'"just a string"'))
    parse, empty, not_object = [await conn.reply() for _ in range(3)]
    assert parse.status == empty.status == not_object.status == 200
    assert parse.json() == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}
    assert empty.json()["error"] == {"code": -32600, "message": "Invalid request"}
    assert not_object.json()["error"] == {"code": -32600, "message": "Invalid request"}
    await conn.close()


async def test_oversized_body_is_refused_before_it_is_read(
    net: SolanaLocalnet, client: AsyncClient, payer: Keypair
) -> None:
    before = (await client.get_balance(payer.pubkey())).value
    conn = await Conn.open(net)
    # only the head is sent: the refusal must not wait for the body
    await conn.send(b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY_BYTES + 1))
    reply = await conn.reply()
    assert reply.status == 413
    assert reply.body.decode() == (
        f"request body of {MAX_BODY_BYTES + 1} bytes exceeds the {MAX_BODY_BYTES}-byte limit"
    )
    assert await conn.closed_by_server()

    # a chunked body has no length up front: refused once it grows past the limit
    conn = await Conn.open(net)
    chunk = b" " * (256 * 1024)
    await conn.send(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(5):
        conn.writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    reply = await conn.reply()
    assert reply.status == 413 and f"exceeds the {MAX_BODY_BYTES}-byte limit" in reply.body.decode()
    assert (await client.get_balance(payer.pubkey())).value == before


async def test_other_methods_and_paths_get_405_and_preflight_gets_cors(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    for raw in (b"GET / HTTP/1.1\r\n\r\n", b"PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                b"POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n"):
        await conn.send(raw)
        reply = await conn.reply()
        assert reply.status == 405
        assert reply.body == b"Used HTTP Method is not allowed. POST or OPTIONS is required"
    await conn.send(
        b"OPTIONS / HTTP/1.1\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\n"
        b"Access-Control-Request-Headers: content-type, solana-client\r\n\r\n"
    )
    preflight = await conn.reply()
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert preflight.headers["access-control-allow-headers"] == "content-type, solana-client"
    await conn.close()


async def test_websocket_upgrade_after_http_requests_on_the_same_connection(net: SolanaLocalnet) -> None:
    conn = await Conn.open(net)
    await conn.send(post(call("getHealth", req_id=1)))
    assert (await conn.reply()).json()["result"] == "ok"
    key = base64.b64encode(b"0123456789abcdef").decode()
    await conn.send(
        (
            "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    switched = await conn.reply()
    assert switched.status == 101 and switched.headers["upgrade"].lower() == "websocket"
    # a masked text frame: slotSubscribe; the answer is an unmasked text frame with the id
    payload = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "slotSubscribe"}).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    await conn.send(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    first = await asyncio.wait_for(conn.reader.readexactly(2), 10)
    assert first[0] == 0x81
    answer = json.loads(await conn.reader.readexactly(first[1]))
    assert answer["id"] == 5 and isinstance(answer["result"], int)
    await conn.close()


class _Echo(asyncio.Protocol):
    """Stands in for the WebSocket server a connection is handed to."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


async def test_idle_keep_alive_connections_are_closed_and_busy_ones_kept() -> None:
    """A keep-alive connection silent for the idle timeout is closed; one that
    keeps sending, and one handed over as a WebSocket, stay open."""
    front = HttpFront(lambda body: b'{"jsonrpc":"2.0","id":1,"result":"ok"}', _Echo, max_body=1024,
                      idle_timeout=0.4)
    server = await asyncio.get_running_loop().create_server(front, "127.0.0.1", 0)
    address = server.sockets[0].getsockname()[:2]
    try:
        idle, busy, upgraded = [await Conn.open(address) for _ in range(3)]
        await upgraded.send(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        assert (await upgraded.reader.readuntil(b"\r\n\r\n")).startswith(b"GET / HTTP/1.1")  # echoed
        for _ in range(12):  # 1.2 s, three idle timeouts
            await busy.send(post(call("getHealth")))
            assert (await busy.reply()).status == 200
            await asyncio.sleep(0.1)
        assert await idle.closed_by_server()
        await upgraded.send(b"still here")
        assert await asyncio.wait_for(upgraded.reader.readexactly(10), 10) == b"still here"
        for conn in (busy, upgraded):
            await conn.close()
    finally:
        front.close()
        server.close()
