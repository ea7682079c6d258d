"""anvil processes, one per EVM chain id, and the LocalEvm that runs and deploys them.

Each anvil runs in its own process group (the npm wrapper, when it is the only
binary found, spawns the real one as a child), so stopping the group leaves no
orphan. Without ``detach`` the kernel also kills anvil if this Python process
dies (PR_SET_PDEATHSIG). A port clash or an anvil that exits during start-up
raises :class:`AnvilError` with anvil's own message.

    async with LocalEvm.start() as evm:            # base, megaeth, bsc
        usdc = evm.deployments["base"].token.address
        chain = evm.chains["base"]                    # pyclients EvmChain
"""

from __future__ import annotations

import asyncio
import json
import platform
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from gridpay.settings import get_settings
from localnet import read_endpoints, update_endpoints
from localnet.deploy_evm import NETWORKS, ChainDeployment, deploy_network, dev_accounts
from localnet.processes import alive, cmdline, free_port, port_in_use, read_pid, spawn, stop_group, tail
from pyclients.evm.chain import EvmChain

DEFAULT_NETWORKS = ("base", "megaeth", "bsc")
#: ether per development account
DEV_BALANCE_ETH = 10_000


class AnvilError(RuntimeError):
    """anvil could not be found, started or stopped; the message says why."""


def anvil_binary() -> Path:
    """The native anvil from the npm platform package, else the npm wrapper."""
    node_modules = get_settings().node_modules
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    native = (
        node_modules / "@foundry-rs" / f"anvil-{platform.system().lower()}-{arch}" / "bin" / "anvil"
    )
    for candidate in (native, node_modules / ".bin" / "anvil"):
        if candidate.exists():
            return candidate
    raise AnvilError(f"anvil not found under {node_modules}: run `make bootstrap` (npm ci)")


def _is_anvil(pid: int) -> bool:
    return alive(pid) and b"anvil" in cmdline(pid)


def stop_pid(pid: int, *, timeout: float = 5.0) -> bool:
    """Stop the anvil process group led by ``pid`` (SIGTERM, then SIGKILL).
    False when no anvil runs under that pid (already gone, or pid reused)."""
    return _is_anvil(pid) and stop_group(pid, timeout=timeout)


@dataclass
class AnvilProcess:
    """One running anvil."""

    name: str
    chain_id: int
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 8) -> str:
        return tail(self.log_path, lines)

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            stop_pid(self.pid, timeout=timeout)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass


def _rpc_chain_id(url: str) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=0.5) as response:
            return int(json.loads(response.read())["result"], 16)
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


#: The interval block of mixed mining (see ``start_anvil``).
MIXED_MINING_BLOCK_SECONDS = 1


async def start_anvil(
    name: str,
    chain_id: int,
    *,
    port: int | None = None,
    log_dir: Path,
    detach: bool = False,
    ready_timeout: float = 20.0,
) -> AnvilProcess:
    """Start anvil for ``chain_id`` on ``port`` (a free one when None) and wait until
    it answers JSON-RPC with that chain id."""
    if port is not None and port_in_use(port):
        raise AnvilError(f"{name}: port {port} on 127.0.0.1 is already in use")
    chosen = port if port is not None else free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"anvil-{name}.log"
    args = [
        str(anvil_binary()),
        "--host",
        "127.0.0.1",
        "--port",
        str(chosen),
        "--chain-id",
        str(chain_id),
        "--accounts",
        str(len(dev_accounts())),
        "--balance",
        str(DEV_BALANCE_ETH),
        # Automine plus a block every second: anvil's automine can miss a ready
        # transaction when several arrive at once (foundry issue 10122), which
        # stalls every later nonce of that sender; the interval block mines it.
        "--mixed-mining",
        "--block-time",
        str(MIXED_MINING_BLOCK_SECONDS),
    ]
    with open(log_path, "wb") as log:
        process = spawn(args, stdout=log, stderr=subprocess.STDOUT, detach=detach)
    anvil = AnvilProcess(name, chain_id, chosen, process, log_path)
    deadline = time.monotonic() + ready_timeout
    try:
        while True:
            code = process.poll()
            if code is not None:
                tail = anvil.log_tail()
                if port is None and "Address already in use" in tail:
                    # Lost the race for the free port to another process: pick again.
                    return await start_anvil(
                        name, chain_id, log_dir=log_dir, detach=detach, ready_timeout=ready_timeout
                    )
                raise AnvilError(
                    f"{name}: anvil (chain {chain_id}, port {chosen}) exited "
                    f"with code {code}:\n{tail}"
                )
            reported = await asyncio.to_thread(_rpc_chain_id, anvil.rpc_url)
            if reported is not None:
                if reported != chain_id:
                    raise AnvilError(
                        f"{name}: port {chosen} answers as chain {reported}, "
                        f"not {chain_id} (another node on that port?)"
                    )
                return anvil
            if time.monotonic() > deadline:
                raise AnvilError(
                    f"{name}: anvil not ready on port {chosen} after "
                    f"{ready_timeout}s:\n{anvil.log_tail()}"
                )
            await asyncio.sleep(0.05)
    except BaseException:
        anvil.stop()
        raise


