"""`gridpay bench solana-rpc`: the local validator's JSON-RPC against LiteSVM in-process.

The same kind of transaction (a signed SOL transfer, signed before timing
starts) is processed three ways in one run:

- **LiteSVM**: ``svm.send_transaction`` on a plain ``LiteSVM()`` (signature and
  blockhash checks on): the baseline the goal is stated against;
- **bank layer**: ``Chain.execute`` in-process (the validator's checks, status
  cache, balances and token balances for getTransaction, account index);
- **RPC**: solana-py ``AsyncClient`` against ``python -m localnet.solana_rpc`` in
  its own process: ``sendTransaction`` with preflight, pipelined, until every
  signature reports ``confirmed``.

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
import json
import os
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


def run(count: int = 2000, latency_samples: int = 200, concurrency: int = 8) -> dict[str, Figures]:
    """Measure the three ways, print a table with ratios to LiteSVM, return the figures."""
    baseline = measure_litesvm(count)
    bank = measure_bank(count)
    with _Server() as server:
        rpc = asyncio.run(_measure_rpc(server, count, latency_samples, concurrency))
    results = {"litesvm": baseline, "bank": bank, "rpc": rpc}
    click.echo(f"solana-rpc: {count} SOL transfers per path; latency over {latency_samples} sequential sends")
    click.echo(
        f"{'path':<24}{'tx/s':>9}{'ratio':>7}{'CPU us/tx':>11}{'CPU ratio':>10}{'p50 ms':>9}{'p99 ms':>9}"
    )
    for fig in results.values():
        click.echo(
            f"{fig.name:<24}{fig.tps:>9.0f}{fig.tps / baseline.tps:>7.2f}{fig.cpu_us_per_tx:>11.0f}"
            f"{baseline.cpu_us_per_tx / fig.cpu_us_per_tx:>10.2f}"
            f"{fig.latency_ms_p50:>9.3f}{fig.latency_ms_p99:>9.3f}"
        )
    click.echo(f"(RPC CPU is the validator process's; the solana-py client used {rpc.client_cpu_us_per_tx:.0f} us/tx more)")
    wall = "meets" if rpc.tps / baseline.tps >= GOAL_RATIO else "misses"
    capacity = "meets" if baseline.cpu_us_per_tx / rpc.cpu_us_per_tx >= GOAL_RATIO else "misses"
    click.echo(
        f"goal >= {GOAL_RATIO:.0%} of in-process LiteSVM: wall-clock throughput {wall} it, "
        f"validator CPU capacity {capacity} it"
    )
    return results


@click.command("solana-rpc")
@click.option("--count", default=2000, show_default=True, help="transactions per path")
@click.option("--latency-samples", default=200, show_default=True)
@click.option("--concurrency", default=8, show_default=True, help="requests in flight over RPC")
def command(count: int, latency_samples: int, concurrency: int) -> None:
    """Local validator JSON-RPC throughput and confirmation latency vs LiteSVM in-process."""
    run(count, latency_samples, concurrency)
