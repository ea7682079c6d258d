"""The grid gateway: routes OpenAI-style chat completions to staked nodes and
bills them per delivered token.

One job, whichever way it is paid:
1. route: a slot on the cheapest eligible node (``nodes``);
2. hold: the most the job may cost (``max_tokens`` at the node's price) —
   locked in escrow or in the ledger for an API key, or paid with x402;
3. serve: relay to the node (``relay``), counting the delivered text with
   the model's tokenizer (``tokens``);
4. settle the cost of what was delivered and free the rest; any failure
   (node dead, silent, too slow, client gone) frees all of it;
5. check the node's signed receipt against the count; a node whose receipt
   disagrees and who then signs the gateway's count has signed two receipts
   for one job: evidence for a slash, and the node is quarantined.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from facilitator.credits.escrow import CHUNK_JOB_TAG
from facilitator.errors import ApiError, ChainUnavailable
from facilitator.gateway.billing import (
    EscrowCredits,
    EscrowHold,
    Hold,
    LedgerCredits,
    NotEnoughCredits,
    Outcome,
)
from facilitator.gateway.nodes import Lease, NodeRegistry, NoNodeAvailable, RegistrationRefused
from facilitator.gateway.percall import Challenge, Paid, PerCall
from facilitator.gateway.pricing import credits_for
from facilitator.gateway.protocol import (
    ProtocolError,
    canonical,
    decode_receipt,
    encode_receipt,
    job_price,
    model_id,
    payer_key,
)
from facilitator.gateway.relay import Answer, NodeFailed, Relay
from facilitator.gateway.settings import GatewaySettings
from facilitator.gateway.tokens import Counters
from facilitator.mechanisms.svm.exact import RpcErrors
from pyclients.solana import receipts as rc
from pyclients.solana.escrow import errors as escrow_errors

if TYPE_CHECKING:
    from facilitator.service import Facilitator
    from pyclients.solana.staking import StakingClient

log = logging.getLogger("gridpay.gateway")
JOB_HEADER_OUT = "X-Gridpay-Job"
SCOPE = "grid"


@dataclass
class Job:
    """One chat completion as the gateway saw it (GET /grid/jobs/{id})."""

    id: str
    wallet: str
    model: str
    node: str
    price: int  #: micro-credits per output token
    max_tokens: int
    max_credits: int
    payment: str  #: "credits" | "x402"
    stream: bool
    status: str = "running"  #: running | settled | refunded | unpaid
    source: str | None = None  #: escrow | ledger (credits)
    created_at: float = field(default_factory=time.time)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    credits_charged: int = 0
    credits_returned: int = 0
    lock_tx: str | None = None
    settle_tx: str | None = None
    refund_tx: str | None = None
    worker_amount: int | None = None
    treasury_amount: int | None = None
    failure: str | None = None
    receipt: str | None = None
    receipt_check: str | None = None  #: ok | missing | invalid | mismatch
    x402: dict[str, Any] | None = None
    #: Seconds spent holding, serving and settling (payment overhead vs inference).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def escrow_id(self) -> int:
        # Bit 62 marks the facilitator's lock-ahead chunks: per-request jobs never carry it.
        return int.from_bytes(bytes.fromhex(self.id)[:8], "little") & ~CHUNK_JOB_TAG

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    max_tokens: int
    stream: bool
    include_usage: bool
    body: dict[str, Any]  #: what the node gets


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None
           ) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


class Gateway:
    def __init__(self, facilitator: Facilitator, settings: GatewaySettings, *,
                 escrow: EscrowCredits | None, staking: StakingClient | None,
                 http: httpx.AsyncClient | None = None) -> None:
        self.f = facilitator
        self.settings = settings
        self.escrow = escrow
        self.staking = staking
        self.ledger_credits = LedgerCredits(facilitator.ledger)
        self.registry = NodeRegistry(settings.models, self._stake,
                                     eligibility_ttl=settings.eligibility_ttl_seconds,
                                     max_age=settings.registration_max_age_seconds)
        self.counters = Counters({m.id: m.path for m in settings.models})
        self.http = http or httpx.AsyncClient(limits=httpx.Limits(max_connections=256))
        self.relay = Relay(self.http, idle_timeout=settings.node_idle_timeout_seconds,
                           job_timeout=settings.job_timeout_seconds)
        self.percall = PerCall(facilitator)
        self.jobs: dict[str, Job] = {}
        self.evidence: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Refunds the chain could not take yet (job id -> job, hold), retried
        #: until they land; not in ``_tasks``: an outage must not hold up ``idle``.
        self._pending_refunds: dict[str, tuple[Job, Hold]] = {}
        self._retrying: asyncio.Task[None] | None = None
        solana = [m.network for m in facilitator.registry.mechanisms
                  if m.network.startswith("solana:")]
        #: Chain failures of escrow and staking reads and writes answer 503 (Retry-After).
        self._chain = RpcErrors(solana[0] if solana else "solana")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, facilitator: Facilitator) -> Gateway | None:
        """From ``get_settings().gateway`` and the local endpoints file; None
        when disabled, with no attested model, or with no Solana RPC to bill on."""
        import json

        from gridpay.settings import get_settings
        from localnet import read_endpoints
        from pyclients.solana.common.transport import RpcTransport
        from pyclients.solana.escrow import EscrowClient
        from pyclients.solana.staking import StakingClient

        root = get_settings()
        settings: GatewaySettings = root.gateway
        if not settings.enabled or not settings.models:
            return None  # nothing to serve: no attested model configured
        solana = read_endpoints(root.endpoints_file).get("solana") or {}
        url = settings.solana_rpc_url or solana.get("rpc_url")
        if url is None:
            log.warning("gateway disabled: no Solana RPC (GRIDPAY_GATEWAY__SOLANA_RPC_URL)")
            return None
        if settings.settlement_key_file:
            secret = json.loads(settings.settlement_key_file.read_text())
        else:
            secret = ((solana.get("wallets") or {}).get("gateway") or {}).get("secret_key")
        if not secret:
            log.warning("gateway disabled: no settlement key (GRIDPAY_GATEWAY__SETTLEMENT_KEY_FILE)")
            return None
        transport = RpcTransport(url)
        return cls(facilitator, settings,
                   escrow=EscrowCredits(EscrowClient(transport), Keypair.from_bytes(bytes(secret))),
                   staking=StakingClient(transport))

    async def start(self) -> None:
        """Refund every job a previous run left locked: its node answer is lost."""
        if self.escrow is None:
            return
        try:
            orphans = await self.escrow.open_jobs()
        except Exception as exc:  # noqa: BLE001 - an unreachable chain must not stop serving
            log.warning("could not list open escrow jobs: %s", exc)
            return
        for wallet, job_id in orphans:
            if job_id & CHUNK_JOB_TAG:
                continue  # a lock-ahead chunk: the facilitator settles those itself
            try:
                res = await self.escrow.client.refund_job(self.escrow.authority,
                                                          Pubkey.from_string(wallet), job_id=job_id)
                log.info("refunded job %s of %s left open by a previous run: %s", job_id, wallet,
                         res.signature)
            except Exception as exc:  # noqa: BLE001
                log.warning("could not refund job %s of %s: %s", job_id, wallet, exc)

    async def close(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.http.aclose()
        transport = getattr(self.escrow.client.transport, "close", None) if self.escrow else None
        if transport is not None:
            await transport()

    async def idle(self) -> None:
        """Wait until background settlements and receipt checks are done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _stake(self, operator: str) -> tuple[bool, str, int]:
        if self.staking is None:
            return True, "no staking configured", 0
        async with self._chain:
            e = await self.staking.may_serve(Pubkey.from_string(operator))
        return e.eligible, e.reason, e.staked

    # -- nodes --------------------------------------------------------------------------------
    def register(self, signed: Any) -> dict[str, Any]:
        try:
            node = self.registry.register(signed)
        except RegistrationRefused as exc:
            raise ApiError(400, exc.code, str(exc)) from None
        return {"operator": node.operator, "url": node.url, "prices": node.prices,
                "on_grid": node.on_grid}

    async def providers(self) -> list[dict[str, Any]]:
        out = []
        for node in self.registry.nodes.values():
            e = await self.registry.eligibility(node.operator)
            out.append({"operator": node.operator, "url": node.url,
                        "models": [{"id": m, "price_micro_credits_per_token": p,
                                    "tier": self.registry.tier(m).name}
                                   for m, p in node.prices.items()],
                        "stake": e.staked, "stake_status": e.reason, "on_grid": node.on_grid,
                        "eligible": e.eligible and node.on_grid and node.quarantined is None
                        and node.down is None,
                        "quarantined": node.quarantined, "down": node.down, "busy": node.busy,
                        "max_concurrent": node.max_concurrent, "jobs_served": node.jobs_served})
        return out

    async def models(self) -> dict[str, Any]:
        serving = {m for n in await self.registry.eligible_nodes() for m in n.prices}
        return {"object": "list",
                "data": [{"id": m.id, "object": "model", "created": 0, "owned_by": "gridpay",
                          "available": m.id in serving, "sha256": m.sha256,
                          "tier": self.registry.tier(m.id).name}
                         for m in self.settings.models]}

    # -- the request ------------------------------------------------------------------------
    def parse(self, body: Any) -> ChatRequest:
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "body must be a JSON object")
        model = body.get("model")
        if model not in self.registry.models:
            raise ApiError(404, "model_not_found", f"model {model!r} is not served here; "
                           f"GET /v1/models lists {sorted(self.registry.models)}")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
            raise ApiError(400, "invalid_request", "messages must be a non-empty list of "
                           "{role, content} objects")
        limit = self.settings.max_tokens_limit
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        if max_tokens is None:
            max_tokens = self.settings.default_max_tokens
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) \
                or not 1 <= max_tokens <= limit:
            raise ApiError(400, "invalid_request", f"max_tokens must be an integer in 1..{limit}")
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise ApiError(400, "invalid_request", "stream must be a boolean")
        options = body.get("stream_options") or {}
        if not isinstance(options, dict):
            raise ApiError(400, "invalid_request", "stream_options must be an object")
        forward = {k: v for k, v in body.items()
                   if k not in ("stream_options", "max_completion_tokens", "user", "n")}
        forward["max_tokens"] = max_tokens
        return ChatRequest(model, messages, max_tokens, stream,
                           bool(options.get("include_usage")), forward)

    async def chat(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "invalid_request", "body is not JSON") from None
        req = self.parse(body)
        try:
            return await self._chat(req, request)
        except _Unavailable as exc:
            return self.unavailable(exc.exc)

    async def _chat(self, req: ChatRequest, request: Request) -> Response:
        key = request.headers.get("x-api-key") or _bearer(request.headers.get("authorization"))
        payment = request.headers.get("payment-signature") or request.headers.get("x-payment")
        url = str(request.url)
        if key:
            record = await self.f.keys.authenticate(key, scope=SCOPE)
            return await self._with_credits(req, record.wallet, url)
        quote = await self._quote(req)
        description = f"chat completion: up to {req.max_tokens} tokens of {req.model}"
        if not payment:
            return self._challenge(self.percall.challenge(url, quote, description,
                                                          "payment required"))
        try:
            paid = await self.percall.verify(payment, url, quote, description)
        except Challenge as c:
            return self._challenge(c)
        return await self._with_x402(req, paid, url, description)

    def _challenge(self, c: Challenge) -> JSONResponse:
        return JSONResponse(c.body, status_code=402, headers=c.headers())

    async def _quote(self, req: ChatRequest) -> int:
        """Credits an x402 call must pay: ``max_tokens`` at the cheapest eligible price."""
        nodes = await self.registry.eligible_nodes(req.model)
        if not nodes:
            raise _Unavailable(NoNodeAvailable(req.model, False,
                                               f"no eligible node serves {req.model} now"))
        return credits_for(req.max_tokens, min(n.prices[req.model] for n in nodes))

    async def _lease(self, model: str) -> Lease:
        try:
            return await self.registry.acquire(model)
        except NoNodeAvailable as exc:
            raise _Unavailable(exc) from None

    def unavailable(self, exc: NoNodeAvailable) -> JSONResponse:
        status, code = (429, "at_capacity") if exc.at_capacity else (503, "no_eligible_node")
        return _error(status, code, str(exc),
                      {"Retry-After": str(self.settings.retry_after_seconds)})

    def _new_job(self, req: ChatRequest, wallet: str, lease: Lease, max_credits: int,
                 payment: str) -> Job:
        job = Job(id=secrets.token_hex(32), wallet=wallet, model=req.model,
                  node=lease.node.operator, price=lease.price, max_tokens=req.max_tokens,
                  max_credits=max_credits, payment=payment, stream=req.stream)
        self.jobs[job.id] = job
        return job

    # -- credits ----------------------------------------------------------------------------
    async def _hold(self, job: Job) -> Hold:
        """Lock the job's maximum: on-chain escrow credits first, then ledger credits."""
        async with self._chain:
            on_chain = await self.escrow.available(job.wallet) if self.escrow else 0
        if self.escrow is not None and on_chain >= job.max_credits:
            try:
                async with self._chain:
                    hold: Hold = await self.escrow.lock(job.wallet, job.escrow_id,
                                                        job.max_credits, job.node)
            except ChainUnavailable:
                # the lock may have landed before the chain went silent: undo it once it is back
                self._refund_later(job, EscrowHold(self.escrow, job.wallet, job.escrow_id,
                                                   job.max_credits, None))
                raise
        else:
            try:
                hold = await self.ledger_credits.lock(job.wallet, job.id, job.max_credits)
            except NotEnoughCredits as exc:
                raise NotEnoughCredits(job.wallet, job.max_credits,
                                       max(on_chain, exc.available)) from None
        job.source, job.lock_tx = hold.source, hold.lock_tx
        return hold

    async def _with_credits(self, req: ChatRequest, wallet: str, url: str) -> Response:
        lease = await self._lease(req.model)
        max_credits = credits_for(req.max_tokens, lease.price)
        job = self._new_job(req, wallet, lease, max_credits, "credits")
        started = time.perf_counter()
        try:
            hold = await self._hold(job)
            job.timings["hold"] = time.perf_counter() - started
        except NotEnoughCredits as exc:
            lease.release()
            self.jobs.pop(job.id, None)
            c = self.percall.challenge(url, max_credits, f"chat completion: up to "
                                       f"{req.max_tokens} tokens of {req.model}",
                                       f"insufficient_credits: {exc}")
            return self._challenge(c)
        except BaseException:
            lease.release()
            if job.status == "running":
                self.jobs.pop(job.id, None)
            raise
        if req.stream:
            return self._stream_response(req, job, lease, hold=hold)
        started = time.perf_counter()
        try:
            answer = await self.relay.complete(lease.node.url, req.body, job.id, wallet)
            job.timings["serve"] = time.perf_counter() - started
        except NodeFailed as exc:
            lease.release()
            self._node_failed(lease, exc)
            await self._refund(job, hold, exc.reason)
            return _error(502 if exc.reason != "timeout" else 504, exc.reason,
                          f"{exc}; job {job.id} was refunded in full "
                          f"({job.max_credits} credits)", {JOB_HEADER_OUT: job.id})
        lease.release()
        await self._finish(req, job, answer.output)
        await self._settle(job, hold)
        self._spawn(self._check_receipt(req, job, lease, answer.output, answer.receipt))
        return JSONResponse(self._answer(req, job, answer), headers={JOB_HEADER_OUT: job.id})

    def _node_failed(self, lease: Lease, exc: NodeFailed) -> None:
        if exc.reason in ("node_unreachable", "timeout"):
            self.registry.mark_down(lease.node.operator, f"{exc.reason}: {exc}")

    async def _finish(self, req: ChatRequest, job: Job, output: str) -> None:
        started = time.perf_counter()
        counter = self.counters.for_model(req.model)
        counted = await counter.acount(output)
        job.prompt_tokens = await asyncio.to_thread(counter.prompt_tokens, req.messages)
        # a node cannot make a user pay beyond the max_tokens they agreed to
        job.completion_tokens = min(counted, job.max_tokens)
        job.credits_charged = credits_for(job.completion_tokens, job.price)
        job.timings["count"] = time.perf_counter() - started

    async def _settle(self, job: Job, hold: Hold) -> None:
        started = time.perf_counter()
        try:
            out = await hold.settle(job.credits_charged)
            job.timings["settle"] = time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001 - a refund is the only safe fallback
            log.error("settling job %s failed (%s); refunding it", job.id, exc)
            await self._refund(job, hold, f"settlement failed: {exc}")
            return
        self._record(job, out, "settled")
        job.settle_tx = out.transaction

    async def _refund(self, job: Job, hold: Hold, reason: str) -> None:
        job.failure = reason
        job.credits_charged = 0
        try:
            out = await hold.refund()
        except Exception as exc:  # noqa: BLE001 - retried; the escrow timeout refunds it anyway
            log.error("refunding job %s failed: %s (retried until the chain takes it; anyone "
                      "may refund it after the escrow timeout)", job.id, exc)
            self._refund_later(job, hold)
            return
        self._record(job, out, "refunded")
        job.refund_tx = out.transaction

    def _refund_later(self, job: Job, hold: Hold) -> None:
        job.status = "refund_pending"
        self._pending_refunds[job.id] = (job, hold)
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.create_task(self._retry_refunds())

    async def _retry_refunds(self) -> None:
        """Refunds that failed (chain unreachable) until each lands, or its lock is
        gone (anyone refunded it after the escrow timeout; a lock that never landed)."""
        while self._pending_refunds:
            await asyncio.sleep(self.settings.retry_after_seconds)
            for job_id, (job, hold) in list(self._pending_refunds.items()):
                try:
                    out = await hold.refund()
                except escrow_errors.JobNotOpen:
                    out = Outcome(None, 0, hold.max_credits)
                except Exception as exc:  # noqa: BLE001 - still down: next round
                    log.info("refund of job %s still pending: %s", job_id, exc)
                    continue
                del self._pending_refunds[job_id]
                self._record(job, out, "refunded")
                job.refund_tx = out.transaction

    @staticmethod
    def _record(job: Job, out: Outcome, status: str) -> None:
        job.status = status
        job.credits_charged, job.credits_returned = out.charged, out.returned
        job.worker_amount, job.treasury_amount = out.worker_amount, out.treasury_amount

    def _usage(self, job: Job) -> dict[str, int]:
        prompt, completion = job.prompt_tokens or 0, job.completion_tokens or 0
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion}

    def _gridpay(self, job: Job) -> dict[str, Any]:
        return {"job": job.id, "node": job.node, "payment": job.payment, "source": job.source,
                "price_micro_credits_per_token": job.price, "credits_locked": job.max_credits,
                "credits_charged": job.credits_charged, "credits_returned": job.credits_returned,
                "lock_tx": job.lock_tx, "settle_tx": job.settle_tx}

    def _answer(self, req: ChatRequest, job: Job, answer: Answer) -> dict[str, Any]:
        body = dict(answer.body)
        body["model"] = req.model
        body["usage"] = self._usage(job)
        body["gridpay"] = self._gridpay(job)
        return body

    # -- streaming --------------------------------------------------------------------------
    def _stream_response(self, req: ChatRequest, job: Job, lease: Lease, *,
                         hold: Hold | None = None, paid: Paid | None = None,
                         headers: dict[str, str] | None = None) -> StreamingResponse:
        return StreamingResponse(self._stream(req, job, lease, hold, paid),
                                 media_type="text/event-stream",
                                 headers={JOB_HEADER_OUT: job.id, "Cache-Control": "no-cache",
                                          **(headers or {})})

    async def _stream(self, req: ChatRequest, job: Job, lease: Lease, hold: Hold | None,
                      paid: Paid | None) -> AsyncIterator[bytes]:
        import json

        parts: list[str] = []
        receipt: str | None = None
        finished = False
        last: dict[str, Any] | None = None
        try:
            async for kind, item in self.relay.stream(lease.node.url, req.body, job.id,
                                                      job.wallet):
                if kind == "receipt":
                    receipt = item
                    continue
                if not item.get("choices") and "usage" in item:
                    continue  # the node's own usage: the gateway reports its count instead
                item.pop("usage", None)
                item["model"] = req.model
                last = item
                for choice in item.get("choices") or []:
                    parts.append((choice.get("delta") or {}).get("content") or "")
                yield f"data: {json.dumps(item)}\n\n".encode()
            finished = True
        except NodeFailed as exc:
            lease.release()
            self._node_failed(lease, exc)
            await self._shielded(self._fail(job, hold, paid, exc.reason))
            error = {"error": {"message": f"{exc}; job {job.id} was refunded in full",
                               "type": "node_failed", "code": exc.reason}}
            yield f"data: {json.dumps(error)}\n\n".encode()
            return
        finally:
            if not finished and job.status == "running":
                # the client went away (or we were cancelled) mid-stream: refund in full
                lease.release()
                self._spawn(self._fail(job, hold, paid, "client_disconnected"))
        lease.release()
        output = "".join(parts)
        await self._shielded(self._close_job(req, job, hold, paid, output))
        if req.include_usage:
            usage_chunk = {"id": (last or {}).get("id", f"chatcmpl-{job.id[:24]}"),
                           "object": "chat.completion.chunk",
                           "created": (last or {}).get("created", int(time.time())),
                           "model": req.model, "choices": [], "usage": self._usage(job)}
            yield f"data: {json.dumps(usage_chunk)}\n\n".encode()
        self._spawn(self._check_receipt(req, job, lease, output, receipt))
        yield b"data: [DONE]\n\n"

    async def _shielded(self, coro: Any) -> None:
        """Money movements finish even when the client leaves mid-way."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    async def _close_job(self, req: ChatRequest, job: Job, hold: Hold | None,
                         paid: Paid | None, output: str) -> None:
        await self._finish(req, job, output)
        if hold is not None:
            await self._settle(job, hold)
        elif paid is not None:
            await self._give_change(job, paid, job.credits_charged)

    async def _fail(self, job: Job, hold: Hold | None, paid: Paid | None, reason: str) -> None:
        if hold is not None:
            await self._refund(job, hold, reason)
        elif paid is not None:
            job.failure = reason
            await self._give_change(job, paid, 0)

    # -- x402 ------------------------------------------------------------------------------
    async def _with_x402(self, req: ChatRequest, paid: Paid, url: str,
                         description: str) -> Response:
        lease = await self._lease(req.model)
        max_credits = credits_for(req.max_tokens, lease.price)
        if max_credits > paid.credits:
            lease.release()
            return self._challenge(self.percall.challenge(
                url, max_credits, description,
                f"insufficient_payment: the node's price changed; this call may cost "
                f"{max_credits} credits"))
        job = self._new_job(req, paid.payer, lease, paid.credits, "x402")
        job.x402 = {"network": paid.mech.network, "credits_paid": paid.credits}
        if req.stream:
            # the answer goes out as it is made: settle first, return the unused
            # part (all of it if the node fails) as credits afterwards
            answer = await self._settle_x402(job, paid)
            if not answer.get("success"):
                lease.release()
                return self._payment_failed(job, paid, answer)
            return self._stream_response(req, job, lease, paid=paid,
                                         headers={paid.response_header: self._payment_header(
                                             job, answer)})
        started = time.perf_counter()
        try:
            result = await self.relay.complete(lease.node.url, req.body, job.id, paid.payer)
            job.timings["serve"] = time.perf_counter() - started
        except NodeFailed as exc:
            lease.release()
            self._node_failed(lease, exc)
            job.status, job.failure = "unpaid", exc.reason
            return _error(502 if exc.reason != "timeout" else 504, exc.reason,
                          f"{exc}; the payment was not settled", {JOB_HEADER_OUT: job.id})
        lease.release()
        await self._finish(req, job, result.output)
        answer = await self._settle_x402(job, paid)
        if not answer.get("success"):
            return self._payment_failed(job, paid, answer)
        await self._give_change(job, paid, job.credits_charged)
        self._spawn(self._check_receipt(req, job, lease, result.output, result.receipt))
        return JSONResponse(self._answer(req, job, result),
                            headers={JOB_HEADER_OUT: job.id,
                                     paid.response_header: self._payment_header(job, answer)})

    async def _settle_x402(self, job: Job, paid: Paid) -> dict[str, Any]:
        started = time.perf_counter()
        answer = await self.percall.settle(paid)
        job.timings["settle"] = time.perf_counter() - started
        assert job.x402 is not None
        job.x402.update({"transaction": answer.get("transaction"), "payer": answer.get("payer"),
                         "success": bool(answer.get("success")),
                         "error": answer.get("errorReason")})
        job.settle_tx = answer.get("transaction")
        return answer

    def _payment_failed(self, job: Job, paid: Paid, answer: dict[str, Any]) -> JSONResponse:
        job.status, job.failure = "unpaid", str(answer.get("errorReason"))
        body = {"error": answer.get("errorReason") or "settlement_failed",
                "message": f"the payment did not settle ({answer.get('errorReason')}); "
                           "nothing was served", "job": job.id}
        return JSONResponse(body, status_code=402, headers={
            paid.response_header: self._payment_header(job, answer)})

    async def _give_change(self, job: Job, paid: Paid, used: int) -> None:
        """The unused part of a settled x402 payment becomes the payer's credits."""
        change = paid.credits - used
        job.credits_charged, job.credits_returned = used, change
        if change:
            await self.f.ledger.add(paid.payer, change, kind="x402_change",
                                    reference=f"grid:{job.id}:change")
        job.status = "settled" if job.failure is None else "refunded"
        assert job.x402 is not None
        job.x402["credits_returned"] = change

    def _payment_header(self, job: Job, answer: dict[str, Any]) -> str:
        from facilitator.credits.topup import b64json

        return b64json({**answer, "extra": {"gridpay": {
            "job": job.id, "creditsPaid": job.max_credits,
            "creditsCharged": job.credits_charged, "creditsReturned": job.credits_returned,
            "note": "the unused part of the payment is credited to the payer's wallet"}}})

    # -- receipts ----------------------------------------------------------------------------
    def _expected(self, req: ChatRequest, job: Job, output: str) -> rc.Receipt:
        att = self.registry.models[req.model]
        return rc.Receipt.for_job(
            job_id=bytes.fromhex(job.id), payer=payer_key(job.wallet),
            operator=Pubkey.from_string(job.node), model_id=model_id(att.id, att.sha256),
            prompt=canonical(req.messages), output=output.encode(),
            prompt_tokens=job.prompt_tokens or 0, completion_tokens=job.completion_tokens or 0,
            price=job_price(job.credits_charged, self.f.settings.credit_base_units),
            signed_at=0)

    async def _check_receipt(self, req: ChatRequest, job: Job, lease: Lease, output: str,
                             receipt_b64: str | None) -> None:
        """Compare the node's receipt with the gateway's count; on a mismatch ask
        the node to sign the count the job settled on."""
        if job.status not in ("settled",):
            return
        lease.node.jobs_served += 1
        job.receipt = receipt_b64
        expected = self._expected(req, job, output)
        if receipt_b64 is None:
            job.receipt_check = "missing"
            self.registry.quarantine(job.node, f"no receipt for job {job.id}")
            return
        try:
            signed = decode_receipt(receipt_b64)
            rc.verify_receipt(signed, now=int(time.time()),
                              max_skew_seconds=self.settings.receipt_max_skew_seconds)
            if signed.receipt.operator != expected.operator:
                raise rc.InvalidField(f"receipt names operator {signed.receipt.operator}")
        except (ProtocolError, rc.ReceiptError) as exc:
            job.receipt_check = "invalid"
            self.registry.quarantine(job.node, f"invalid receipt for job {job.id}: {exc}")
            return
        got = signed.receipt
        wanted = rc.Receipt(**{**_fields(expected), "signed_at": got.signed_at})
        if got.content_equals(wanted):
            job.receipt_check = "ok"
            return
        job.receipt_check = "mismatch"
        differs = [k for k, v in _fields(wanted).items()
                   if k != "signed_at" and getattr(got, k) != v]
        entry: dict[str, Any] = {"job": job.id, "operator": job.node, "differs": differs,
                                 "claimed_completion_tokens": got.completion_tokens,
                                 "counted_completion_tokens": expected.completion_tokens,
                                 "receipts": [receipt_b64], "proof": False}
        try:
            r = await self.http.post(f"{lease.node.url}/gridpay/jobs/{job.id}/receipt",
                                     json={"completion_tokens": expected.completion_tokens,
                                           "price": expected.price},
                                     timeout=self.settings.node_idle_timeout_seconds)
            if r.status_code == 200:
                second = decode_receipt(r.json()["receipt"])
                rc.check_conflict(signed, second)
                entry["receipts"].append(encode_receipt(second))
                entry["proof"] = True
            else:
                entry["node_answer"] = f"{r.status_code} {r.text[:200]}"
        except (httpx.HTTPError, ValueError, KeyError, ProtocolError, rc.ReceiptError,
                rc.ConflictError) as exc:
            entry["node_answer"] = f"{type(exc).__name__}: {exc}"
        self.evidence.append(entry)
        self.registry.quarantine(job.node, f"receipt for job {job.id} disagrees with the "
                                 f"gateway's count ({', '.join(differs)})")
        log.warning("node %s: receipt mismatch on job %s (%s)", job.node, job.id, differs)


def _bearer(value: str | None) -> str | None:
    """An API key sent as ``Authorization: Bearer <key>`` (how OpenAI SDKs send it)."""
    if value and value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    return None


def _fields(r: rc.Receipt) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("job_id", "payer", "operator", "model_id_hash",
                                       "prompt_hash", "output_hash", "prompt_tokens",
                                       "completion_tokens", "price", "signed_at")}


class _Unavailable(Exception):
    def __init__(self, exc: NoNodeAvailable) -> None:
        super().__init__(str(exc))
        self.exc = exc
