"""`gridpay bench evm`: each EVM payment path against a plain ERC-20 transfer.

Per path, on its own anvil, in one run:
- settlements/s through the client (verify + simulate + send + receipt, one
  relayer, sequential) vs plain ERC-20 ``transfer``s/s sent through the same
  client code (simulate + send + receipt) - the ratio is the cost of the
  payment path over the cheapest token movement;
- gas per settlement vs per ``transfer`` (from receipts);
- off-chain verifications/s on one core: the pure signature part (EIP-712
  digest + ecrecover; two signatures on the permit path), and the full verify
  with its chain reads beside it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from statistics import mean

import click

#: The issue's goal for the pure signature check, per second on one core.
VERIFY_GOAL_PER_S = 2_000


@dataclass(frozen=True)
class PathFigures:
    network: str
    method: str
    settle_per_s: float
    transfer_per_s: float
    settle_gas: int
    transfer_gas: int
    verify_sig_per_s: float
    verify_full_per_s: float


async def measure_path(evm, name: str, count: int, sig_seconds: float) -> PathFigures:  # noqa: ANN001
    from localnet.deploy_evm import payment_path
    from pyclients.evm import abi
    from pyclients.evm.payment import Requirements
    from pyclients.evm.permit import PermitPayment
    from pyclients.evm.relayer import Relayer

    chain, dep = evm.chains[name], evm.deployments[name]
    path = await payment_path(chain, dep)
    payer, payee = dep.dev_account(1), dep.dev_account(2)
    amount = 10 ** (dep.token.decimals - 2)
    req = Requirements(
        network=dep.network,
        asset=dep.token.address,
        pay_to=payee.address,
        amount=amount,
        max_timeout_seconds=3600,
    )
    relayer = Relayer(chain, dep.dev_account(0))
    payer_client = Relayer(chain, payer)

    # Permit-path payments each spend one token nonce: sign them in nonce order.
    now = await chain.now()
    first_nonce = await chain.read(dep.token.address, abi.NONCES, payer.address)
    payments = []
    for i in range(count + 2):
        kwargs = dict(
            to=payee.address, value=amount, valid_after=now - 600, valid_before=now + 3600
        )
        if isinstance(path, PermitPayment):
            kwargs["permit_nonce"] = first_nonce + i
        payments.append(path.sign(payer, **kwargs))
    transfer = abi.TRANSFER.encode(payee.address, amount)

    # Warm-up (connection pool, caches), not timed.
    for p in payments[:2]:
        await path.settle(p, req, relayer)
    await payer_client.transact(dep.token.address, transfer, action="transfer")
    payments = payments[2:]

    start = time.perf_counter()
    transfer_gas = [
        int(
            (await payer_client.transact(dep.token.address, transfer, action="transfer"))["gasUsed"]
        )
        for _ in range(count)
    ]
    transfer_s = time.perf_counter() - start

    start = time.perf_counter()
    settle_gas = [(await path.settle(p, req, relayer)).gas_used for p in payments]
    settle_s = time.perf_counter() - start

    # Full verify (chain reads included) of fresh payments, sequential.
    fresh = [
        path.sign(
            payer,
            to=payee.address,
            value=amount,
            valid_after=now - 600,
            valid_before=now + 3600,
            **(
                {"permit_nonce": first_nonce + count + 2} if isinstance(path, PermitPayment) else {}
            ),
        )
        for _ in range(count)
    ]
    start = time.perf_counter()
    for p in fresh:
        await path.verify(p, req)
    verify_full_s = time.perf_counter() - start

    return PathFigures(
        network=f"{name} ({dep.token.symbol})",
        method=dep.token.transfer_method,
        settle_per_s=count / settle_s,
        transfer_per_s=count / transfer_s,
        settle_gas=round(mean(settle_gas)),
        transfer_gas=round(mean(transfer_gas)),
        verify_sig_per_s=signature_checks_per_second(path, fresh, sig_seconds),
        verify_full_per_s=count / verify_full_s,
    )


def signature_checks_per_second(path, payments: list, seconds: float) -> float:  # noqa: ANN001
    """Pure signature verification on this core: EIP-712 digest + ecrecover of
    every signature the payment carries, compared with the payer."""
    check = path.signed_by_payer
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for p in payments:
            if not check(p):
                raise AssertionError("benchmark payment failed verification")
        done += len(payments)
    return done / elapsed


async def run(count: int, sig_seconds: float) -> list[PathFigures]:
    from localnet.anvil import LocalEvm

    async with LocalEvm.start() as evm:
        return [await measure_path(evm, name, count, sig_seconds) for name in evm.deployments]


def render(figures: list[PathFigures], count: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"EVM payment paths on anvil ({count} sequential settlements per path)")
    for col in (
        "network",
        "method",
        "settle/s",
        "transfer/s",
        "ratio",
        "gas settle",
        "gas transfer",
        "ratio",
        "sig verify/s (1 core)",
        "full verify/s (RPC)",
    ):
        table.add_column(col, justify="left" if col in ("network", "method") else "right")
    for f in figures:
        table.add_row(
            f.network,
            f.method,
            f"{f.settle_per_s:.1f}",
            f"{f.transfer_per_s:.1f}",
            f"{f.settle_per_s / f.transfer_per_s:.2f}x",
            f"{f.settle_gas:,}",
            f"{f.transfer_gas:,}",
            f"{f.settle_gas / f.transfer_gas:.2f}x",
            f"{f.verify_sig_per_s:,.0f}",
            f"{f.verify_full_per_s:.1f}",
        )
    console = Console(width=max(140, Console().width))
    console.print(table)
    slowest = min(f.verify_sig_per_s for f in figures)
    verdict = "meets" if slowest >= VERIFY_GOAL_PER_S else "MISSES"
    console.print(
        f"Signature verification: slowest path {slowest:,.0f}/s, "
        f"{verdict} the goal of {VERIFY_GOAL_PER_S:,}/s on one core."
    )


@click.command()
@click.option("--count", default=100, show_default=True, help="Settlements and transfers per path.")
@click.option(
    "--sig-seconds",
    default=1.0,
    show_default=True,
    help="Seconds spent measuring pure signature verification per path.",
)
def evm(count: int, sig_seconds: float) -> None:
    """Settlement vs plain transfer throughput and gas; verification speed."""
    render(asyncio.run(run(count, sig_seconds)), count)
