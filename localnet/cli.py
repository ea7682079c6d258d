"""`gridpay evm up/down` (the three local EVM chains) and `gridpay up/down` (the whole stack)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import click

from localnet.deploy_evm import NETWORKS


def _parse_ports(values: tuple[str, ...]) -> dict[str, int]:
    ports = {}
    for value in values:
        name, _, port = value.partition("=")
        if name not in NETWORKS or not port.isdigit() or not 0 < int(port) < 65536:
            raise click.BadParameter(
                f"{value!r}: expected NAME=PORT with NAME one of {', '.join(NETWORKS)}",
                param_hint="--port",
            )
        if int(port) in ports.values():
            raise click.BadParameter(f"port {port} given to two chains", param_hint="--port")
        ports[name] = int(port)
    return ports


def _banner(evm) -> None:  # noqa: ANN001 - LocalEvm, imported lazily
    """Accounts and keys as anvil prints them, then one block per chain."""
    first = next(iter(evm.deployments.values()))
    lines = [
        "gridpay local EVM chains (anvil, one per chain id)",
        "",
        "Available Accounts",
        "==================",
    ]
    lines += [f"({i}) {a.address}" for i, a in enumerate(first.accounts)]
    lines += ["", "Private Keys", "=================="]
    lines += [f"({i}) {a.private_key}" for i, a in enumerate(first.accounts)]
    lines += [
        "",
        "(0) deploys, mints and relays; each account holds 1,000,000 of each token.",
        "",
        "Chains",
        "==================",
    ]
    for name, d in evm.deployments.items():
        lines += [
            f"{name:<8} {d.network:<12} {d.rpc_url}  (pid {d.pid})",
            f"{'':<8} {d.token.symbol} {d.token.address}  {d.token.decimals} decimals, "
            f"{d.token.transfer_method}",
            f"{'':<8} PermitSettlement {d.permit_settlement}",
        ]
    lines += ["", f"Endpoints: {evm.endpoints_path()}"]
    click.echo("\n".join(lines))


@click.group()
def evm() -> None:
    """Local EVM chains: Base (8453), MegaETH (4326), BSC (56) on anvil."""


@evm.command()
@click.option("--detach", is_flag=True, help="Leave the chains running in the background.")
@click.option(
    "--port",
    "ports",
    multiple=True,
    metavar="NAME=PORT",
    help="Fixed port for a chain (e.g. base=8545); free ports otherwise.",
)
@click.option(
    "--network",
    "networks",
    multiple=True,
    type=click.Choice(sorted(NETWORKS)),
    help="Start only these chains (default: all three).",
)
def up(detach: bool, ports: tuple[str, ...], networks: tuple[str, ...]) -> None:
    """Start the chains, deploy tokens and PermitSettlement, fund test accounts and
    write the endpoints file. Foreground until Ctrl-C unless --detach."""
    from localnet.anvil import AnvilError, LocalEvm, running_pids

    running = running_pids()
    if running:
        click.secho(
            f"EVM chains already running (pids {running}); run `gridpay evm down` first.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    names = networks or tuple(NETWORKS)

    async def run() -> int:
        try:
            local = await LocalEvm.launch(
                names, ports=_parse_ports(ports), detach=detach, write_endpoints=True
            )
        except AnvilError as exc:
            click.secho(str(exc), fg="red", err=True)
            return 1
        _banner(local)
        if detach:
            click.echo("Running in the background; stop with `gridpay evm down`.")
            for chain in local.chains.values():
                await chain.close()
            return 0
        click.echo("Press Ctrl-C to stop.")
        # SIGTERM/SIGHUP end the run like Ctrl-C does: through the finally below.
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, task.cancel)
        try:
            while not (dead := local.dead()):
                await asyncio.sleep(0.5)
            for p in dead:
                click.secho(
                    f"{p.name}: anvil exited with code {p.process.returncode}:\n" f"{p.log_tail()}",
                    fg="red",
                    err=True,
                )
            return 1
        finally:
            await local.stop()
            click.echo("Stopped.")

    try:
        sys.exit(asyncio.run(run()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # run() was cancelled; its finally stopped the chains.
        sys.exit(130)


@evm.command()
def down() -> None:
    """Stop chains started with `gridpay evm up --detach`."""
    from localnet.anvil import stop_detached

    stopped = stop_detached()
    if not stopped:
        click.echo("No EVM chains were running.")
    for name, was_running in stopped.items():
        click.echo(f"{name}: {'stopped' if was_running else 'was not running'}")


# `gridpay up` / `gridpay down`: the whole local stack (localnet/stack.py). The
# functions are named stack_* because `up`/`down` above are `gridpay evm` commands.
@click.command("up")
@click.option("--detach", is_flag=True, help="Leave the stack running in the background.")
@click.option("--solana-url", metavar="URL",
              help="Deploy to this validator (solana-test-validator, surfpool) instead of "
                   "starting the embedded one.")
@click.option("--solana-port", type=click.IntRange(0, 65534), default=None,
              help="Port of the embedded validator (WebSocket on port + 1; 0: a free port). "
                   "Default: settings.solana_rpc_port.")
@click.option("--port", "ports", multiple=True, metavar="NAME=PORT",
              help="Fixed port for an EVM chain (e.g. base=8545); free ports otherwise.")
@click.option("--network", "networks", multiple=True, type=click.Choice(sorted(NETWORKS)),
              help="Start only these EVM chains (default: all three).")
@click.option("--snapshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Resume the embedded validator from this file if it exists; save to it on exit.")
def stack_up(detach: bool, solana_url: str | None, solana_port: int | None, ports: tuple[str, ...],
             networks: tuple[str, ...], snapshot: Path | None) -> None:
    """Start the Solana validator and the three EVM chains, deploy and fund
    everything, print every endpoint and key, and write the endpoints file.
    Foreground until Ctrl-C unless --detach."""
    from localnet.stack import UpOptions, up

    if solana_url and (solana_port is not None or snapshot):
        raise click.UsageError(
            "--solana-port and --snapshot are for the embedded validator, not --solana-url"
        )
    options = UpOptions(detach=detach, solana_url=solana_url, solana_port=solana_port,
                        evm_ports=_parse_ports(ports), networks=networks or tuple(NETWORKS),
                        snapshot=snapshot)
    sys.exit(up(options))


@click.command("down")
def stack_down() -> None:
    """Stop the stack started by `gridpay up` (foreground or --detach)."""
    from localnet.stack import down

    sys.exit(down())
