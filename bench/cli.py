"""`gridpay bench`: one subcommand per area, and `all` running every one.

An area adds a benchmark by adding one line to BENCHMARKS: its name and the
"module:attribute" of a click command or of a plain `run()` function
(imported only when run)."""

from __future__ import annotations

import importlib

import click

from gridpay.lazy import LazyGroup

BENCHMARKS: dict[str, str] = {
    "evm": "bench.evm:evm",
    "e2e": "bench.gateway:gateway",
    "toolchain": "bench.toolchain:toolchain",
    "solana-rpc": "bench.solana_rpc:command",
    "facilitator": "bench.facilitator:facilitator",
    "escrow": "bench.escrow:run",
    "staking": "bench.staking:run",
}


class BenchGroup(LazyGroup):
    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            return super().get_command(ctx, name)
        module, attr = self.lazy[name].split(":")
        target = getattr(importlib.import_module(module), attr)
        if isinstance(target, click.Command):
            return target
        return click.Command(name, callback=target, help=(target.__doc__ or "").strip())


@click.group(cls=BenchGroup, lazy=BENCHMARKS)
def bench() -> None:
    """Benchmarks, each against a baseline measured in the same run."""


@bench.command("all")
@click.pass_context
def run_all(ctx: click.Context) -> None:
    """Run every benchmark with its defaults."""
    for name in sorted(BENCHMARKS):
        click.secho(f"== bench {name} ==", bold=True)
        ctx.invoke(bench.get_command(ctx, name))
