"""Talking to a node: one job, streamed or not, under the gateway's timeouts.

Anything short of a complete answer — connection refused or cut, a node
error, silence longer than the idle timeout, a job longer than the job
timeout, a stream without its ``[DONE]`` — raises ``NodeFailed``, and the
caller refunds the job.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from facilitator.gateway.protocol import JOB_HEADER, PAYER_HEADER, RECEIPT_EVENT, RECEIPT_HEADER


class NodeFailed(Exception):
    """The node did not deliver the whole job; ``reason`` is one word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Answer:
    body: dict[str, Any]
    output: str
    receipt: str | None


def _headers(job: str, payer: str) -> dict[str, str]:
    return {JOB_HEADER: job, PAYER_HEADER: payer}


def _failure(exc: BaseException) -> NodeFailed:
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return NodeFailed("timeout", f"the node did not answer in time ({type(exc).__name__})")
    return NodeFailed("node_unreachable", f"the node connection failed: {exc!r}")


class Relay:
    def __init__(self, http: httpx.AsyncClient, *, idle_timeout: float, job_timeout: float) -> None:
        self.http = http
        self.idle = idle_timeout
        self.total = job_timeout

    def _timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.idle, connect=min(5.0, self.idle))

    async def complete(self, url: str, body: dict[str, Any], job: str, payer: str) -> Answer:
        try:
            async with asyncio.timeout(self.total):
                r = await self.http.post(f"{url}/v1/chat/completions", json=body,
                                         headers=_headers(job, payer),
                                         timeout=httpx.Timeout(self.total, connect=5.0))
        except (httpx.HTTPError, TimeoutError) as exc:
            raise _failure(exc) from exc
        if r.status_code != 200:
            raise NodeFailed("node_error", f"the node answered {r.status_code}: {r.text[:300]}")
        try:
            answer = r.json()
            output = answer["choices"][0]["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise NodeFailed("node_error", f"the node's answer is not a chat completion: "
                                           f"{exc!r}") from exc
        return Answer(answer, output, r.headers.get(RECEIPT_HEADER))

    async def stream(self, url: str, body: dict[str, Any], job: str,
                     payer: str) -> AsyncIterator[tuple[str, Any]]:
        """Yields ("chunk", dict) per completion chunk, then ("receipt", b64 | None)."""
        receipt: str | None = None
        done = False
        event = "message"
        try:
            async with asyncio.timeout(self.total):
                async with self.http.stream("POST", f"{url}/v1/chat/completions",
                                            json={**body, "stream": True},
                                            headers=_headers(job, payer),
                                            timeout=self._timeout()) as r:
                    if r.status_code != 200:
                        text = (await r.aread()).decode(errors="replace")
                        raise NodeFailed("node_error", f"the node answered {r.status_code}: "
                                                       f"{text[:300]}")
                    async for line in r.aiter_lines():
                        if line.startswith("event:"):
                            event = line[6:].strip()
                            continue
                        if not line.startswith("data:"):
                            if not line:
                                event = "message"
                            continue
                        data = line[5:].strip()
                        if event == RECEIPT_EVENT:
                            receipt = data
                        elif data == "[DONE]":
                            done = True
                            break
                        else:
                            chunk = json.loads(data)
                            if "error" in chunk and "choices" not in chunk:
                                raise NodeFailed("node_error", f"the node failed mid-stream: "
                                                               f"{str(chunk['error'])[:300]}")
                            yield "chunk", chunk
        except (httpx.HTTPError, TimeoutError) as exc:
            raise _failure(exc) from exc
        except json.JSONDecodeError as exc:
            raise NodeFailed("node_error", f"the node sent a malformed chunk: {exc}") from exc
        if not done:
            raise NodeFailed("node_unreachable", "the node's stream ended before [DONE]")
        yield "receipt", receipt
