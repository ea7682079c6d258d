"""`gridpay bench facilitator`: the facilitator against its baselines, in one
run on a local anvil (Base, EIP-3009 USDC).

- verify: our engine vs the ``x402`` package's own facilitator
  (``x402FacilitatorSync`` with its EVM ``exact`` scheme and web3 signer, run
  in a thread pool of the same width) on the same signed payloads; ours also
  over loopback HTTP (client and server share this process's CPU);
- settle: our engine (payment log, claim before send, the answer recorded)
  vs the raw chain from the same client code (``pyclients`` verify + send +
  receipt on the same payload kind, no facilitator around it);
- credit check: the in-memory check of a request's credits (p50/p99), and the
  balance read over loopback HTTP;
- credits backed by job_escrow (local Solana validator): a spend drawing on a
  chunk locked ahead vs a spend of off-chain credits (the baseline) vs one
  on-chain ``lock_job`` per request; settling chunks in one ``settle_jobs``
  transaction vs one ``settle_job`` each.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click

VERIFY_GOAL = 5.0  # x the x402 package's verify throughput
SETTLE_GOAL = 0.90  # of the raw chain's settle throughput
CREDIT_P99_GOAL_MS = 0.5


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(calls: list[Callable[[], Awaitable[Any]]], width: int) -> tuple[float, list[float]]:
    """Run ``calls`` ``width`` at a time: (calls per second, latencies in s)."""
    gate = asyncio.Semaphore(width)
    latencies: list[float] = []

    async def one(call: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            t = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(one(c) for c in calls))
    return len(calls) / (time.perf_counter() - start), latencies


def row(name: str, rate: float, lat: list[float] | None, base: float | None, unit: str = "/s",
        goal: str = "") -> str:
    ratio = f"{rate / base:6.2f}x" if base else "   base"
    lat_s = (f"p50 {1000 * pct(lat, .5):7.2f} ms  p99 {1000 * pct(lat, .99):7.2f} ms"
             if lat else "")
    return f"  {name:<44} {rate:9.1f}{unit:<3} {ratio}  {lat_s}  {goal}"


async def run_bench(payments: int, width: int) -> None:
    from eth_account import Account
    from x402 import x402FacilitatorSync
    from x402.mechanisms.evm.exact.facilitator import ExactEvmScheme
    from x402.mechanisms.evm.signers import FacilitatorWeb3Signer
    from x402.schemas import PaymentPayload, PaymentRequirements

    import aiohttp
    import uvicorn

    from facilitator.api.app import create_app
    from facilitator.service import Facilitator, Keys, build_mechanisms, local_networks
    from facilitator.settings import FacilitatorSettings
    from localnet.anvil import LocalEvm
    from pyclients.evm.eip3009 import Eip3009
    from pyclients.evm.payment import Requirements
    from pyclients.evm.relayer import Relayer

    tmp = Path(tempfile.mkdtemp(prefix="gridpay-bench-facilitator-"))
    click.echo(f"starting anvil (Base) and deploying; {payments} payments, {width} at a time")
    evm = await LocalEvm.launch(["base"], state_dir=tmp)
    try:
        dep, chain = evm.deployments["base"], evm.chains["base"]
        path = await Eip3009.at(chain, dep.token.address)
        payee = dep.dev_account(2).address
        payers = [dep.dev_account(i) for i in (1, 3, 4, 5, 6)]
        now = await chain.now()
        req = {"scheme": "exact", "network": dep.network, "asset": dep.token.address,
               "amount": "10000", "payTo": payee, "maxTimeoutSeconds": 3600,
               "extra": {"name": path.domain.name, "version": path.domain.version}}

        def sign(i: int) -> Any:
            return path.sign(payers[i % len(payers)], to=payee, value=10_000,
                             valid_after=now - 600, valid_before=now + 3600)

        def body(payload: dict[str, Any]) -> dict[str, Any]:
            return {"x402Version": 2, "paymentRequirements": req,
                    "paymentPayload": {"x402Version": 2, "accepted": req, "payload": payload}}

        signed = [sign(i) for i in range(3 * payments)]
        verify_set = [body(s.to_payload()) for s in signed[:payments]]
        ours_settle = [body(s.to_payload()) for s in signed[payments:2 * payments]]
        raw_settle = signed[2 * payments:]

        networks, _ = local_networks({"evm": {"base": dep.to_json()}})
        settings = FacilitatorSettings(settle_wait_seconds=60, rate_limit_per_minute=10**9,
                                       database_url=f"sqlite:///{tmp / 'bench.sqlite3'}")
        relayer_key = "0x" + bytes(dep.dev_account(9).key).hex()
        service = Facilitator.create(settings, build_mechanisms(
            networks, settings, Keys(evm_relayer=relayer_key)),
            database_url=settings.database_url or "")
        await service.start()

        # --- verify -----------------------------------------------------------------------
        x402 = x402FacilitatorSync().register(
            [dep.network], ExactEvmScheme(FacilitatorWeb3Signer(
                "0x" + bytes(dep.dev_account(8).key).hex(), dep.rpc_url)))
        models = [(PaymentPayload.model_validate(b["paymentPayload"]),
                   PaymentRequirements.model_validate(req)) for b in verify_set]
        pool = ThreadPoolExecutor(width)
        loop = asyncio.get_running_loop()

        def x402_verify(m: tuple[Any, Any]) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                result = await loop.run_in_executor(pool, x402.verify, *m)
                assert result.is_valid, result.invalid_reason
            return call

        def our_verify(b: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                result = await service.engine.verify(b)
                assert result["isValid"], result
            return call

        await timed([x402_verify(m) for m in models[:10]], width)  # warm-up
        await timed([our_verify(b) for b in verify_set[:10]], width)
        x402_rate, x402_lat = await timed([x402_verify(m) for m in models], width)
        our_rate, our_lat = await timed([our_verify(b) for b in verify_set], width)

        sock_server = uvicorn.Server(uvicorn.Config(create_app(service, manage_lifecycle=False),
                                                    host="127.0.0.1", port=0, log_level="warning"))
        import socket

        # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets (else +40 ms)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server_task = asyncio.create_task(sock_server.serve(sockets=[sock]))
        while not sock_server.started:
            await asyncio.sleep(0.01)
        # aiohttp as the load client: httpx's pool costs more CPU than the server
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=width))

        def http_verify(b: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                async with http.post(f"{url}/verify", json=b) as r:
                    answer = await r.json()
                assert answer["isValid"], answer
            return call

        await timed([http_verify(b) for b in verify_set[:10]], width)
        http_rate, http_lat = await timed([http_verify(b) for b in verify_set], width)

        # --- settle ----------------------------------------------------------------------
        raw_relayer = Relayer(chain, dep.dev_account(7))
        requirements = Requirements.from_x402(req)

        def raw(payment: Any) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                await path.settle(payment, requirements, raw_relayer)
            return call

        def ours(b: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
            async def call() -> None:
                result = await service.engine.settle(b)
                assert result["success"], result
            return call

        raw_rate, raw_lat = await timed([raw(p) for p in raw_settle], width)
        settle_rate, settle_lat = await timed([ours(b) for b in ours_settle], width)

        # --- credit check ------------------------------------------------------------------
        wallet = Account.create().address
        await service.ledger.add(wallet, 10**9, kind="topup", reference=None)
        await service.ledger.balance(wallet)
        service.ledger.view_ttl = 3600.0  # the check itself, not the refresh
        check_lat: list[float] = []
        for _ in range(100_000):
            t = time.perf_counter_ns()
            ok = service.ledger.can_spend(wallet, 40)
            check_lat.append((time.perf_counter_ns() - t) / 1e9)
            assert ok
        http_bal_lat: list[float] = []
        for _ in range(500):
            t = time.perf_counter()
            async with http.get(f"{url}/api/credits/balance",
                                headers={"x-wallet-address": wallet}) as r:
                answer = await r.json()
            http_bal_lat.append(time.perf_counter() - t)
            assert answer["credits"] == 10**9

        await http.close()
        sock_server.should_exit = True
        await server_task
        await service.close()
        pool.shutdown()
    finally:
        await evm.stop()

    click.echo("\nfacilitator benchmark (Base on anvil, EIP-3009 USDC; 2 cores shared)")
    click.echo("  verify")
    click.echo(row("x402 package facilitator (thread pool)", x402_rate, x402_lat, None))
    click.echo(row("gridpay engine, in-process", our_rate, our_lat, x402_rate,
                   goal=f"goal >= {VERIFY_GOAL:.0f}x"))
    click.echo(row("gridpay over loopback HTTP", http_rate, http_lat, x402_rate))
    click.echo("  settle (one relayer each, receipts awaited)")
    click.echo(row("raw chain: pyclients verify+send+receipt", raw_rate, raw_lat, None))
    click.echo(row("gridpay engine (log, claim, answer)", settle_rate, settle_lat, raw_rate,
                   goal=f"goal >= {SETTLE_GOAL:.0%}"))
    click.echo("  credit check")
    check_p99 = 1000 * pct(check_lat, .99)
    click.echo(f"  {'in-process (cached balance)':<44} p50 {1000 * pct(check_lat, .5):.4f} ms  "
               f"p99 {check_p99:.4f} ms  goal p99 < {CREDIT_P99_GOAL_MS} ms "
               f"{'met' if check_p99 < CREDIT_P99_GOAL_MS else 'MISSED'}")
    click.echo(f"  {'GET /api/credits/balance over loopback':<44} p50 "
               f"{1000 * pct(http_bal_lat, .5):.3f} ms  p99 {1000 * pct(http_bal_lat, .99):.3f} ms"
               f"  (mean {1000 * statistics.mean(http_bal_lat):.3f} ms)")


async def run_escrow_bench(spends: int, batch: int) -> None:
    """Credits backed by job_escrow on the local validator (see module doc)."""
    from solders.account import Account as SolAccount
    from solders.keypair import Keypair
    from solders.pubkey import Pubkey

    from facilitator.credits.escrow import EscrowSource
    from facilitator.service import Facilitator
    from facilitator.settings import EscrowCreditsSettings, FacilitatorSettings
    from localnet.solana_chain import (
        USDC_MINT,
        associated_token_address,
        fund_token_account,
        wallet,
    )
    from localnet.solana_rpc import SolanaLocalnet
    from pyclients.solana.common.transport import RpcTransport
    from pyclients.solana.escrow import EscrowClient, Settlement

    click.echo(f"\nstarting the local Solana validator (job_escrow); {spends} spends, "
               f"batches of {batch}")
    async with SolanaLocalnet.start(port=0) as net:
        client = EscrowClient(RpcTransport(net.url))
        authority, worker = wallet("facilitator"), wallet("bob")
        await client.initialize(wallet("alice"), usdc_mint=USDC_MINT,
                                treasury=associated_token_address(wallet("operator").pubkey(),
                                                                  USDC_MINT),
                                settlement_authority=authority.pubkey())

        def funded() -> Keypair:
            kp = Keypair()
            net.chain.set_account(kp.pubkey(), SolAccount(10**10, b"", Pubkey.default()))
            fund_token_account(net.chain, kp.pubkey(), USDC_MINT, 10**12)
            return kp

        settings = FacilitatorSettings(escrow=EscrowCreditsSettings(
            chunk_credits=spends * 10, settle_after_seconds=3600, settle_interval_seconds=3600))
        with tempfile.TemporaryDirectory() as tmp:
            service = Facilitator.create(
                settings, [], database_url=f"sqlite:///{Path(tmp) / 'f.sqlite3'}",
                escrow=EscrowSource(net.url, bytes(authority), worker=str(worker.pubkey())))
            await service.start()
            payer = funded()
            await client.buy_credits(payer, spends * 40)
            await service.escrow.indexer.poll()  # type: ignore[union-attr]
            who = str(payer.pubkey())
            await service.ledger.add("offchain-wallet", spends * 10, kind="topup", reference=None)

            async def spend(w: str) -> None:
                await service.ledger.spend(w, 1, kind="bench", reference=None)

            await spend(who)  # the first one locks the chunk
            off_rate, off_lat = await timed([lambda: spend("offchain-wallet")] * spends, 1)
            chunk_rate, chunk_lat = await timed([lambda: spend(who)] * spends, 1)

            # what one lock per request costs: a lock_job transaction each
            ids = iter(range(1, 10**9))

            async def lock() -> None:
                await client.lock_job(authority, payer.pubkey(), job_id=next(ids), max_credits=1,
                                      worker=worker.pubkey())
            per_request = max(20, spends // 10)
            lock_rate, lock_lat = await timed([lock] * per_request, 1)
            locked = list(range(1, per_request + 1))

            one_by_one = locked[:batch]
            t = time.perf_counter()
            for job_id in one_by_one:
                await client.settle_job(authority, payer.pubkey(), job_id=job_id, used_credits=1)
            single_per_job = (time.perf_counter() - t) / len(one_by_one)
            batched = locked[batch:2 * batch]
            t = time.perf_counter()
            await client.settle_jobs(authority, [Settlement(payer.pubkey(), j, 1) for j in batched])
            batch_per_job = (time.perf_counter() - t) / len(batched)
            for job_id in locked[2 * batch:]:
                await client.refund_job(authority, payer.pubkey(), job_id=job_id)
            await service.close()
        await client.transport.close()  # type: ignore[attr-defined]

    click.echo("  credits backed by job_escrow (sequential, SQLite store)")
    click.echo(row("spend of off-chain credits (store write)", off_rate, off_lat, None))
    click.echo(row("spend drawing on a chunk locked ahead", chunk_rate, chunk_lat, off_rate))
    click.echo(row("one on-chain lock_job per request", lock_rate, lock_lat, off_rate))
    click.echo(f"  {'settle: one settle_job transaction per job':<44} "
               f"{1000 * single_per_job:9.2f} ms/job    base")
    click.echo(f"  {f'settle: settle_jobs, {batch} jobs per transaction':<44} "
               f"{1000 * batch_per_job:9.2f} ms/job {single_per_job / batch_per_job:6.2f}x faster")


@click.command("facilitator")
@click.option("--payments", default=200, show_default=True, help="payments per measurement")
@click.option("--concurrency", default=16, show_default=True, help="requests in flight")
@click.option("--escrow-only", is_flag=True, help="only the job_escrow credits section")
def facilitator(payments: int, concurrency: int, escrow_only: bool) -> None:
    """Verify/settle throughput vs the x402 package and the raw chain; credit
    checks; credits backed by job_escrow."""
    if not escrow_only:
        asyncio.run(run_bench(payments, concurrency))
    asyncio.run(run_escrow_bench(max(100, payments * 2), 10))
