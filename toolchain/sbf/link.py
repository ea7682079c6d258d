"""The linker rustc calls for bpfel-unknown-none (through the ``sbf-ld`` shim).

rustc hands over LLVM bitcode objects and rlibs in a temporary folder that is
deleted when this returns, so the whole back end runs inside the call:

    llvm-link (crate + deps + runtime, then core/alloc/compiler_builtins as needed)
    -> opt (internalize all but `entrypoint`, globaldce, -O3, the sbf-lower plugin)
    -> llc (SBPF v0 flavour of eBPF v2) -> convert (SBPF v0 shared object)

Intermediates stay next to the output (``<out>.sbf/``) for inspection with
llvm-dis-22 / llvm-objdump-22. On failure the message also goes to
``<out>.sbf-error`` so the build driver can show it without rustc's wrapping.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from toolchain.errors import BuildError
from toolchain.sbf import tools
from toolchain.sbf.convert import convert_file, demangle

BITCODE_MAGIC = b"BC\xc0\xde"
#: rustc's bpf linker flavour passes these with a separate value.
_WITH_VALUE = {"-o", "-L", "--export-symbols", "--cpu", "--cpu-features", "--target"}
_SYSROOT_CRATES = re.compile(r"lib(core|alloc|compiler_builtins)-[0-9a-f]+\.rlib$")


def ar_members(data: bytes) -> list[tuple[str, bytes]]:
    """Members of a System V / GNU ``ar`` archive (the rlib container)."""
    if not data.startswith(b"!<arch>\n"):
        raise BuildError("not an ar archive")
    pos, longnames, members = 8, b"", []
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode().strip()
        size = int(header[48:58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name == "//":
            longnames = body
            continue
        if name in ("/", "/SYM64/"):
            continue
        if name.startswith("/") and name[1:].isdigit():
            start = int(name[1:])
            name = longnames[start:longnames.index(b"/\n", start)].decode()
        members.append((name.rstrip("/"), body))
    return members


def parse_args(argv: list[str]) -> tuple[Path, list[Path], list[Path]]:
    out, objects, rlibs = None, [], []
    it = iter(argv)
    for arg in it:
        if arg in _WITH_VALUE:
            value = next(it, None)
            if arg == "-o" and value is not None:
                out = Path(value)
        elif arg.endswith(".rlib"):
            rlibs.append(Path(arg))
        elif arg.endswith(".o"):
            objects.append(Path(arg))
    if out is None:
        raise BuildError("sbf-ld: no -o output given")
    return out, objects, rlibs


def _merged_sysroot(rlib: Path, work: Path) -> Path:
    """One bitcode file per sysroot rlib, cached (compiler_builtins has ~400 members)."""
    cached = tools.cache_dir() / f"{rlib.stem}-{tools.digest(str(rlib), str(rlib.stat().st_mtime_ns))}.bc"
    if cached.exists():
        return cached
    with tools.locked(cached.with_suffix(".lock")):
        if cached.exists():
            return cached
        parts = _extract(rlib, work / rlib.stem)
        tmp = cached.with_suffix(".tmp")
        tools.run([tools.LLVM_LINK, *map(str, parts), "-o", str(tmp)], f"merging {rlib.name}")
        tmp.replace(cached)
    return cached


def _extract(rlib: Path, into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    out = []
    for k, (_name, body) in enumerate(ar_members(rlib.read_bytes())):
        if body.startswith(BITCODE_MAGIC):
            path = into / f"{k:04d}.bc"
            path.write_bytes(body)
            out.append(path)
    return out


def link(out: Path, objects: list[Path], rlibs: list[Path]) -> None:
    work = out.parent / (out.name + ".sbf")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    # crate code: bitcode objects (rustc's symbols.o is a real, empty BPF ELF: skip)
    full = [o for o in objects if o.read_bytes()[:4] == BITCODE_MAGIC]
    libraries = []
    for rlib in rlibs:
        if _SYSROOT_CRATES.search(rlib.name):
            libraries.append(_merged_sysroot(rlib, work))
        else:
            full += _extract(rlib, work / rlib.stem)
    full.append(tools.runtime_bitcode())

    linked = work / "linked.bc"
    tools.run([tools.LLVM_LINK, *map(str, full), "-o", str(work / "crate.bc")], "llvm-link")
    tools.run([tools.LLVM_LINK, str(work / "crate.bc"), "--only-needed", *map(str, libraries),
               "-o", str(linked)], "llvm-link (core, compiler_builtins)")

    optimized = work / "opt.bc"
    plugin = os.environ.get("GRIDPAY_SBF_PLUGIN") or str(tools.build_plugin())
    passes = f"internalize,globaldce,default<O3>,{tools.PLUGIN_PASS},globaldce"
    tools.run([tools.OPT, "--strip-debug", f"--load-pass-plugin={plugin}",
               f"-passes={passes}", "--internalize-public-api-list=entrypoint",
               str(linked), "-o", str(optimized)], "opt")

    obj = work / "program.o"
    try:
        tools.run([tools.LLC, *tools.LLC_FLAGS, str(optimized), "-o", str(obj)], "llc")
    except BuildError as exc:
        raise BuildError(_explain_llc(str(exc))) from None
    convert_file(obj, out)


_LLC_HINTS = {
    "stack limit": "a function needs more than 4 KB of stack: move large arrays off the stack "
                   "(account data, heap) or split the function",
    "built-in function": "an operation the pass plugin does not lower yet",
    "only small returns": "a function returns more than 64 bits and its address is taken",
    "stack arguments": "a function with more than five arguments has its address taken",
    "signed division": "signed division the pass plugin did not lower",
}


def _explain_llc(message: str) -> str:
    """llc names functions mangled; show them demangled with a hint."""
    names = re.findall(r"_R[0-9A-Za-z_$.]+|_ZN[0-9A-Za-z_$.]+", message)
    for name, readable in zip(names, demangle(names)):
        message = message.replace(name, readable)
    for key, hint in _LLC_HINTS.items():
        if key in message:
            return f"{message}\nhint: {hint}"
    return message


def main(argv: list[str]) -> int:
    out = None
    try:
        out, objects, rlibs = parse_args(argv)
        link(out, objects, rlibs)
        err = out.with_name(out.name + ".sbf-error")
        err.unlink(missing_ok=True)
        return 0
    except BuildError as exc:
        print(f"sbf-ld: {exc}", file=sys.stderr)
        if out is not None:
            out.with_name(out.name + ".sbf-error").write_text(str(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
