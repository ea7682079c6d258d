"""`gridpay build`: every contract and every program, incrementally."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--only", type=click.Choice(["contracts", "programs"]), default=None,
              help="Build one kind of artifact only.")
def build(only: str | None) -> None:
    """Compile contracts/ (solc) and programs/ (Rust -> SBF) into target/."""
    from toolchain.errors import BuildError

    try:
        if only in (None, "contracts"):
            from toolchain.solc import build_contracts

            for line in build_contracts().summary():
                click.echo(line)
        if only in (None, "programs"):
            from toolchain.sbf import build_programs

            for line in build_programs().summary():
                click.echo(line)
    except BuildError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
