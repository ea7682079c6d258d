"""Contract artifacts: one JSON file per contract in ``target/contracts/``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridpay.settings import get_settings


def default_out_dir() -> Path:
    return get_settings().target_dir / "contracts"


@dataclass(frozen=True)
class Artifact:
    """A compiled contract. Bytecodes are 0x-prefixed hex; abstract contracts and
    interfaces have ``bytecode == "0x"``. ``deployed_bytecode`` is solc's runtime code,
    with zeros where immutables go: to place a contract at another address, copy the
    code of a deployed instance instead."""

    name: str
    source_name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    method_identifiers: dict[str, str] = field(default_factory=dict)
    compiler: str = ""

    @property
    def deployable(self) -> bool:
        return self.bytecode != "0x"

    def to_json(self) -> dict[str, Any]:
        return {
            "contractName": self.name,
            "sourceName": self.source_name,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployedBytecode": self.deployed_bytecode,
            "methodIdentifiers": self.method_identifiers,
            "compiler": self.compiler,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Artifact:
        return cls(
            name=data["contractName"],
            source_name=data["sourceName"],
            abi=data["abi"],
            bytecode=data["bytecode"],
            deployed_bytecode=data["deployedBytecode"],
            method_identifiers=data.get("methodIdentifiers", {}),
            compiler=data.get("compiler", ""),
        )

    def write(self, out_dir: Path) -> Path:
        path = out_dir / f"{self.name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        os.replace(tmp, path)  # readers never see a half-written artifact
        return path


class ArtifactNotFound(LookupError):
    """No contract of that name was built."""


def load_artifact(name: str, *, out_dir: Path | None = None, build: bool = True) -> Artifact:
    """The artifact of contract ``name`` (e.g. ``"FiatTokenUSDC"``).

    With ``build`` (the default) the contracts are first brought up to date, which is a
    hash check when nothing changed; so callers never read an artifact that is stale or
    missing."""
    out = out_dir or default_out_dir()
    if build and out_dir is None:
        from toolchain.solc.build import build_contracts

        build_contracts()
    path = out / f"{name}.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        known = sorted(p.stem for p in out.glob("*.json")) if out.is_dir() else []
        raise ArtifactNotFound(
            f"no artifact {name!r} in {out}; built contracts: {', '.join(known) or 'none'}"
        ) from None
    return Artifact.from_json(data)
