"""`gridpay build --only contracts`: every ``contracts/src/**/*.sol`` -> artifacts,
skipped when nothing that affects the output has changed."""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from gridpay import ROOT
from gridpay.settings import get_settings
from toolchain.errors import BuildError
from toolchain.solc.artifacts import Artifact, default_out_dir
from toolchain.solc.compiler import SOLC, compile_standard, compiler_version, npm_solc_version

CACHE_FILE = ".build-cache.json"

OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"]


def default_src_dir() -> Path:
    return ROOT / "contracts" / "src"


def compiler_settings() -> dict[str, Any]:
    """The solc settings every contract is built with (part of the cache key)."""
    return {
        "optimizer": {"enabled": True, "runs": 200},
        "evmVersion": get_settings().evm_version,
        "outputSelection": {"*": {"*": OUTPUTS}},
    }


@dataclass
class BuildResult:
    """What a build produced; ``cached`` when it compiled nothing."""

    artifacts: dict[str, Artifact]
    out_dir: Path
    sources: list[str]
    compiler: str
    cached: bool
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        deployable = sum(1 for a in self.artifacts.values() if a.deployable)
        where = _display(self.out_dir)
        if self.cached:
            lines = [
                f"contracts: up to date, nothing compiled ({len(self.sources)} sources, "
                f"{len(self.artifacts)} artifacts in {where}, solc {self.compiler})"
            ]
        else:
            lines = [
                f"contracts: compiled {len(self.sources)} sources with solc {self.compiler} "
                f"in {self.seconds:.1f} s -> {len(self.artifacts)} artifacts "
                f"({deployable} deployable) in {where}"
            ]
        lines += [f"  warning: {w.splitlines()[0]}" for w in self.warnings]
        return lines


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _unit_name(path: Path) -> str:
    """Source unit name: repository-relative inside the repo (so solc's messages read
    ``contracts/src/X.sol:12:5``), absolute elsewhere."""
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def _cache_key(sources: dict[str, str], settings: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "solc": npm_solc_version(),
                "settings": settings,
                "wrapper": _sha256(SOLC.read_bytes()),
            },
            sort_keys=True,
        ).encode()
    )
    for name in sorted(sources):
        h.update(b"\0" + name.encode() + b"\0" + sources[name].encode())
    return h.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One build at a time per output folder (parallel test processes, CLI runs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_cache(out_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out_dir / CACHE_FILE).read_text())
    except (OSError, ValueError):
        return None


def build_contracts(
    src_dir: Path | None = None, out_dir: Path | None = None, *, force: bool = False
) -> BuildResult:
    """Compile every ``*.sol`` under ``src_dir`` (default ``contracts/src``) into one
    artifact JSON per contract in ``out_dir`` (default ``target/contracts``).

    The build is skipped when the hash of all sources, the compiler version and the
    settings equals the last successful build's and its artifacts are all present.
    A compile error raises :class:`BuildError` with solc's messages (file:line:column)."""
    started = time.perf_counter()
    src = (src_dir or default_src_dir()).resolve()
    out = (out_dir or default_out_dir()).resolve()
    files = sorted(src.rglob("*.sol"))
    if not files:
        raise BuildError(f"no Solidity sources (*.sol) under {src}")
    expected = get_settings().solc_version
    if npm_solc_version() != expected:
        raise BuildError(
            f"node_modules has solc {npm_solc_version()}, settings.solc_version is {expected}; "
            "run toolchain/bootstrap.sh"
        )
    sources = {_unit_name(f): f.read_text() for f in files}
    settings = compiler_settings()
    key = _cache_key(sources, settings)

    with _locked(out):
        cache = _read_cache(out)
        if (
            not force
            and cache is not None
            and cache.get("key") == key
            and all((out / f"{name}.json").is_file() for name in cache["artifacts"])
        ):
            artifacts = {name: _load(out, name) for name in cache["artifacts"]}
            return BuildResult(
                artifacts,
                out,
                sorted(sources),
                cache["compiler"],
                True,
                time.perf_counter() - started,
            )

        version = compiler_version()
        base = ROOT if all(not Path(n).is_absolute() for n in sources) else src
        output = compile_standard(
            {
                "language": "Solidity",
                "sources": {name: {"content": text} for name, text in sources.items()},
                "settings": settings,
            },
            base_path=base,
            allow_paths=[base],
        )
        artifacts = _artifacts(output.contracts, version)
        for artifact in artifacts.values():
            artifact.write(out)
        if cache:  # drop artifacts of contracts that no longer exist
            for stale in set(cache.get("artifacts", [])) - artifacts.keys():
                (out / f"{stale}.json").unlink(missing_ok=True)
        (out / CACHE_FILE).write_text(
            json.dumps({"key": key, "compiler": version, "artifacts": sorted(artifacts)}, indent=2)
            + "\n"
        )
        return BuildResult(
            artifacts,
            out,
            sorted(sources),
            version,
            False,
            time.perf_counter() - started,
            output.warnings,
        )


def _load(out_dir: Path, name: str) -> Artifact:
    return Artifact.from_json(json.loads((out_dir / f"{name}.json").read_text()))


def _artifacts(contracts: dict[str, dict[str, Any]], version: str) -> dict[str, Artifact]:
    """One artifact per contract; two contracts with one name would overwrite each
    other's file, so that is an error naming both sources."""
    found: dict[str, Artifact] = {}
    for source_name, by_name in sorted(contracts.items()):
        for name, out in sorted(by_name.items()):
            if name in found:
                raise BuildError(
                    f"contract name {name!r} is defined in both {found[name].source_name} and "
                    f"{source_name}; artifacts are named by contract, so rename one"
                )
            evm = out.get("evm", {})
            found[name] = Artifact(
                name=name,
                source_name=source_name,
                abi=out.get("abi", []),
                bytecode="0x" + evm.get("bytecode", {}).get("object", ""),
                deployed_bytecode="0x" + evm.get("deployedBytecode", {}).get("object", ""),
                method_identifiers=evm.get("methodIdentifiers", {}),
                compiler=version,
            )
    return found
