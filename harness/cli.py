"""`gridpay demo`: the whole product on one machine, with a live display and a
report (terminal table + JSON file)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import click


async def run_demo(tiny: bool, state_dir: Path, json_path: Path, evm: bool = True):  # noqa: ANN201
    from rich.console import Console

    from harness.scenario import play
    from harness.stack import Stack

    console = Console()
    started = time.monotonic()
    status = console.status("starting the local grid…")
    status.start()

    def progress(message: str) -> None:
        console.log(message)
        status.update(f"[bold]{message}[/]")

    stack = Stack(state_dir, tiny=tiny, evm=evm, log=progress)
    try:
        await stack.up()
        report = await play(stack, progress)
    finally:
        progress("stopping the local grid")
        await stack.down()
        status.stop()
    report.render(console)
    path = report.write(json_path)
    console.print(f"report: {path}  ({time.monotonic() - started:.0f} s)")
    return report


@click.command()
@click.option("--tiny", is_flag=True, help="Use the generated tiny model (fast; CI).")
@click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where chains, stores and logs of this run go (default: .gridpay/demo).")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Report file (default: <state-dir>/report.json).")
def demo(tiny: bool, state_dir: Path | None, json_path: Path | None) -> None:
    """Local chains, facilitator + gateway, llama.cpp nodes, and the scenario:
    credits, per-token billing, refunds, x402 on four networks, slashing."""
    import shutil

    from gridpay.settings import get_settings

    state_dir = state_dir or get_settings().state_dir / "demo"
    if state_dir.exists():
        shutil.rmtree(state_dir)  # every run starts from fresh chains and stores
    report = asyncio.run(run_demo(tiny, state_dir, json_path or state_dir / "report.json"))
    sys.exit(0 if report.ok else 1)
