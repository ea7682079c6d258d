"""Running the solc wrapper (``toolchain/solc/solc``) in standard-JSON mode."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from gridpay.settings import get_settings
from toolchain.errors import BuildError

#: The Node wrapper that makes the npm solc look like native solc on the command line.
#: Give it to py-solc-x as ``solcx.compile_standard(..., solc_binary=SOLC)``.
SOLC: Path = Path(__file__).resolve().parent / "solc"

_VERSION_LINE = re.compile(r"^Version: (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class CompilerOutput:
    """solc's standard-JSON output once no error is left in it."""

    contracts: dict[str, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


def _run(args: list[str], stdin: str | None = None) -> str:
    try:
        proc = subprocess.run(
            [str(SOLC), *args], input=stdin, capture_output=True, text=True, check=False
        )
    except OSError as exc:  # node missing, wrapper not executable
        raise BuildError(f"cannot run the solc wrapper {SOLC}: {exc}") from exc
    if proc.returncode != 0:
        raise BuildError(f"solc wrapper failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def npm_solc_version() -> str:
    """Version of the npm ``solc`` package in node_modules (read without starting node)."""
    package = get_settings().node_modules / "solc" / "package.json"
    try:
        return json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise BuildError(
            f"npm solc not installed ({package} unreadable: {exc}); run toolchain/bootstrap.sh"
        ) from exc


@lru_cache(maxsize=1)
def compiler_version() -> str:
    """The full compiler version the wrapper reports, e.g. ``0.8.30+commit.73712a01``."""
    out = _run(["--version"])
    match = _VERSION_LINE.search(out)
    if not match:
        raise BuildError(f"solc wrapper printed no version line: {out!r}")
    return match.group(1).removesuffix(".Linux.g++")


def compile_standard(
    input_json: dict[str, Any], *, base_path: Path, allow_paths: list[Path] | None = None
) -> CompilerOutput:
    """Compile a standard-JSON input; raise :class:`BuildError` carrying solc's formatted
    messages (they name file, line and column) if any error was reported."""
    args = ["--standard-json", "--base-path", str(base_path)]
    if allow_paths:
        args += ["--allow-paths", ",".join(str(p) for p in allow_paths)]
    raw = _run(args, stdin=json.dumps(input_json))
    try:
        output = json.loads(raw)
    except ValueError as exc:
        raise BuildError(f"solc wrapper printed invalid JSON: {raw[:500]!r}") from exc

    errors, warnings = [], []
    for diag in output.get("errors", []):
        text = diag.get("formattedMessage") or diag.get("message", "")
        (errors if diag.get("severity") == "error" else warnings).append(text.rstrip())
    if errors:
        raise BuildError("solc: compilation failed\n" + "\n\n".join(errors))
    return CompilerOutput(contracts=output.get("contracts", {}), warnings=warnings)
