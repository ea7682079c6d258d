"""The `gridpay` command. Each area contributes its own click group or
command; this module only wires them together (imports are lazy so that
`gridpay --help` stays fast)."""

from __future__ import annotations

import click

from gridpay.lazy import LazyGroup

# name -> "module:attribute" of a click command. An area adds one line here.
COMMANDS: dict[str, str] = {
    "build": "toolchain.cli:build",
    "evm": "localnet.cli:evm",
    "up": "localnet.cli:stack_up",
    "down": "localnet.cli:stack_down",
    "bench": "bench.cli:bench",
    "demo": "harness.cli:demo",
    "facilitator": "facilitator.cli:facilitator",
    "node": "harness.node.cli:node",
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
def main() -> None:
    """gridpay: on-chain payment programs, x402 facilitator and local grid."""


if __name__ == "__main__":
    main()
