"""A throwaway PostgreSQL server for the store tests: initdb into a fresh
directory, postgres on a free loopback port, stopped and removed at the end.

initdb and postgres refuse to run as root (CI runs as root), so as root the
cluster belongs to the ``postgres`` system user that Debian's package creates
and both run through ``runuser``; as anyone else they run as that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("GRIDPAY_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a running server's ``postgres`` database (superuser
    ``gridpay``, trust auth on loopback only)."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: run `make bootstrap` "
                           "(it installs Debian's postgresql package)")
    base = Path(tempfile.mkdtemp(prefix="gridpay-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                    "-U", "gridpay", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    proc = subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts,
                                           "-l", str(base / "log"), "-w", "-t", "60", "start"]),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"postgres did not start: {proc.stderr}\n{log}")
    try:
        yield f"postgresql+psycopg://gridpay@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m",
                                        "immediate", "-w", "stop"]), capture_output=True)
        # postgres may need a moment to release the directory
        for _ in range(50):
            try:
                shutil.rmtree(base)
                break
            except OSError:
                time.sleep(0.1)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database on the server and return its URL."""
    import psycopg

    dsn = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
