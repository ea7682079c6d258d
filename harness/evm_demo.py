"""The EVM part of `gridpay demo`: three local chains, one x402-style payment on
each (Base USDC via EIP-3009, MegaETH USDm and BSC USD1 via the permit path),
shown with balances before/after, the transaction and its gas."""

from __future__ import annotations

from dataclasses import dataclass

from localnet.anvil import LocalEvm
from localnet.deploy_evm import ChainDeployment, payment_path
from pyclients.evm.payment import Requirements, Settlement
from pyclients.evm.relayer import Relayer


def units(amount: int, decimals: int) -> str:
    """Base units as a decimal string, for display only (money stays an int)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    text = f"{whole:,}" + (f".{frac:0{decimals}d}".rstrip("0") if frac else "")
    return sign + text


@dataclass(frozen=True)
class DemoPayment:
    deployment: ChainDeployment
    payer: str
    payee: str
    amount: int
    payer_before: int
    payer_after: int
    payee_before: int
    payee_after: int
    settlement: Settlement


async def pay_once(evm: LocalEvm, name: str) -> DemoPayment:
    """One x402 `exact` payment of 0.01 token on chain ``name``: the payer signs what
    the requirements ask, the facilitator side verifies and settles from its relayer."""
    chain, dep = evm.chains[name], evm.deployments[name]
    path = await payment_path(chain, dep)
    payer, payee = dep.dev_account(1), dep.dev_account(2)
    req = Requirements(
        network=dep.network,
        asset=dep.token.address,
        pay_to=payee.address,
        amount=10 ** (dep.token.decimals - 2),
        max_timeout_seconds=120,
    )
    payer_before, payee_before = (
        await path.balance_of(payer.address),
        await path.balance_of(payee.address),
    )

    payment = await path.authorize(payer, req)  # client: sign
    await path.verify(payment, req)  # facilitator: /verify
    settlement = await path.settle(payment, req, Relayer(chain, dep.dev_account(0)))  # /settle

    return DemoPayment(
        deployment=dep,
        payer=payer.address,
        payee=payee.address,
        amount=req.amount,
        payer_before=payer_before,
        payer_after=await path.balance_of(payer.address),
        payee_before=payee_before,
        payee_after=await path.balance_of(payee.address),
        settlement=settlement,
    )


async def run_evm_demo(echo=print) -> list[DemoPayment]:  # noqa: ANN001
    """Start the chains, pay once on each, print, stop the chains."""
    echo("Starting local EVM chains (anvil): Base 8453, MegaETH 4326, BSC 56 ...")
    async with LocalEvm.start() as evm:
        results = []
        for name in evm.deployments:
            result = await pay_once(evm, name)
            results.append(result)
            for line in describe(result):
                echo(line)
    echo("Chains stopped.")
    return results


def describe(r: DemoPayment) -> list[str]:
    d, t = r.deployment, r.deployment.token
    fmt = lambda v: f"{v} ({units(v, t.decimals)} {t.symbol})"  # noqa: E731
    return [
        "",
        f"{d.name} {d.network}: {t.symbol} at {t.address} via {t.transfer_method}",
        f"  amount     {fmt(r.amount)}",
        f"  payer      {r.payer}: {fmt(r.payer_before)} -> {fmt(r.payer_after)}",
        f"  payee      {r.payee}: {fmt(r.payee_before)} -> {fmt(r.payee_after)}",
        f"  tx         {r.settlement.tx_hash} (block {r.settlement.block_number}, "
        f"gas {r.settlement.gas_used:,})",
    ]
