"""Local deployment keys derived from public seeds.

Local chains put each program at the address of a keypair derived from
``sha256("gridpay:<name>")``, so the id in a program's IDL, in its Rust
source, in ``Anchor.toml`` and in ``target/deploy/<name>-keypair.json`` agree
on every machine without a key checked in. These are addresses for local
chains, not secrets: a real cluster deploys with the operator's own keypair.
"""

from __future__ import annotations

import hashlib

from solders.keypair import Keypair


def local_program_keypair(name: str) -> Keypair:
    """The keypair local chains deploy program ``name`` (its crate lib name) at."""
    return Keypair.from_seed(hashlib.sha256(f"gridpay:{name}".encode()).digest())
