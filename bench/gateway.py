"""`gridpay bench e2e`: what paying costs on the way to a node.

In one run, on one local grid:
1. latency of a ``max_tokens``-token completion (llama.cpp node, the tiny
   model by default, SmolLM2 with ``--smollm2``): direct to the node (no
   payment, the baseline), through the gateway paid with credits (escrow lock
   + settle), and paid per call with x402 on each network (402, sign, verify,
   settle); the payment overhead as a share of the direct time;
2. requests per second with a fast node (its engine answers at once, so the
   gateway and the payments are all that is measured): unpaid straight to
   the node vs paid with credits through the gateway.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx


@dataclass
class FastEngine:
    """An OpenAI-compatible engine that answers at once with ``max_tokens``
    characters of the tiny model's alphabet (a stand-in for a very fast GPU)."""

    port: int = 0
    _server: Any = None
    _task: asyncio.Task[Any] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        import uvicorn
        from fastapi import FastAPI

        from harness.node.engine import free_port
        from harness.node.models import TINY_CHARS

        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(body: dict[str, Any]) -> dict[str, Any]:
            n = int(body.get("max_tokens") or 16)
            text = (TINY_CHARS * (n // len(TINY_CHARS) + 1))[:n]
            return {"id": "chatcmpl-fast", "object": "chat.completion", "created": 0,
                    "model": body.get("model"), "choices": [{
                        "index": 0, "message": {"role": "assistant", "content": text},
                        "finish_reason": "length"}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": n, "total_tokens": n}}

        self.port = free_port()
        self._server = uvicorn.Server(uvicorn.Config(app, port=self.port, log_level="warning"))
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task


async def _timed(fn: Callable[[], Awaitable[Any]], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t)
    return out


async def _rate(fn: Callable[[], Awaitable[Any]], seconds: float, concurrency: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await fn()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - start)


def _ok(r: httpx.Response) -> httpx.Response:
    if r.status_code != 200:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    return r


async def run(*, tiny: bool = True, max_tokens: int = 100, repeats: int = 5,
              seconds: float = 5.0, concurrency: int = 8, x402: bool = True,
              echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure, print a table, return the figures."""
    from harness.node.agent import Node, NodeConfig, create_app
    from harness.node.engine import free_port
    from harness.payer import X402Payer
    from harness.scenario import X402_CALLS, create_api_key
    from harness.stack import Stack
    from localnet.solana_chain import wallet

    figures: dict[str, Any] = {"max_tokens": max_tokens}
    with tempfile.TemporaryDirectory(prefix="gridpay-bench-") as tmp:
        stack = await Stack(Path(tmp), tiny=tiny, evm=x402, log=lambda _m: None).up()
        fast_server = None
        try:
            price = stack.suggested_price()
            await stack.staking.stake(wallet("operator"), 60_000 * 10**6)
            node = await stack.start_node("bench", "operator", price=price)
            await stack.escrow.buy_credits(wallet("payer"), 20_000)
            async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=600.0) as http:
                key = (await create_api_key(http, wallet("payer")))["api_key"]
                body = {"model": stack.model.model, "max_tokens": max_tokens, "temperature": 0,
                        "messages": [{"role": "user", "content": "Tell me about GPUs."}]}
                paid = {"X-API-Key": key}

                async def direct() -> None:
                    _ok(await http.post(f"{node.url}/v1/chat/completions", json=body))

                shares: list[float] = []

                async def credits() -> None:
                    r = _ok(await http.post("/v1/chat/completions", json=body, headers=paid))
                    t = (await http.get(f"/grid/jobs/{r.json()['gridpay']['job']}")).json()
                    t = t["timings"]
                    # what paying adds to this job: the escrow lock and settlement
                    shares.append((t["hold"] + t["settle"]) / t["serve"])

                await direct()  # warm the engine's cache of the prompt
                rows = {"direct to the node (unpaid)": await _timed(direct, repeats),
                        "gateway, credits (escrow lock + settle)": await _timed(credits, repeats)}
                if x402:
                    payer = X402Payer(stack.local_evm, stack.solana.url)
                    for chain, symbol in X402_CALLS:
                        network = next(n.network for n in stack.networks
                                       if n.v1_name == chain or (chain == "solana" and
                                                                 n.network.startswith("solana:")))
                        signer = wallet("alice") if chain == "solana" else \
                            stack.local_evm.deployments[chain].dev_account(1)

                        async def per_call(network: str = network, signer: Any = signer) -> None:
                            call = await payer.call(http, body, network, signer)
                            if call.status != 200:
                                raise RuntimeError(f"x402 on {network}: {call.status} {call.body}")

                        rows[f"gateway, x402 {symbol} on {chain}"] = \
                            await _timed(per_call, repeats)
                base = statistics.median(rows["direct to the node (unpaid)"])
                figures["latency"] = {}
                echo(f"{max_tokens}-token completion of {stack.model.model}, median of {repeats}:")
                echo(f"  {'path':<44}{'median ms':>11}{'ratio':>8}{'overhead':>11}")
                for name, times in rows.items():
                    med = statistics.median(times)
                    figures["latency"][name] = {"median_s": med, "ratio": med / base,
                                                "overhead_share": (med - base) / base}
                    echo(f"  {name:<44}{med * 1000:>11.1f}{med / base:>8.3f}"
                         f"{(med - base) / base:>10.1%}")

                figures["credits_payment_share_of_inference"] = statistics.median(shares)
                echo(f"  credits: escrow lock + settle = {statistics.median(shares):.2%} of the "
                     "node's time on the same job (median, measured inside the gateway)")

                # throughput with a node whose engine answers at once
                await http.post(f"{node.url}/gridpay/grid", json={"on_grid": False})
                engine = FastEngine()
                port = free_port()
                fast = Node(NodeConfig(attestation=stack.model, operator=wallet("operator"),
                                       price=price, port=port, gateway_url=stack.gateway_url),
                            engine=engine)  # type: ignore[arg-type]
                import uvicorn

                fast_server = uvicorn.Server(uvicorn.Config(create_app(fast), port=port,
                                                            log_level="warning"))
                fast_task = asyncio.create_task(fast_server.serve())
                while not fast_server.started:
                    await asyncio.sleep(0.01)
                small = dict(body, max_tokens=16)
                fast_url = f"http://127.0.0.1:{port}"

                async def unpaid_fast() -> None:
                    _ok(await http.post(f"{fast_url}/v1/chat/completions", json=small))

                async def paid_fast() -> None:
                    _ok(await http.post("/v1/chat/completions", json=small, headers=paid))

                fast.config.max_concurrent = concurrency
                await fast.register()
                unpaid_rps = await _rate(unpaid_fast, seconds, concurrency)
                paid_rps = await _rate(paid_fast, seconds, concurrency)
                await stack.gateway.idle()
                figures["throughput"] = {"unpaid_rps": unpaid_rps, "paid_credits_rps": paid_rps,
                                         "ratio": paid_rps / unpaid_rps,
                                         "concurrency": concurrency}
                echo(f"fast node, 16 tokens, {concurrency} clients, {seconds:g} s each:")
                echo(f"  unpaid, straight to the node   {unpaid_rps:8.1f} req/s")
                echo(f"  paid with credits via gateway  {paid_rps:8.1f} req/s   "
                     f"ratio {paid_rps / unpaid_rps:.3f}  (each: 2 Solana transactions)")
                fast_server.should_exit = True
                await fast_task
                await fast.close()
        finally:
            await stack.down()
    return figures


@click.command()
@click.option("--smollm2", is_flag=True, help="Time SmolLM2-135M instead of the tiny model.")
@click.option("--tokens", "max_tokens", default=100, show_default=True)
@click.option("--repeats", default=5, show_default=True)
@click.option("--seconds", default=5.0, show_default=True, help="Per throughput measurement.")
@click.option("--concurrency", default=8, show_default=True)
@click.option("--no-x402", is_flag=True, help="Skip the EVM chains and the per-call payments.")
def gateway(smollm2: bool, max_tokens: int, repeats: int, seconds: float, concurrency: int,
            no_x402: bool) -> None:
    """Paid vs unpaid requests through the gateway: latency and throughput."""
    asyncio.run(run(tiny=not smollm2, max_tokens=max_tokens, repeats=repeats, seconds=seconds,
                    concurrency=concurrency, x402=not no_x402, echo=click.echo))
