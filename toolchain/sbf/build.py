"""Build Solana programs (no_std Rust crates under programs/) into SBPF v0
shared objects: ``target/deploy/<name>.so`` plus a program keypair whose
public key is the program id recorded in ``Anchor.toml``.

cargo drives rustc with this toolchain's linker shim (``sbf-ld`` ->
:mod:`toolchain.sbf.link`). A build is skipped when the crate, its path
dependencies and the toolchain itself are unchanged (a fingerprint stamp), and
the output is a pure function of those inputs (same sources -> same bytes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.errors import BuildError
from toolchain.sbf import tools

PROGRAMS_DIR = tools.ROOT / "programs"
ANCHOR_TOML = tools.ROOT / "Anchor.toml"
SHIM = tools.HERE / "sbf-ld"
#: crates under programs/ that are libraries, never deployed
NOT_PROGRAMS = {"sdk"}


@dataclass
class ProgramBuild:
    name: str
    crate_dir: Path
    so_path: Path
    program_id: str
    built: bool  # False when it was already up to date
    seconds: float
    size: int

    def summary(self) -> str:
        state = f"built in {self.seconds:.1f}s" if self.built else "up to date"
        return (f"program {self.name}: {_rel(self.so_path)} ({self.size:,} bytes, "
                f"id {self.program_id}) {state}")


@dataclass
class BuildResult:
    programs: list[ProgramBuild] = field(default_factory=list)

    def summary(self) -> list[str]:
        if not self.programs:
            return ["programs: nothing to build under programs/"]
        return [p.summary() for p in self.programs]


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(tools.ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Crate:
    dir: Path
    package: str
    lib_name: str
    crate_types: tuple[str, ...]
    path_deps: tuple[Path, ...]

    @classmethod
    def read(cls, crate_dir: Path) -> Crate:
        manifest = crate_dir / "Cargo.toml"
        if not manifest.is_file():
            raise BuildError(f"{crate_dir}: no Cargo.toml")
        try:
            data = tomllib.loads(manifest.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise BuildError(f"{manifest}: {exc}") from exc
        package = data.get("package", {}).get("name")
        if not package:
            raise BuildError(f"{manifest}: no [package] name")
        lib = data.get("lib", {})
        deps = []
        for table in ("dependencies", "dev-dependencies", "build-dependencies"):
            for spec in data.get(table, {}).values():
                if isinstance(spec, dict) and "path" in spec:
                    deps.append((crate_dir / spec["path"]).resolve())
        return cls(crate_dir.resolve(), package, lib.get("name", package.replace("-", "_")),
                   tuple(lib.get("crate-type", ())), tuple(deps))

    @property
    def is_program(self) -> bool:
        return "cdylib" in self.crate_types and self.dir.name not in NOT_PROGRAMS


def _source_files(crate: Crate, seen: set[Path]) -> list[tuple[str, bytes]]:
    """(path, contents) of the crate and, recursively, its path dependencies."""
    if crate.dir in seen:
        return []
    seen.add(crate.dir)
    files = []
    for path in sorted(crate.dir.rglob("*")):
        rel = path.relative_to(crate.dir)
        if rel.parts[0] in ("target", "tests") or any(p.startswith(".") for p in rel.parts):
            continue
        if path.is_file() and path.name != "Cargo.lock":
            files.append((f"{crate.package}/{rel}", path.read_bytes()))
    for dep in crate.path_deps:
        files += _source_files(Crate.read(dep), seen)
    return files


def workspace_manifest(crate_dir: Path) -> Path | None:
    """The Cargo.toml of the workspace above ``crate_dir`` (its profile and lints
    shape the build), if any."""
    for parent in crate_dir.resolve().parents:
        manifest = parent / "Cargo.toml"
        if manifest.is_file() and "[workspace]" in manifest.read_text():
            return manifest
    return None


def fingerprint(crate: Crate) -> str:
    parts: list[str | bytes] = [tools.toolchain_hash()]
    workspace = workspace_manifest(crate.dir)
    if workspace is not None:
        parts += ["workspace", workspace.read_bytes()]
    for name, body in _source_files(crate, set()):
        parts += [name, body]
    return tools.digest(*parts)


def _keypair(path: Path, name: str) -> str:
    """Program id of ``name``: its local deploy keypair (gridpay.keys), written to
    ``path`` so Solana tools can deploy it."""
    from gridpay.keys import local_program_keypair

    keypair = local_program_keypair(name)
    body = json.dumps(list(bytes(keypair)))
    if not path.exists() or path.read_text() != body:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(body)
        tmp.replace(path)
    return str(keypair.pubkey())


def update_anchor_toml(path: Path, name: str, program_id: str) -> None:
    """Set ``[programs.localnet] name = "id"``, keeping the rest of the file."""
    with tools.locked(path.with_name(".Anchor.toml.lock")):
        if not path.exists():
            path.write_text(
                "# Program ids are written by `gridpay build` (toolchain/sbf): the public key\n"
                "# of target/deploy/<name>-keypair.json, derived by gridpay/keys.py.\n"
                "[programs.localnet]\n\n"
                "[provider]\n"
                'cluster = "localnet"\n'
                'wallet = "~/.config/solana/id.json"\n')
        lines = path.read_text().splitlines()
        entry = f'{name} = "{program_id}"'
        try:
            start = lines.index("[programs.localnet]")
        except ValueError:
            lines = ["[programs.localnet]", entry, ""] + lines
        else:
            end = start + 1
            while end < len(lines) and not lines[end].startswith("["):
                end += 1
            body = [ln for ln in lines[start + 1:end]
                    if ln.strip() and ln.split("=")[0].strip() != name]
            body = sorted(body + [entry])
            lines[start + 1:end] = body + [""]
        text = "\n".join(lines).rstrip("\n") + "\n"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def _cargo_env(crate: Crate, target: Path, plugin: Path, runtime: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER", "CARGO_BUILD_RUSTFLAGS"):
        env.pop(var, None)
    # source paths (panic locations, file!()) must not make bytes depend on
    # where the checkout lives
    remap = tools.ROOT if crate.dir.is_relative_to(tools.ROOT) else crate.dir.parent
    rustflags = [
        f"-Clinker={SHIM}", "-Cpanic=abort",
        f"--remap-path-prefix={remap}=.",
        # cargo relinks when its flags change: tie the link to the toolchain's own hash
        f"-Clink-arg=--sbf-toolchain={tools.toolchain_hash()}",
    ]
    env.update({
        "RUSTC": tools.RUSTC,
        "CARGO_TARGET_DIR": str(target / "sbf" / "cargo"),
        "CARGO_NET_OFFLINE": "true",
        "CARGO_TERM_COLOR": "never",
        "CARGO_INCREMENTAL": "0",
        "RUSTFLAGS": " ".join(rustflags),
        "CARGO_PROFILE_RELEASE_OPT_LEVEL": "3",
        "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "1",
        "CARGO_PROFILE_RELEASE_DEBUG": "false",
        "CARGO_PROFILE_RELEASE_PANIC": "abort",
        "CARGO_PROFILE_RELEASE_LTO": "off",
        "GRIDPAY_SBF_PYTHON": sys.executable,
        "GRIDPAY_SBF_PLUGIN": str(plugin),
        "GRIDPAY_SBF_RUNTIME": str(runtime),
        "GRIDPAY_SBF_CACHE": str(tools.cache_dir()),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tools.ROOT), env.get("PYTHONPATH")])),
    })
    return env


def _cargo_build(crate: Crate, target: Path) -> Path:
    env = _cargo_env(crate, target, tools.build_plugin(), tools.runtime_bitcode())
    release = Path(env["CARGO_TARGET_DIR"]) / tools.TARGET / "release"
    error_file = release / "deps" / f"lib{crate.lib_name}.so.sbf-error"
    error_file.unlink(missing_ok=True)
    cmd = [tools.CARGO, "build", "--release", "--lib", "--target", tools.TARGET,
           "--manifest-path", str(crate.dir / "Cargo.toml")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        if error_file.exists():
            raise BuildError(f"program {crate.lib_name}: {error_file.read_text()}")
        tail = "\n".join(proc.stderr.strip().splitlines()[-40:])
        raise BuildError(f"program {crate.lib_name}: cargo build failed\n{tail}")
    so = release / f"lib{crate.lib_name}.so"
    if not so.exists():
        raise BuildError(f"program {crate.lib_name}: cargo produced no {so.name}")
    return so


def build_program(crate_dir: Path | str, *, target: Path | None = None,
                  anchor_toml: Path | None | bool = True) -> Path:
    """Build one program crate; returns ``<target>/deploy/<name>.so``.

    ``target`` defaults to the project's target/; ``anchor_toml`` is the file
    that receives the program id (True: the project's Anchor.toml when building
    into the project's target/, else none)."""
    return build_crate(crate_dir, target=target, anchor_toml=anchor_toml).so_path


def build_crate(crate_dir: Path | str, *, target: Path | None = None,
                anchor_toml: Path | None | bool = True) -> ProgramBuild:
    """:func:`build_program`, returning what was done (built or up to date, timing)."""
    return _build(Crate.read(Path(crate_dir)), target, anchor_toml)


def _build(crate: Crate, target: Path | None, anchor_toml: Path | None | bool) -> ProgramBuild:
    if not crate.is_program:
        raise BuildError(f"{crate.dir}: not a program crate (needs crate-type = "
                         '["cdylib", "lib"] in [lib])')
    default_target = target is None
    target = (target or tools.target_dir()).resolve()
    if anchor_toml is True:
        anchor_toml = ANCHOR_TOML if default_target else None
    deploy = target / "deploy"
    deploy.mkdir(parents=True, exist_ok=True)
    so_path = deploy / f"{crate.lib_name}.so"
    stamp = target / "sbf" / "stamps" / f"{crate.lib_name}.json"
    started = time.monotonic()
    built = False
    with tools.locked(target / "sbf" / "build.lock"):
        program_id = _keypair(deploy / f"{crate.lib_name}-keypair.json", crate.lib_name)
        current = fingerprint(crate)
        previous = json.loads(stamp.read_text()) if stamp.exists() else {}
        if previous.get("fingerprint") != current or not so_path.exists() or \
                previous.get("sha256") != tools.digest(so_path.read_bytes()):
            so = _cargo_build(crate, target)
            tmp = so_path.with_suffix(".tmp")
            shutil.copyfile(so, tmp)
            tmp.replace(so_path)
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(json.dumps({"fingerprint": current,
                                         "sha256": tools.digest(so_path.read_bytes())}))
            built = True
    if anchor_toml:
        update_anchor_toml(Path(anchor_toml), crate.lib_name, program_id)
    return ProgramBuild(crate.lib_name, crate.dir, so_path, program_id, built,
                        time.monotonic() - started, so_path.stat().st_size)


def program_crates(programs_dir: Path = PROGRAMS_DIR) -> list[Crate]:
    crates = []
    for manifest in sorted(programs_dir.glob("*/Cargo.toml")):
        crate = Crate.read(manifest.parent)
        if crate.is_program:
            crates.append(crate)
    return crates


def build_programs(*, target: Path | None = None) -> BuildResult:
    """Build every program crate under programs/ (the SDK crate is a library)."""
    result = BuildResult()
    for crate in program_crates():
        result.programs.append(_build(crate, target, True))
    return result
