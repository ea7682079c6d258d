"""The node agent: what turns a llama.cpp server into a grid node.

- Serves ``POST /v1/chat/completions`` by passing it to its engine (the
  llama-cpp-python server), streamed or not, and signs a receipt for every
  grid job (a request carrying ``X-Gridpay-Job``): job, payer, operator,
  model file, prompt and output hashes, token counts, price. The receipt
  rides on the answer (a header, or an SSE event before ``[DONE]``) and stays
  retrievable at ``GET /gridpay/receipts/{job}``.
- Registers with the gateway under the operator key (models with their file
  hashes, price per token) and goes off-grid / on-grid on request.
- A node built ``dishonest`` claims more tokens than it served, and signs
  whatever count the gateway asks it to settle on: two receipts for one job
  that disagree, which is what the staking program slashes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from solders.keypair import Keypair

from facilitator.gateway.pricing import credits_for
from facilitator.gateway.protocol import (
    JOB_HEADER,
    PAYER_HEADER,
    RECEIPT_EVENT,
    RECEIPT_HEADER,
    REGISTRATION_DOMAIN,
    canonical,
    encode_receipt,
    job_price,
    model_id,
    payer_key,
    sign_document,
)
from facilitator.gateway.tokens import TokenCounter
from harness.node.engine import LlamaServer
from harness.node.models import Attestation
from pyclients.solana.receipts import Receipt, SignedReceipt, sign_receipt

log = logging.getLogger("gridpay.node")
BASE_UNITS_PER_CREDIT = 10_000


@dataclass
class NodeConfig:
    attestation: Attestation
    operator: Keypair
    #: micro-credits per output token
    price: int
    host: str = "127.0.0.1"
    port: int = 0
    gateway_url: str | None = None
    max_concurrent: int = 1
    #: Tokens a dishonest node adds to its claims (0: honest).
    inflate: int = 0
    state_dir: Path | None = None
    n_threads: int | None = None
    #: Seconds between re-registrations (a restarted gateway learns of the node again).
    heartbeat_seconds: float = 15.0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class NodeState:
    on_grid: bool = True
    #: job hex -> every receipt signed for it (an honest node signs one)
    receipts: dict[str, list[SignedReceipt]] = field(default_factory=dict)
    jobs: int = 0


class Node:
    def __init__(self, config: NodeConfig, engine: LlamaServer | None = None) -> None:
        self.config = config
        att = config.attestation
        self.engine = engine or LlamaServer(Path(att.path), att.model, n_threads=config.n_threads,
                                            log_path=(config.state_dir / "llama.log"
                                                      if config.state_dir else None))
        self.counter = TokenCounter(Path(att.path))
        self.state = NodeState()
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=5.0))
        self._heartbeat: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.engine.start()
        if self.config.gateway_url:
            await self.register()
            self._heartbeat = asyncio.create_task(self._keep_registered())

    async def _keep_registered(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_seconds)
            try:
                await self.register()
            except (httpx.HTTPError, RuntimeError) as exc:
                log.warning("re-registration failed: %s", exc)

    async def close(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        await self.engine.stop()
        await self.http.aclose()

    def registration(self) -> dict[str, Any]:
        c, att = self.config, self.config.attestation
        doc = {"operator": str(c.operator.pubkey()), "url": c.url,
               "models": [{"id": att.model, "sha256": att.sha256, "price": c.price}],
               "max_concurrent": c.max_concurrent, "on_grid": self.state.on_grid,
               "timestamp": int(time.time())}
        return sign_document(REGISTRATION_DOMAIN, doc, c.operator)

    async def register(self) -> dict[str, Any]:
        r = await self.http.post(f"{self.config.gateway_url}/grid/nodes", json=self.registration())
        if r.status_code >= 400:
            raise RuntimeError(f"gateway refused the registration: {r.status_code} {r.text}")
        return r.json()

    async def set_grid(self, on_grid: bool) -> dict[str, Any]:
        """Off-grid (planned downtime) or back on-grid: a fresh signed registration."""
        self.state.on_grid = on_grid
        if not self.config.gateway_url:
            return {"on_grid": on_grid}
        return await self.register()

    # -- receipts ------------------------------------------------------------------------
    def sign(self, job: str, payer: str, messages: Any, output: str, prompt_tokens: int,
             completion_tokens: int) -> SignedReceipt:
        att = self.config.attestation
        credits = credits_for(completion_tokens, self.config.price)
        receipt = Receipt.for_job(
            job_id=bytes.fromhex(job), payer=payer_key(payer), operator=self.config.operator.pubkey(),
            model_id=model_id(att.model, att.sha256), prompt=canonical(messages),
            output=output.encode(), prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            price=job_price(credits, BASE_UNITS_PER_CREDIT), signed_at=int(time.time()))
        signed = sign_receipt(receipt, self.config.operator)
        self.state.receipts.setdefault(job, []).append(signed)
        if self.config.state_dir:
            with open(self.config.state_dir / "receipts.jsonl", "a") as f:
                f.write(json.dumps({"job": job, "receipt": encode_receipt(signed)}) + "\n")
        return signed

    def claimed(self, counted: int) -> int:
        """What this node says it served (a dishonest node adds to it)."""
        return counted + self.config.inflate

    # -- serving ------------------------------------------------------------------------
    async def chat(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return JSONResponse({"error": "invalid_request", "message": "messages is required"},
                                status_code=400)
        job = request.headers.get(JOB_HEADER)
        payer = request.headers.get(PAYER_HEADER, "")
        if job is not None:
            if len(job) != 64 or not all(c in "0123456789abcdef" for c in job) or not payer:
                return JSONResponse({"error": "invalid_job",
                                     "message": f"{JOB_HEADER} must be 64 lowercase hex chars "
                                                f"and {PAYER_HEADER} must be set"},
                                    status_code=400)
            if job in self.state.receipts:
                return JSONResponse({"error": "duplicate_job",
                                     "message": f"job {job} was already served"}, status_code=409)
        upstream = {k: v for k, v in body.items() if k not in ("stream_options",)}
        upstream["model"] = self.config.attestation.model
        self.state.jobs += 1
        if body.get("stream"):
            return StreamingResponse(self._stream(upstream, job, payer),
                                     media_type="text/event-stream")
        r = await self.http.post(f"{self.engine.url}/v1/chat/completions", json=upstream)
        if r.status_code != 200:
            return Response(r.content, status_code=r.status_code,
                            media_type=r.headers.get("content-type"))
        answer = r.json()
        headers = {}
        if job is not None:
            output = answer["choices"][0]["message"].get("content") or ""
            counted = await self.counter.acount(output)
            prompt = answer.get("usage", {}).get("prompt_tokens") or \
                self.counter.prompt_tokens(body["messages"])
            claimed = self.claimed(counted)
            signed = self.sign(job, payer, body["messages"], output, prompt, claimed)
            answer["usage"] = {"prompt_tokens": prompt, "completion_tokens": claimed,
                               "total_tokens": prompt + claimed}
            headers[RECEIPT_HEADER] = encode_receipt(signed)
        return JSONResponse(answer, headers=headers)

    async def _stream(self, upstream: dict[str, Any], job: str | None,
                      payer: str) -> AsyncIterator[bytes]:
        parts: list[str] = []
        async with self.http.stream("POST", f"{self.engine.url}/v1/chat/completions",
                                    json=upstream) as r:
            if r.status_code != 200:
                detail = (await r.aread()).decode(errors="replace")
                yield f"data: {json.dumps({'error': detail})}\n\n".encode()
                return
            async for line in r.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                for choice in chunk.get("choices") or []:
                    parts.append((choice.get("delta") or {}).get("content") or "")
                yield f"data: {data}\n\n".encode()
        if job is not None:
            output = "".join(parts)
            counted = await self.counter.acount(output)
            prompt = self.counter.prompt_tokens(upstream["messages"])
            signed = self.sign(job, payer, upstream["messages"], output, prompt,
                               self.claimed(counted))
            yield f"event: {RECEIPT_EVENT}\ndata: {encode_receipt(signed)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    def settle_receipt(self, job: str, asked: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The gateway asks the node to sign the count it settles on. An honest
        node signs only what it already signed; a dishonest one signs anything
        that gets it paid."""
        signed = self.state.receipts.get(job)
        if not signed:
            return 404, {"error": "unknown_job", "message": f"no job {job} was served here"}
        first = signed[0].receipt
        tokens = asked.get("completion_tokens")
        if not isinstance(tokens, int) or tokens < 0:
            return 400, {"error": "invalid_request", "message": "completion_tokens: int >= 0"}
        if tokens == first.completion_tokens:
            return 200, {"receipt": encode_receipt(signed[0])}
        if not self.config.inflate:
            return 409, {"error": "disputed", "message": f"this node served "
                         f"{first.completion_tokens} tokens for job {job}, not {tokens}"}
        credits = credits_for(tokens, self.config.price)
        receipt = Receipt(first.job_id, first.payer, first.operator, first.model_id_hash,
                          first.prompt_hash, first.output_hash, first.prompt_tokens, tokens,
                          job_price(credits, BASE_UNITS_PER_CREDIT), int(time.time()))
        again = sign_receipt(receipt, self.config.operator)
        signed.append(again)
        return 200, {"receipt": encode_receipt(again)}


def create_app(node: Node) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await node.start()
        try:
            yield
        finally:
            await node.close()

    app = FastAPI(title="gridpay node", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"ok": True, "on_grid": node.state.on_grid, "jobs": node.state.jobs,
                "operator": str(node.config.operator.pubkey())}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": node.config.attestation.model,
                                            "object": "model", "owned_by": "gridpay-node"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        return await node.chat(request)

    @app.get("/gridpay/receipts/{job}")
    async def receipts(job: str) -> dict[str, Any]:
        return {"job": job, "receipts": [encode_receipt(s)
                                         for s in node.state.receipts.get(job, [])]}

    @app.post("/gridpay/jobs/{job}/receipt")
    async def settle_receipt(job: str, request: Request) -> JSONResponse:
        status, body = node.settle_receipt(job, await request.json())
        return JSONResponse(body, status_code=status)

    @app.post("/gridpay/grid")
    async def grid(request: Request) -> dict[str, Any]:
        body = await request.json()
        return await node.set_grid(bool(body.get("on_grid")))

    return app
