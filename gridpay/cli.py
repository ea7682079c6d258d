"""The `gridpay` command. Each area contributes its own click group or
command; this module only wires them together (imports are lazy so that
`gridpay --help` stays fast)."""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command. An area adds one line here.
COMMANDS: dict[str, str] = {
    "build": "toolchain.cli:build",
    "evm": "localnet.cli:evm",
    "bench": "bench.cli:bench",
    "demo": "harness.cli:demo",
    "facilitator": "facilitator.cli:facilitator",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
def main() -> None:
    """gridpay: on-chain payment programs, x402 facilitator and local grid."""


if __name__ == "__main__":
    main()
