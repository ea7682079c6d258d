"""Chain reads made cheap, for code that reads a lot concurrently (a
facilitator verifying many payments at once).

``EvmChain`` reads through web3, whose per-call request formatting costs
milliseconds of CPU. ``FastChain`` is the same EvmChain (transactions still
go through web3) with its reads — ``eth_call``, code, the chain clock — sent
as plain JSON-RPC, the calls made in one event-loop tick coalesced into one
batch request (``BatchingRpc``), and two slow-changing facts cached briefly:
the latest block's time (callers checking time windows keep a margin of
seconds anyway) and whether an address holds code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import aiohttp
from eth_utils import to_checksum_address
from web3.providers import AsyncHTTPProvider

from pyclients.evm import abi
from pyclients.evm.abi import Reverted
from pyclients.evm.chain import EvmChain, lean_web3
from pyclients.evm.errors import EvmPaymentError, from_revert

#: Largest batch sent in one HTTP request.
MAX_BATCH = 100
#: Seconds the latest block time and an address's code size are reused.
CLOCK_TTL = 1.0
CODE_TTL = 5.0


class RpcError(Exception):
    """The node answered a call with a JSON-RPC error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"JSON-RPC error {error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.message = str(error.get("message", ""))
        self.data = error.get("data")


class BatchingRpc:
    """JSON-RPC 2.0 over one aiohttp session; concurrent calls share a batch."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self._queue: list[tuple[dict[str, Any], asyncio.Future[Any]]] = []
        self._scheduled = False

    async def request(self, method: str, params: list[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(({"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                             "params": params}, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        queue, self._queue = self._queue, []
        for start in range(0, len(queue), MAX_BATCH):
            asyncio.ensure_future(self._send(queue[start:start + MAX_BATCH]))

    async def _send(self, batch: list[tuple[dict[str, Any], asyncio.Future[Any]]]) -> None:
        try:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=self.timeout)
            payload = [request for request, _ in batch]
            async with self._session.post(self.url, data=json.dumps(payload),
                                          headers={"Content-Type": "application/json"}) as resp:
                resp.raise_for_status()
                answers = await resp.json(content_type=None)
            if isinstance(answers, dict):  # a node that answers a batch with one error
                raise RpcError(answers.get("error") or {"message": str(answers)})
            by_id = {a.get("id"): a for a in answers}
            for request, future in batch:
                answer = by_id.get(request["id"])
                if future.done():
                    continue
                if answer is None:
                    future.set_exception(RpcError({"message": "no answer in the batch"}))
                elif "error" in answer:
                    future.set_exception(RpcError(answer["error"]))
                else:
                    future.set_result(answer.get("result"))
        except Exception as exc:  # noqa: BLE001 - every waiter gets the transport's error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _revert_bytes(error: RpcError) -> bytes | None:
    """The revert data of an execution revert, None for any other error."""
    data = error.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if error.code == 3 or "revert" in error.message.lower():
        return b""
    return None


class FastChain(EvmChain):
    """An ``EvmChain`` whose reads go through ``BatchingRpc``."""

    def __init__(self, rpc_url: str, *, timeout: float = 30.0) -> None:
        super().__init__(lean_web3(AsyncHTTPProvider(rpc_url,
                                                     request_kwargs={"timeout": timeout})))
        self.rpc = BatchingRpc(rpc_url, timeout=timeout)
        self._clock: tuple[float, int] | None = None
        self._code: dict[str, tuple[float, int]] = {}

    async def close(self) -> None:
        await self.rpc.close()
        await super().close()

    async def _eth_call(self, tx: dict[str, Any]) -> bytes:
        try:
            out = await self.rpc.request("eth_call", [tx, "latest"])
        except RpcError as exc:
            data = _revert_bytes(exc)
            if data is None:
                raise
            raise Reverted(data, exc.message) from exc
        return bytes.fromhex(out[2:]) if isinstance(out, str) else b""

    async def call(self, to: str, fn: abi.Function, *args: Any, sender: str | None = None) -> tuple:
        tx: dict[str, Any] = {"to": to, "data": "0x" + fn.encode(*args).hex()}
        if sender is not None:
            tx["from"] = sender
        out = await self._eth_call(tx)
        if not fn.outputs:
            return ()
        if not out:
            raise Reverted(b"", f"{fn.name} returned nothing: no contract at {to}?")
        return fn.decode(out)

    async def simulate(self, sender: str, to: str, data: bytes, *, action: str) -> None:
        """eth_call the transaction as ``sender``; pyclients' typed error if it reverts."""
        try:
            await self._eth_call({"from": sender, "to": to, "data": "0x" + data.hex()})
        except Reverted as exc:
            error: EvmPaymentError = from_revert(exc.data, action)
            raise error from exc

    async def now(self) -> int:
        cached = self._clock
        mono = time.monotonic()
        if cached is None or mono - cached[0] > CLOCK_TTL:
            block = await self.rpc.request("eth_getBlockByNumber", ["latest", False])
            cached = self._clock = (mono, int(block["timestamp"], 16))
        return max(cached[1], int(time.time()))

    async def code_size(self, address: str) -> int:
        key = to_checksum_address(address)
        mono = time.monotonic()
        cached = self._code.get(key)
        if cached is None or mono - cached[0] > CODE_TTL:
            code = await self.rpc.request("eth_getCode", [key, "latest"])
            cached = self._code[key] = (mono, (len(code) - 2) // 2)
        return cached[1]
