"""Fixtures for Solana program tests, generic enough for any program crate.

- ``sbf_build(crate_dir)`` builds a program through toolchain/sbf once per
  session and returns its ``.so`` path (project target/, Anchor.toml updated);
- ``litesvm`` is a fresh in-process validator (``solders.litesvm.LiteSVM``);
- ``sbf_program(so_path)`` loads a ``.so`` into a fresh LiteSVM and returns a
  :class:`toolchain.sbf.differential.SbfProgram` to invoke it;
- ``hello_so`` is the toolchain's own smoke program, built from a private copy
  (so it does not depend on the state of the programs/ workspace).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from toolchain.sbf import build_program
from toolchain.sbf.differential import SbfProgram

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "programs" / "hello"
CRATES = Path(__file__).resolve().parent / "crates"


@pytest.fixture(scope="session")
def sbf_build() -> Callable[..., Path]:
    built: dict[tuple, Path] = {}

    def build(crate_dir: Path | str, **kwargs) -> Path:
        key = (str(Path(crate_dir).resolve()), tuple(sorted(kwargs.items())))
        if key not in built:
            built[key] = build_program(crate_dir, **kwargs)
        return built[key]

    return build


@pytest.fixture
def litesvm():
    from solders.litesvm import LiteSVM

    return LiteSVM()


@pytest.fixture
def sbf_program() -> Callable[..., SbfProgram]:
    return lambda so_path, **kwargs: SbfProgram(so_path, **kwargs)


@pytest.fixture(scope="session")
def private_target(tmp_path_factory) -> Path:
    """A target/ of this session only: builds here leave the project's alone."""
    return tmp_path_factory.mktemp("sbf-target")


def copy_crate(src: Path, into: Path) -> Path:
    dest = into / src.name
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    return dest


@pytest.fixture(scope="session")
def hello_so(tmp_path_factory, private_target) -> Path:
    crate = copy_crate(HELLO, tmp_path_factory.mktemp("hello-src"))
    return build_program(crate, target=private_target, anchor_toml=None)


@pytest.fixture(scope="session")
def cu_record():
    """``cu_record(name, units)``: compute units measured by the tests, written
    to target/sbf/compute-units.json at the end of the session (merged with
    earlier runs, so each area's figures stay next to each other)."""
    import json

    from toolchain.sbf import tools

    figures: dict[str, int] = {}
    yield figures.__setitem__
    if figures:
        path = tools.target_dir() / "sbf" / "compute-units.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with tools.locked(path.with_suffix(".lock")):
            merged = json.loads(path.read_text()) if path.exists() else {}
            merged.update(figures)
            path.write_text(json.dumps(dict(sorted(merged.items())), indent=2) + "\n")
