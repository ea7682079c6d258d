"""Child processes of the local chains: each in its own process group, killed
with its parent unless detached, stopped group-wide, found again through pid
files.

Standard library only: `gridpay down` and the stack supervisor import this
before (or without) web3 and solana-py, which take seconds to import.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec: SIGTERM this child when the thread that started it dies."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    args: Sequence[str],
    *,
    stdout: int | IO[Any],
    stderr: int | IO[Any],
    detach: bool = False,
    **popen: Any,
) -> subprocess.Popen:
    """Start ``args`` as the leader of a new process group (so stopping the
    group leaves no grandchild behind); unless ``detach``, the kernel
    SIGTERMs it when this process dies."""
    return subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=None if detach else die_with_parent,
        **popen,
    )


def alive(pid: int) -> bool:
    """Running and not a zombie (exited but not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def stop_group(pid: int, *, timeout: float = 10.0) -> bool:
    """SIGTERM the process group ``pid`` leads, then SIGKILL it; whether it is gone."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive(pid):
                return True
            time.sleep(0.05)
    return not alive(pid)


def read_pid(path: Path) -> int | None:
    """The pid a pid file names; None when it is missing or unreadable."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def running(path: Path, *markers: bytes) -> int | None:
    """The pid in ``path`` if that process runs and its command line has one of
    ``markers`` (a pid file outliving its process may name a reused pid)."""
    pid = read_pid(path)
    if pid is None:
        return None
    return pid if alive(pid) and any(m in cmdline(pid) for m in markers) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def tail(path: Path, lines: int = 12) -> str:
    """The last ``lines`` of a log file ("" when it cannot be read)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
