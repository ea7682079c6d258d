"""`gridpay bench solana-rpc`: the local validator's JSON-RPC against LiteSVM in-process.

The same kind of transaction (a signed SOL transfer, signed before timing
starts) is processed three ways in one run:

- **LiteSVM**: ``svm.send_transaction`` on a plain ``LiteSVM()`` (signature and
  blockhash checks on): the baseline the goal is stated against;
- **bank layer**: ``Chain.execute`` in-process (the validator's checks, status
  cache, balances and token balances for getTransaction, account index);
- **RPC (solana-py)**: solana-py ``AsyncClient`` against ``python -m
  localnet.solana_rpc`` in its own process: ``sendTransaction`` with preflight,
  pipelined, until every signature reports ``confirmed`` (what a user sees);
- **RPC (raw)**: the same server, measured without a Python RPC client in the
  way: a separate client process sends pre-serialized JSON-RPC bodies over
  keep-alive connections, one request per transaction and then as JSON-RPC
  batches (arrays, as the real validator accepts), and confirms with
  pre-serialized ``getSignatureStatuses``.

Confirmation latency: in-process it is the call itself; over RPC it is
``sendTransaction`` then ``getSignatureStatuses`` (no sleep) until confirmed,
one transaction at a time.

Wall-clock figures move with whatever else shares the machine, so CPU time
per transaction is printed beside them: of this process in-process, of the
validator process over RPC (its capacity when it has a core to itself), with
the solana-py client's own CPU per transaction shown separately.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

#: The issue's goal: RPC throughput at least this share of in-process LiteSVM.
GOAL_RATIO = 0.5
SOL = 1_000_000_000


@dataclass(frozen=True)
class Figures:
    name: str
    tps: float
    cpu_us_per_tx: float
    latency_ms_p50: float
    latency_ms_p99: float
    client_cpu_us_per_tx: float | None = None


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by another process."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _transfers(payer: Keypair, count: int, blockhash: Hash, offset: int = 0) -> list[VersionedTransaction]:
    """``count`` distinct signed transfers (distinct amounts make distinct signatures)."""
    to = Pubkey.new_unique()
    out = []
    for i in range(count):
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=1_000_000 + offset + i))
        out.append(VersionedTransaction(Message.new_with_blockhash([ix], payer.pubkey(), blockhash), [payer]))
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def _timed(name: str, txs: list[VersionedTransaction], send: Callable[[VersionedTransaction], object]) -> Figures:
    latencies = []
    cpu = time.process_time()
    start = time.perf_counter()
    for tx in txs:
        t0 = time.perf_counter()
        send(tx)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    cpu_us = (time.process_time() - cpu) / len(txs) * 1e6
    return Figures(name, len(txs) / elapsed, cpu_us, *_percentiles(latencies))


def measure_litesvm(count: int) -> Figures:
    from solders.litesvm import LiteSVM
    from solders.transaction_metadata import FailedTransactionMetadata

    svm = LiteSVM()
    payer = Keypair()
    svm.airdrop(payer.pubkey(), 1_000 * SOL)
    txs = _transfers(payer, count, svm.latest_blockhash())

    def send(tx: VersionedTransaction) -> None:
        result = svm.send_transaction(tx)
        assert not isinstance(result, FailedTransactionMetadata), result

    return _timed("LiteSVM in-process", txs, send)


def measure_bank(count: int) -> Figures:
    from solders.account import Account

    from localnet.solana_rpc.chain import Chain

    chain = Chain()
    payer = Keypair()
    chain.set_account(payer.pubkey(), Account(1_000 * SOL, b"", Pubkey.default()))
    txs = _transfers(payer, count, chain.latest_blockhash()[0])

    def send(tx: VersionedTransaction) -> None:
        resolved = chain.resolve(tx)
        assert chain.signatures_valid(tx)
        assert chain.execute(resolved, preflight=True).err is None

    return _timed("bank layer in-process", txs, send)


class _Server:
    """``python -m localnet.solana_rpc`` on a free port, in its own process."""

    def __enter__(self) -> _Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "localnet.solana_rpc", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        lines = []
        for line in self.proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.rstrip() == "}":
                break
        if self.proc.poll() is not None or not lines:
            raise RuntimeError("the local validator did not start")
        banner = json.loads("".join(lines))
        self.url = banner["rpcUrl"]
        self.payer = Keypair.from_base58_string(banner["wallets"]["payer"]["secretKey"])
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def _measure_rpc(
    server: _Server, count: int, latency_samples: int, concurrency: int
) -> Figures:
    from solana.rpc.async_api import AsyncClient
    from solana.rpc.commitment import Confirmed
    from solana.rpc.models import TxOpts

    opts = TxOpts(skip_confirmation=True, preflight_commitment=Confirmed)
    payer = server.payer
    async with AsyncClient(server.url, commitment=Confirmed) as client:

        async def confirmed(signatures: list) -> None:
            pending = list(signatures)
            while pending:
                statuses = []
                for i in range(0, len(pending), 256):
                    statuses += (await client.get_signature_statuses(pending[i : i + 256])).value
                pending = [s for s, st in zip(pending, statuses) if st is None or st.err is not None]

        blockhash = (await client.get_latest_blockhash()).value.blockhash
        txs = _transfers(payer, count, blockhash)
        queue = iter(txs)

        async def worker() -> None:
            for tx in queue:
                await client.send_raw_transaction(bytes(tx), opts=opts)

        server_cpu, client_cpu = _process_cpu(server.proc.pid), time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await confirmed([tx.signatures[0] for tx in txs])
        tps = count / (time.perf_counter() - start)
        server_us = (_process_cpu(server.proc.pid) - server_cpu) / count * 1e6
        client_us = (time.process_time() - client_cpu) / count * 1e6

        blockhash = (await client.get_latest_blockhash()).value.blockhash
        latencies = []
        for tx in _transfers(payer, latency_samples, blockhash, offset=count):
            t0 = time.perf_counter()
            await client.send_raw_transaction(bytes(tx), opts=opts)
            await confirmed([tx.signatures[0]])
            latencies.append(time.perf_counter() - t0)
    return Figures("JSON-RPC (solana-py)", tps, server_us, *_percentiles(latencies), client_us)


# --- raw JSON-RPC client (its own process) -----------------------------------


def _body(method: str, params: list, req_id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "id": req_id, "method": method, "params": params}


def _send_body(tx: VersionedTransaction, req_id: int) -> dict:
    encoded = base64.b64encode(bytes(tx)).decode()
    return _body("sendTransaction", [encoded, {"encoding": "base64", "preflightCommitment": "confirmed"}], req_id)


def _status_body(signatures: list[str]) -> bytes:
    return json.dumps(_body("getSignatureStatuses", [signatures])).encode()


def _request(host: str, port: int, body: bytes) -> bytes:
    return (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@dataclass(frozen=True)
class RawRun:
    """What the raw client process measured."""

    seconds: float
    client_cpu_s: float
    server_cpu_s: float
    latencies: list[float]
    unconfirmed: int


async def _raw_client(
    host: str, port: int, server_pid: int, requests: list[bytes], status_bodies: list[bytes],
    latency: list[tuple[bytes, bytes]], connections: int,
) -> RawRun:
    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        return await reader.readexactly(length)

    streams = [await asyncio.open_connection(host, port) for _ in range(connections)]

    def unconfirmed(answer: bytes) -> int:
        statuses = json.loads(answer)["result"]["value"]
        return sum(
            1
            for st in statuses
            if st is None or st["err"] is not None or st["confirmationStatus"] == "processed"
        )

    todo = iter(requests)
    failed: list[bytes] = []

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for request in todo:
            answer = await exchange(reader, writer, request)
            if b'"error"' in answer:
                failed.append(answer)

    cpu, server_cpu = time.process_time(), _process_cpu(server_pid)
    start = time.perf_counter()
    await asyncio.gather(*(worker(r, w) for r, w in streams))
    pending = 0
    for body in status_bodies:
        pending += unconfirmed(await exchange(*streams[0], _request(host, port, body)))
    seconds = time.perf_counter() - start
    client_cpu, server_cpu = time.process_time() - cpu, _process_cpu(server_pid) - server_cpu
    if failed:
        raise RuntimeError(f"sendTransaction failed: {failed[0][:300]!r}")
    latencies = []
    for send, status in latency:
        t0 = time.perf_counter()
        await exchange(*streams[0], send)
        while unconfirmed(await exchange(*streams[0], status)):
            pass
        latencies.append(time.perf_counter() - t0)
    for _, writer in streams:
        writer.close()
    return RawRun(seconds, client_cpu, server_cpu, latencies, pending)


def _raw_client_process(args: tuple, results: multiprocessing.Queue) -> None:
    try:
        import uvloop

        results.put(uvloop.run(_raw_client(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put(exc)


def measure_raw(
    server: _Server, count: int, latency_samples: int, connections: int, batch: int, offset: int
) -> Figures:
    """Pre-serialized sendTransaction bodies (``batch`` per HTTP request) from a client process."""
    import urllib.request

    latest = urllib.request.urlopen(server.url, json.dumps(_body("getLatestBlockhash", [])).encode())
    blockhash = Hash.from_string(json.loads(latest.read())["result"]["value"]["blockhash"])
    host, port = server.url.removeprefix("http://").split(":")
    txs = _transfers(server.payer, count, blockhash, offset)
    bodies = [_send_body(tx, i) for i, tx in enumerate(txs)]
    if batch == 1:
        requests = [_request(host, port, json.dumps(b).encode()) for b in bodies]
    else:
        requests = [
            _request(host, port, json.dumps(bodies[i : i + batch]).encode()) for i in range(0, count, batch)
        ]
    signatures = [str(tx.signatures[0]) for tx in txs]
    status_bodies = [_status_body(signatures[i : i + 256]) for i in range(0, count, 256)]
    latency = [
        (_request(host, port, json.dumps(_send_body(tx, 0)).encode()),
         _request(host, port, _status_body([str(tx.signatures[0])])))
        for tx in _transfers(server.payer, latency_samples, blockhash, offset + count)
    ]
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(
        target=_raw_client_process,
        args=((host, int(port), server.proc.pid, requests, status_bodies, latency, connections), results),
    )
    proc.start()
    outcome: RawRun | BaseException | None = None
    while outcome is None:
        try:
            outcome = results.get(timeout=1)
        except queue.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the raw client process exited with code {proc.exitcode}") from None
    proc.join()
    if isinstance(outcome, BaseException):
        raise outcome
    if outcome.unconfirmed:
        raise RuntimeError(f"{outcome.unconfirmed} transactions not confirmed")
    name = "JSON-RPC raw" + (f", batch {batch}" if batch > 1 else "")
    return Figures(
        name, count / outcome.seconds, outcome.server_cpu_s / count * 1e6, *_percentiles(outcome.latencies),
        outcome.client_cpu_s / count * 1e6,
    )


def run(
    count: int = 2000, latency_samples: int = 200, concurrency: int = 8, batch: int = 50
) -> dict[str, Figures]:
    """Measure every path, print a table with ratios to LiteSVM, return the figures."""
    baseline = measure_litesvm(count)
    bank = measure_bank(count)
    with _Server() as server:
        rpc = asyncio.run(_measure_rpc(server, count, latency_samples, concurrency))
        offset = 2 * (count + latency_samples)
        raw = measure_raw(server, count, latency_samples, concurrency, 1, offset)
        raw_batch = measure_raw(server, count, latency_samples, concurrency, batch, 2 * offset)
    results = {"litesvm": baseline, "bank": bank, "rpc": rpc, "raw": raw, "raw_batch": raw_batch}
    click.echo(f"solana-rpc: {count} SOL transfers per path; latency over {latency_samples} sequential sends")
    click.echo(
        f"{'path':<26}{'tx/s':>9}{'ratio':>7}{'CPU us/tx':>11}{'CPU ratio':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'client us/tx':>14}"
    )
    for fig in results.values():
        client = f"{fig.client_cpu_us_per_tx:>14.0f}" if fig.client_cpu_us_per_tx is not None else ""
        click.echo(
            f"{fig.name:<26}{fig.tps:>9.0f}{fig.tps / baseline.tps:>7.2f}{fig.cpu_us_per_tx:>11.0f}"
            f"{baseline.cpu_us_per_tx / fig.cpu_us_per_tx:>10.2f}"
            f"{fig.latency_ms_p50:>9.3f}{fig.latency_ms_p99:>9.3f}{client}"
        )
    click.echo(
        "(RPC CPU is the validator process's; the client's own CPU is in the last column. "
        f"Raw: {concurrency} keep-alive connections from a client process; batch: {batch} "
        "sendTransaction per JSON-RPC array)"
    )
    for fig in (rpc, raw, raw_batch):
        wall = "meets" if fig.tps / baseline.tps >= GOAL_RATIO else "misses"
        capacity = "meets" if baseline.cpu_us_per_tx / fig.cpu_us_per_tx >= GOAL_RATIO else "misses"
        click.echo(
            f"goal >= {GOAL_RATIO:.0%} of in-process LiteSVM, {fig.name}: wall-clock throughput "
            f"{wall} it ({fig.tps / baseline.tps:.0%}), validator CPU capacity {capacity} it "
            f"({baseline.cpu_us_per_tx / fig.cpu_us_per_tx:.0%})"
        )
    return results


@click.command("solana-rpc")
@click.option("--count", default=2000, show_default=True, help="transactions per path")
@click.option("--latency-samples", default=200, show_default=True)
@click.option("--concurrency", default=8, show_default=True, help="requests in flight over RPC")
@click.option("--batch", default=50, show_default=True, help="sendTransaction per JSON-RPC batch")
def command(count: int, latency_samples: int, concurrency: int, batch: int) -> None:
    """Local validator JSON-RPC throughput and confirmation latency vs LiteSVM in-process."""
    run(count, latency_samples, concurrency, batch)
