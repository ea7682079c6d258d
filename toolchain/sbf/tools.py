"""The external tools of the SBF pipeline and the cached builds of its own parts
(runtime bitcode, LLVM pass plugin, merged compiler_builtins).

Every cached artefact is named by the hash of its inputs, so a changed source
simply produces a new file and an unchanged one is reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import subprocess
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from toolchain.errors import BuildError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

RUSTC = "/usr/bin/rustc"
CARGO = "/usr/bin/cargo"
LLVM_LINK = "llvm-link-22"
OPT = "opt-22"
LLC = "llc-22"
CLANG = "clang-22"
CLANGXX = "clang++-22"
LLVM_CONFIG = "llvm-config-22"
TARGET = "bpfel-unknown-none"

#: llc flags of the pipeline (sbf-toolchain.md): SBPF v0 is eBPF v2 without
#: alignment traps, with 4 KB frames.
LLC_FLAGS = ("-march=bpfel", "-mcpu=v2", "-mattr=+allows-misaligned-mem-access",
             "-bpf-stack-size=4096", "-filetype=obj", "-O2")

RUNTIME_SRC = HERE / "runtime" / "runtime.c"
PLUGIN_SRC = HERE / "plugin" / "SbfLower.cpp"
PLUGIN_PASS = "sbf-lower"


def target_dir() -> Path:
    """target/ of the checkout (GRIDPAY_TARGET_DIR overrides, as in settings)."""
    override = os.environ.get("GRIDPAY_TARGET_DIR")
    return Path(override) if override else ROOT / "target"


def cache_dir() -> Path:
    """The toolchain's own cached builds; the linker shim inherits the builder's."""
    override = os.environ.get("GRIDPAY_SBF_CACHE")
    path = Path(override) if override else target_dir() / "sbf" / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a tool; a failure becomes a BuildError carrying its output."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    except FileNotFoundError as exc:
        raise BuildError(f"{what}: {cmd[0]} is not installed (run `make bootstrap`)") from exc
    if proc.returncode != 0:
        output = (proc.stderr or proc.stdout).strip()
        raise BuildError(f"{what} failed: {shlex.join(cmd[:3])} ...\n{output}")
    return proc


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


@contextmanager
def locked(path: Path):
    """Exclusive lock so concurrent builds (helpers, pytest-xdist) share one cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@lru_cache(maxsize=1)
def tool_versions() -> str:
    """Versions of the tools whose output ends up in the binary."""
    rustc = run([RUSTC, "-vV"], "rustc").stdout
    llc = run([LLC, "--version"], "llc").stdout
    return rustc + llc


def runtime_bitcode() -> Path:
    """runtime.c compiled to BPF bitcode (cached by source hash)."""
    if os.environ.get("GRIDPAY_SBF_RUNTIME"):
        return Path(os.environ["GRIDPAY_SBF_RUNTIME"])
    src = RUNTIME_SRC.read_bytes()
    flags = ["--target=bpfel", "-mcpu=v2", "-O2", "-ffreestanding", "-fno-builtin",
             "-nostdlib", "-emit-llvm", "-c", "-Wall", "-Werror"]
    out = cache_dir() / f"runtime-{digest(src, ' '.join(flags), tool_versions())}.bc"
    if not out.exists():
        with locked(out.with_suffix(".lock")):
            if not out.exists():
                tmp = out.with_suffix(".tmp")
                run([CLANG, *flags, str(RUNTIME_SRC), "-o", str(tmp)], "runtime bitcode")
                tmp.replace(out)
    return out


def plugin_path() -> Path:
    """Where the pass plugin for the current source lives (built or not)."""
    src = PLUGIN_SRC.read_bytes()
    return cache_dir() / f"libsbf-lower-{digest(src, tool_versions())}.so"


def build_plugin() -> Path:
    """Compile the LLVM pass plugin with clang++ against llvm-22-dev (cached)."""
    out = plugin_path()
    if out.exists():
        return out
    with locked(out.with_suffix(".lock")):
        if out.exists():
            return out
        cxxflags = run([LLVM_CONFIG, "--cxxflags"], "llvm-config").stdout.split()
        ldflags = run([LLVM_CONFIG, "--ldflags"], "llvm-config").stdout.split()
        tmp = out.with_suffix(".tmp")
        run([CLANGXX, *cxxflags, "-O2", "-fPIC", "-shared", "-Wall", "-Werror",
             str(PLUGIN_SRC), *ldflags, "-lLLVM-22", "-o", str(tmp)], "pass plugin build")
        tmp.replace(out)
    return out


def sysroot_lib() -> Path:
    return Path(run([RUSTC, "--print", "sysroot"], "rustc").stdout.strip()) / "lib" / "rustlib" \
        / TARGET / "lib"


#: The files whose content decides a program's bytes (not the test helpers).
PIPELINE_FILES = ("build.py", "link.py", "convert.py", "bpf.py", "tools.py", "sbf-ld")


def toolchain_hash() -> str:
    """Hash of everything in the pipeline besides the crate: a change relinks."""
    own = [HERE / name for name in PIPELINE_FILES] + [RUNTIME_SRC, PLUGIN_SRC]
    return digest(*(p.read_bytes() for p in own), tool_versions())
