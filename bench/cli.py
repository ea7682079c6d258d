"""`gridpay bench`: one subcommand per area, and `all` running every one.

An area adds a benchmark by adding one line to BENCHMARKS: its name and the
"module:attribute" of a click command (imported only when run)."""

from __future__ import annotations

import importlib

import click

BENCHMARKS: dict[str, str] = {
    "evm": "bench.evm:evm",
}


def _load(name: str) -> click.Command:
    module, attr = BENCHMARKS[name].split(":")
    return getattr(importlib.import_module(module), attr)


class BenchGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*BENCHMARKS, "all"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "all":
            return run_all
        return _load(name) if name in BENCHMARKS else None


@click.group(cls=BenchGroup)
def bench() -> None:
    """Benchmarks, each against a baseline measured in the same run."""


@click.command("all")
@click.pass_context
def run_all(ctx: click.Context) -> None:
    """Run every benchmark with its defaults."""
    for name in sorted(BENCHMARKS):
        click.secho(f"== bench {name} ==", bold=True)
        ctx.invoke(_load(name))