def pid_file(name: str, state_dir: Path | None = None) -> Path:
    return (state_dir or get_settings().state_dir) / f"anvil-{name}.pid"


def running_pids(state_dir: Path | None = None) -> dict[str, int]:
    """Chains with a pid file whose anvil is still alive."""
    state_dir = state_dir or get_settings().state_dir
    out = {}
    for path in sorted(state_dir.glob("anvil-*.pid")):
        pid = read_pid(path)
        if pid is not None and _is_anvil(pid):
            out[path.stem.removeprefix("anvil-")] = pid
    return out


def stop_detached(state_dir: Path | None = None) -> dict[str, bool]:
    """`gridpay evm down`: stop every anvil with a pid file, remove the pid files
    and the "evm" section of the endpoints file. {chain name: was running}."""
    settings = get_settings()
    state_dir = state_dir or settings.state_dir
    stopped = {}
    for path in sorted(state_dir.glob("anvil-*.pid")):
        pid = read_pid(path)
        stopped[path.stem.removeprefix("anvil-")] = pid is not None and pid > 0 and stop_pid(pid)
        path.unlink(missing_ok=True)
    endpoints = state_dir / settings.endpoints_file.name
    if endpoints.exists() and "evm" in read_endpoints(endpoints):
        update_endpoints("evm", None, endpoints)
    return stopped


@dataclass
class LocalEvm:
    """Running anvil chains with gridpay's contracts deployed on each."""

    processes: dict[str, AnvilProcess]
    chains: dict[str, EvmChain]
    deployments: dict[str, ChainDeployment] = field(default_factory=dict)
    state_dir: Path | None = None

    @classmethod
    async def launch(
        cls,
        networks: Iterable[str] = DEFAULT_NETWORKS,
        *,
        ports: Mapping[str, int] | None = None,
        state_dir: Path | None = None,
        detach: bool = False,
        write_endpoints: bool = False,
    ) -> LocalEvm:
        """Start and deploy; the caller must ``await stop()`` unless ``detach``.
        ``write_endpoints`` writes the "evm" section of the endpoints file and pid
        files (what `gridpay evm up` does)."""
        names = list(networks)
        unknown = [n for n in names if n not in NETWORKS]
        if unknown:
            raise AnvilError(f"unknown network(s) {unknown}; known: {sorted(NETWORKS)}")
        ports = dict(ports or {})
        state_dir = state_dir or get_settings().state_dir
        results = await asyncio.gather(
            *(
                start_anvil(
                    n,
                    NETWORKS[n].chain_id,
                    port=ports.get(n),
                    log_dir=state_dir / "logs",
                    detach=detach,
                )
                for n in names
            ),
            return_exceptions=True,
        )
        started = {p.name: p for p in results if isinstance(p, AnvilProcess)}
        failures = [r for r in results if isinstance(r, BaseException)]
        evm = cls(
            processes=started,
            chains={n: EvmChain.connect(p.rpc_url) for n, p in started.items()},
            state_dir=state_dir,
        )
        if failures:
            await evm.stop()
            raise failures[0]
        try:
            deployed = await asyncio.gather(
                *(
                    deploy_network(evm.chains[n], NETWORKS[n], place_at_mainnet_address=True)
                    for n in names
                )
            )
            for n, d in zip(names, deployed, strict=False):
                p = started[n]
                evm.deployments[n] = replace(d, rpc_url=p.rpc_url, pid=p.pid)
            if write_endpoints:
                evm.write_state()
        except BaseException:
            await evm.stop()
            raise
        return evm

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        networks: Iterable[str] = DEFAULT_NETWORKS,
        *,
        ports: Mapping[str, int] | None = None,
        state_dir: Path | None = None,
        write_endpoints: bool = False,
    ) -> AsyncIterator[LocalEvm]:
        """Run chains for the duration of the ``async with`` block."""
        evm = await cls.launch(
            networks, ports=ports, state_dir=state_dir, write_endpoints=write_endpoints
        )
        try:
            yield evm
        finally:
            await evm.stop()

    def endpoints_path(self) -> Path:
        return (self.state_dir or get_settings().state_dir) / get_settings().endpoints_file.name

    def write_state(self) -> Path:
        """Pid files plus the "evm" section of the endpoints file."""
        for name, process in self.processes.items():
            pid_file(name, self.state_dir).write_text(f"{process.pid}\n")
        return update_endpoints(
            "evm", {n: d.to_json() for n, d in self.deployments.items()}, self.endpoints_path()
        )

    def dead(self) -> list[AnvilProcess]:
        """Chains whose anvil has exited."""
        return [p for p in self.processes.values() if p.process.poll() is not None]

    async def stop(self) -> None:
        """Stop every anvil, close RPC sessions, drop pid files and endpoints written."""
        for chain in self.chains.values():
            await chain.close()
        for process in self.processes.values():
            await asyncio.to_thread(process.stop)
        wrote = False
        for name in self.processes:
            path = pid_file(name, self.state_dir)
            if path.exists():
                wrote = True
                path.unlink()
        if wrote and "evm" in read_endpoints(self.endpoints_path()):
            update_endpoints("evm", None, self.endpoints_path())
