"""A click group whose subcommands are imported only when run, so that
`gridpay --help` stays fast and each area registers itself with one line."""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click


def load_command(target: str) -> click.Command:
    """The click command at ``"module:attribute"``."""
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


class LazyGroup(click.Group):
    """Subcommands given as ``name -> "module:attribute"``, plus any added eagerly."""

    def __init__(self, *args, lazy: Mapping[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            return load_command(self.lazy[name])
        return super().get_command(ctx, name)
