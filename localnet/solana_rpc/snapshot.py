"""Save the chain to disk and resume it later (accounts, slot, clock offset).

A snapshot holds every indexed account and the clock; blockhashes and the
status cache are not kept, as after a validator restart from a snapshot.
The format is gzip'd JSON so a developer can inspect it.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import time
from pathlib import Path
from typing import Any

from solders.account import Account
from solders.pubkey import Pubkey

from .chain import Chain, ChainConfig

FORMAT_VERSION = 1


def save(chain: Chain, path: Path) -> Path:
    """Write ``chain`` to ``path`` atomically (a crash never leaves half a file)."""
    accounts: dict[str, Any] = {}
    for pubkey in sorted(chain.index, key=bytes):
        account = chain.get_account(pubkey)
        if account is None:
            continue
        accounts[str(pubkey)] = {
            "lamports": account.lamports,
            "owner": str(account.owner),
            "executable": account.executable,
            "rentEpoch": account.rent_epoch,
            "data": base64.b64encode(bytes(account.data)).decode(),
        }
    doc = {
        "format": FORMAT_VERSION,
        "network": chain.config.network,
        "genesisSeed": chain.config.genesis_seed,
        "slotMs": chain.config.slot_ms,
        "slot": chain.slot,
        "warpSeconds": chain.warp_seconds,
        "transactionCount": chain.transaction_count,
        "accounts": accounts,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    os.replace(tmp, path)
    return path


def load(path: Path, config: ChainConfig | None = None) -> Chain:
    """Rebuild a chain from a snapshot; its slot and clock offset continue from it.

    ``config`` may change the slot length; network and genesis seed come from the
    snapshot so the chain keeps its identity.
    """
    with gzip.open(Path(path), "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    if doc.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported snapshot format {doc.get('format')!r}")
    base = config or ChainConfig()
    chain = Chain(
        ChainConfig(
            slot_ms=base.slot_ms,
            network=doc["network"],
            genesis_seed=doc["genesisSeed"],
            faucet_lamports=base.faucet_lamports,
        )
    )
    # Program data first: LiteSVM loads an executable account's code when it is written.
    items = sorted(doc["accounts"].items(), key=lambda kv: kv[1]["executable"])
    for address, acc in items:
        chain.set_account(
            Pubkey.from_string(address),
            Account(
                lamports=acc["lamports"],
                data=base64.b64decode(acc["data"]),
                owner=Pubkey.from_string(acc["owner"]),
                executable=acc["executable"],
                rent_epoch=acc["rentEpoch"],
            ),
        )
    chain.transaction_count = doc["transactionCount"]
    chain.resume(slot=doc["slot"], warp_seconds=doc["warpSeconds"], wall=time.time())
    return chain
