"""`gridpay demo`: until the end-to-end scenario lands, the EVM payments demo."""

from __future__ import annotations

import asyncio
import sys

import click


@click.command()
def demo() -> None:
    """Start local chains and make one x402 payment on each EVM chain."""
    from harness.evm_demo import run_evm_demo
    from localnet.anvil import AnvilError

    try:
        asyncio.run(run_evm_demo(click.echo))
    except AnvilError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
