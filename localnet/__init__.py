"""Local chains for development and tests: anvil processes per EVM chain id
(``anvil``, ``deploy_evm``, ``cli``: ``gridpay evm up/down``) and the Solana
JSON-RPC validator (``solana_rpc``).

Both write their part of one endpoints file (settings.endpoints_file) for
clients; :func:`update_endpoints` changes one top-level section under a file
lock, so an "evm" writer never clobbers a "solana" one.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _endpoints_path(path: Path | None) -> Path:
    if path is not None:
        return path
    from gridpay.settings import get_settings

    return get_settings().endpoints_file


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_endpoints(path: Path | None = None) -> dict[str, Any]:
    """The endpoints file as a dict ({} when absent)."""
    path = _endpoints_path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def update_endpoints(section: str, value: dict[str, Any] | None, path: Path | None = None) -> Path:
    """Set (or with None, remove) one top-level ``section`` of the endpoints file,
    keeping every other section; written atomically."""
    path = _endpoints_path(path)
    with _locked(path):
        data = read_endpoints(path)
        if value is None:
            data.pop(section, None)
        else:
            data[section] = value
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)
    return path
