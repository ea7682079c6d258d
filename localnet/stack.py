"""The whole local stack: the Solana validator and the three anvil chains with
everything deployed and funded, for `gridpay up` / `gridpay down`, the harness
and tests.

    async with LocalStack.start(state_dir=tmp) as stack:
        stack.solana.rpc_url, stack.solana.escrow.vault
        stack.evm.deployments["base"].token.address

Process model: every chain runs in its own process group started by one
supervisor, the `gridpay up` process (with ``--detach``, a background copy of
it). The embedded Solana validator is ``python -m localnet.solana_rpc``; the
EVM chains are anvils (:mod:`localnet.anvil`). Children get SIGTERM when the
supervisor dies (PR_SET_PDEATHSIG); the supervisor stops everything when one
child exits; `gridpay down` stops the supervisor, then anything a pid file
still names. So a crash anywhere leaves no orphan.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridpay import ROOT
from gridpay.settings import get_settings
from localnet import read_endpoints, update_endpoints
from localnet.processes import alive, port_in_use, running, spawn, stop_group, tail

# web3, eth-account and solana-py take seconds to import on a busy machine: they
# are imported where needed, so the validator boots while the supervisor imports
# them, and `gridpay down` never does.
if TYPE_CHECKING:
    from localnet.anvil import LocalEvm
    from localnet.deploy_solana import SolanaDeployment

DEFAULT_NETWORKS = ("base", "megaeth", "bsc")
SUPERVISOR_PID = "stack.pid"
SOLANA_PID = "solana.pid"
#: Why a supervisor stopped the stack on its own (a child crashed); `down` reports it.
FAILURE_NOTE = "stack.failed"


class StackError(RuntimeError):
    """The stack could not start or keeps running; the message says why."""


# --- progress ----------------------------------------------------------------


@dataclass
class Step:
    """One line of start-up progress."""

    key: str
    label: str
    status: str = "running"  # running | done | failed
    detail: str = ""
    seconds: float = 0.0


Reporter = Callable[[Step], None]


class _Steps:
    """Times steps and sends each change to the reporter."""

    def __init__(self, report: Reporter | None) -> None:
        self.report = report or (lambda _step: None)
        self.started: dict[str, float] = {}
        self.steps: dict[str, Step] = {}

    def update(
        self, key: str, label: str | None = None, *, status: str = "running", detail: str = ""
    ) -> None:
        now = time.monotonic()
        start = self.started.setdefault(key, now)
        step = self.steps.setdefault(key, Step(key, label or key))
        step.status, step.detail, step.seconds = status, detail, now - start
        if label:
            step.label = label
        self.report(step)


# --- processes (localnet.processes) ---------------------------------------------


def supervisor_pid(state_dir: Path | None = None) -> int | None:
    """The pid of the running `gridpay up` for ``state_dir``, if any."""
    # `gridpay up` in the foreground, or the background copy --detach starts
    return running(
        (state_dir or get_settings().state_dir) / SUPERVISOR_PID, b"gridpay", b"localnet.stack"
    )


# --- the Solana validator process -------------------------------------------


@dataclass
class ValidatorProcess:
    """The embedded validator, ``python -m localnet.solana_rpc`` in its own process group."""

    process: subprocess.Popen
    port: int
    log_path: Path
    rpc_url: str = ""
    ws_url: str = ""

    @classmethod
    def spawn(cls, port: int, *, log_dir: Path, snapshot: Path | None = None) -> ValidatorProcess:
        """Start it on ``port`` (0: a free one; otherwise the WebSocket is also on
        port + 1); :meth:`ready` waits for it. Call from the event loop's thread:
        PDEATHSIG follows the thread that forks."""
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / "solana.log"
        args = [sys.executable, "-m", "localnet.solana_rpc", "--port", str(port)]
        if snapshot is not None:
            args += ["--snapshot", str(snapshot)]
        with open(log_path, "wb") as log:
            process = spawn(args, stdout=subprocess.PIPE, stderr=log, cwd=ROOT)
        return cls(process, port, log_path)

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait for the banner the validator prints once it serves."""
        try:
            banner = await asyncio.wait_for(asyncio.to_thread(self._read_banner), timeout)
        except asyncio.TimeoutError:
            self.stop()
            raise StackError(
                f"solana: validator not ready after {timeout}s:\n{self.log_tail()}"
            ) from None
        except BaseException:
            self.stop()
            raise
        if banner is None:
            code = self.process.wait()
            raise StackError(
                f"solana: validator (port {self.port}) exited with code {code}:\n{self.log_tail()}"
            )
        self.rpc_url, self.ws_url = banner["rpcUrl"], banner["wsUrl"]

    def _read_banner(self) -> dict[str, Any] | None:
        """The JSON block on stdout; None if the validator exits first. The pipe is
        closed afterwards: nothing else is printed there."""
        stdout = self.process.stdout
        assert stdout is not None
        lines = []
        for raw in stdout:
            lines.append(raw.decode(errors="replace"))
            if raw.rstrip() == b"}":
                stdout.close()
                return json.loads("".join(lines))
        return None

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 12) -> str:
        return tail(self.log_path, lines)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (it saves its snapshot, if any, and exits), then SIGKILL."""
        if self.process.poll() is None:
            stop_group(self.pid, timeout=timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)


# --- the stack ---------------------------------------------------------------


@dataclass
class LocalStack:
    """Running chains with everything deployed (use :meth:`start` or :meth:`launch`)."""

    solana: SolanaDeployment
    evm: LocalEvm
    state_dir: Path
    #: The embedded validator; None when deploying to a user's ``solana_url``.
    validator: ValidatorProcess | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    _wrote_state: bool = False

    @classmethod
    async def launch(
        cls,
        *,
        solana_url: str | None = None,
        solana_port: int | None = None,
        evm_ports: Mapping[str, int] | None = None,
        networks: Iterable[str] = DEFAULT_NETWORKS,
        state_dir: Path | None = None,
        snapshot: Path | None = None,
        write_state: bool = False,
        progress: Reporter | None = None,
    ) -> LocalStack:
        """Start and deploy everything; the caller must ``await stop()``.

        ``solana_url``: deploy to that validator instead of starting the embedded
        one on ``solana_port`` (default settings.solana_rpc_port; 0 picks a free
        port). ``write_state`` writes pid files and the endpoints file (what
        `gridpay up` does)."""
        settings = get_settings()
        state_dir = state_dir or settings.state_dir
        names = list(networks)
        unknown = [n for n in names if n not in DEFAULT_NETWORKS]
        if unknown:
            raise StackError(f"unknown network(s) {unknown}; known: {sorted(DEFAULT_NETWORKS)}")
        _check_build(settings.target_dir)
        evm_ports = dict(evm_ports or {})
        if solana_url is None:
            solana_port = settings.solana_rpc_port if solana_port is None else solana_port
        _check_ports(solana_port if solana_url is None else None, evm_ports)
        steps = _Steps(progress)
        validator = None
        if solana_url is None:
            steps.update(
                "solana",
                "Solana validator",
                detail=f"starting on 127.0.0.1:{solana_port or 'a free port'}",
            )
            validator = ValidatorProcess.spawn(
                solana_port or 0, log_dir=state_dir / "logs", snapshot=snapshot
            )
        results = await asyncio.gather(
            _solana(steps, solana_url, validator),
            _evm(steps, names, evm_ports, state_dir),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            if not isinstance(results[1], BaseException):
                await results[1].stop()
            if validator is not None:
                await asyncio.to_thread(validator.stop)
            raise _stack_error(failures[0])
        deployment, evm = results
        if validator is not None:
            deployment.pid = validator.pid
        stack = cls(deployment, evm, state_dir, validator, steps.steps)
        if write_state:
            stack.write_state()
        return stack

    @classmethod
    @asynccontextmanager
    async def start(cls, **options: Any) -> AsyncIterator[LocalStack]:
        """Run the stack for the duration of the ``async with`` block (options as
        :meth:`launch`; ``solana_port`` defaults to a free port here)."""
        options.setdefault("solana_port", 0)
        stack = await cls.launch(**options)
        try:
            yield stack
        finally:
            await stack.stop()

    # --- state -------------------------------------------------------------
    @property
    def endpoints_path(self) -> Path:
        return self.state_dir / get_settings().endpoints_file.name

    def to_json(self) -> dict[str, Any]:
        """What the endpoints file holds: a "solana" and an "evm" section."""
        return {
            "solana": self.solana.to_json(),
            "evm": {n: d.to_json() for n, d in self.evm.deployments.items()},
        }

    def write_state(self) -> Path:
        """Pid files (supervisor, validator, anvils) and the endpoints file."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / SUPERVISOR_PID).write_text(f"{os.getpid()}\n")
        if self.validator is not None:
            (self.state_dir / SOLANA_PID).write_text(f"{self.validator.pid}\n")
        self.evm.write_state()
        self._wrote_state = True
        return update_endpoints("solana", self.solana.to_json(), self.endpoints_path)

    def dead(self) -> list[str]:
        """A sentence for each child that has exited."""
        out = []
        if self.validator is not None and self.validator.process.poll() is not None:
            out.append(
                f"solana: validator exited with code {self.validator.process.returncode}"
                + (f":\n{last}" if (last := self.validator.log_tail()) else "")
            )
        for p in self.evm.dead():
            out.append(
                f"{p.name}: anvil exited with code {p.process.returncode}"
                + (f":\n{last}" if (last := p.log_tail()) else "")
            )
        return out

    async def stop(self) -> None:
        """Stop every child; remove the pid files and endpoints this stack wrote."""
        await self.evm.stop()
        if self.validator is not None:
            await asyncio.to_thread(self.validator.stop)
        if self._wrote_state:
            for name in (SOLANA_PID, SUPERVISOR_PID):
                (self.state_dir / name).unlink(missing_ok=True)
            if "solana" in read_endpoints(self.endpoints_path):
                update_endpoints("solana", None, self.endpoints_path)
            self._wrote_state = False


def _check_build(target_dir: Path) -> None:
    """Before anything starts: the programs must be built (deploy_solana checks
    the rest, such as ids agreeing, once it is imported)."""
    so_files = [target_dir / "deploy" / f"{name}.so" for name in ("job_escrow", "staking")]
    missing = [str(path) for path in so_files if not path.is_file()]
    if missing:
        raise StackError(
            f"job_escrow and staking are not built ({', '.join(missing)} missing): "
            "run `gridpay build`"
        )


def _check_ports(solana_port: int | None, evm_ports: Mapping[str, int]) -> None:
    """Every fixed port must be free before anything starts."""
    wanted: list[tuple[str, int]] = []
    if solana_port:
        wanted += [("solana RPC", solana_port), ("solana WebSocket", solana_port + 1)]
    wanted += [(name, port) for name, port in evm_ports.items()]
    seen: dict[int, str] = {}
    for what, port in wanted:
        if port in seen:
            raise StackError(f"port {port} is given to both {seen[port]} and {what}")
        seen[port] = what
        if port_in_use(port):
            raise StackError(f"{what}: port {port} on 127.0.0.1 is already in use")


def _stack_error(exc: BaseException) -> BaseException:
    """Errors the user can act on become a StackError carrying their message."""
    from localnet.anvil import AnvilError
    from localnet.deploy_solana import DeployError

    if isinstance(exc, (AnvilError, DeployError)):
        return StackError(str(exc))
    return exc


async def _solana(
    steps: _Steps, url: str | None, validator: ValidatorProcess | None
) -> SolanaDeployment:
    from localnet.deploy_solana import deploy_solana

    if validator is not None:
        try:
            await validator.ready()
        except BaseException as exc:
            steps.update("solana", status="failed", detail=str(exc).splitlines()[0])
            raise
        url = validator.rpc_url
        steps.update("solana", status="done", detail=f"{url} (pid {validator.pid})")
    assert url is not None
    steps.update("programs", "job_escrow + staking", detail=f"deploying to {url}")
    try:
        deployment = await deploy_solana(
            url,
            ws_url=validator.ws_url if validator else None,
            progress=lambda text: steps.update("programs", detail=text),
        )
    except BaseException as exc:
        steps.update("programs", status="failed", detail=str(exc).splitlines()[0])
        raise
    a = deployment.actions
    steps.update(
        "programs",
        status="done",
        detail=f"job_escrow {a['job_escrow']}, staking {a['staking']}; "
        f"configs {a['escrow config']} / {a['staking config']}",
    )
    return deployment


async def _evm(
    steps: _Steps, names: list[str], ports: Mapping[str, int], state_dir: Path
) -> LocalEvm:
    steps.update("evm", "EVM chains (anvil)", detail=f"starting {', '.join(names)}")
    try:
        from localnet.anvil import LocalEvm  # while the validator boots

        evm = await LocalEvm.launch(names, ports=ports, state_dir=state_dir)
    except BaseException as exc:
        steps.update("evm", status="failed", detail=str(exc).splitlines()[0])
        raise
    steps.update(
        "evm",
        status="done",
        detail=", ".join(f"{n} {d.network}" for n, d in evm.deployments.items()),
    )
    return evm


# --- terminal output ----------------------------------------------------------


def _echo(text: str) -> None:
    print(text, flush=True)


def _error(text: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(text, style="red", markup=False, soft_wrap=True)


class _Progress:
    """Start-up steps (rich): a live table on a terminal, a line per finished step otherwise."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False)
        self.steps: dict[str, Step] = {}
        self.live: Any = None
        if self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self._render(), console=self.console, refresh_per_second=12.5)
            self.live.start()

    def update(self, step: Step) -> None:
        self.steps[step.key] = Step(**step.__dict__)
        if self.live is not None:
            self.live.update(self._render())
        elif step.status != "running":
            mark = "ok" if step.status == "done" else "FAILED"
            self.console.print(
                f"{mark:>6}  {step.label}: {step.detail} ({step.seconds:.1f}s)",
                markup=False,
                soft_wrap=True,
            )

    def _render(self) -> Any:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        for step in self.steps.values():
            mark: Any = {"done": Text("✔", "green"), "failed": Text("✖", "red")}.get(step.status)
            table.add_row(
                mark or Spinner("dots"),
                Text(step.label, "bold"),
                Text(step.detail),
                Text(f"{step.seconds:.1f}s", "dim"),
            )
        return table

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def _amount(base_units: int, decimals: int) -> str:
    whole, frac = divmod(base_units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}".rstrip("0") if frac else "")


def render_banner(data: Mapping[str, Any]) -> str:
    """Every endpoint, chain id, program id, token address and funded key, from
    the endpoints JSON (so `up` and `up --detach` print the same)."""
    sol = data["solana"]
    usdc_dec, sgl_dec = sol["decimals"]["USDC"], sol["decimals"]["SGL"]
    escrow, staking = sol["escrow"], sol["staking"]
    pid = f"  (pid {sol['pid']})" if sol.get("pid") else ""
    lines = [
        "gridpay local stack",
        "",
        "Solana",
        "==================",
        f"RPC            {sol['rpc_url']}{pid}",
        f"WebSocket      {sol['ws_url']}",
        f"Network        {sol['network']}  (genesis {sol['genesis_hash']})",
        f"USDC mint      {sol['mints']['USDC']}  {usdc_dec} decimals",
        f"SGL mint       {sol['mints']['SGL']}  {sgl_dec} decimals",
        f"Mint authority {sol['mint_authority']['pubkey']}",
        "",
        f"job_escrow     {escrow['program_id']}",
        f"  config {escrow['config']}  vault {escrow['vault']}",
        f"  treasury {escrow['treasury']}  settlement authority {escrow['settlement_authority']}",
        f"  worker share {escrow['worker_bps'] / 100:g}%, job timeout {escrow['job_timeout']} s, "
        f"min purchase {escrow['min_purchase_credits']} credits",
        f"staking        {staking['program_id']}",
        f"  config {staking['config']}  vault {staking['vault']}",
        f"  penalty vault {staking['penalty_vault']}",
        f"  min compute stake {_amount(staking['min_stake'][0], sgl_dec)} SGL "
        f"({staking['min_stake'][0]} base units), cooldown {staking['cooldown_seconds'][0]} s, "
        f"slash cap {staking['slash_cap_bps'] / 100:g}%",
        "",
        "Funded keys (pubkey, secret key in base58)",
    ]
    for name, w in sol["wallets"].items():
        holds = [f"{_amount(w['lamports'], 9)} SOL"]
        holds += [
            f"{_amount(w[t.lower()], d)} {t}"
            for t, d in (("USDC", usdc_dec), ("SGL", sgl_dec))
            if w[t.lower()]
        ]
        lines += [f"({name}) {w['pubkey']}  {', '.join(holds)}", f"    {w['secretKey']}"]
    evm = data.get("evm") or {}
    if evm:
        first = next(iter(evm.values()))
        lines += ["", "EVM (anvil, one per chain id)", "==================", "Available Accounts"]
        lines += [
            f"({i}) {a['address']}  {a['private_key']}" for i, a in enumerate(first["accounts"])
        ]
        lines += ["(0) deploys, mints and relays; each account holds 1,000,000 of each token.", ""]
        for name, d in evm.items():
            token = d["token"]
            lines += [
                f"{name:<8} chain {d['chain_id']:<5} {d['rpc_url']}  (pid {d['pid']})",
                f"{'':<8} {token['symbol']} {token['address']}  {token['decimals']} decimals, "
                f"{token['transfer_method']}",
                f"{'':<8} PermitSettlement {d['permit_settlement']}",
            ]
    if "endpoints_file" in data:
        lines += ["", f"Endpoints: {data['endpoints_file']}"]
    return "\n".join(lines)


# --- `gridpay down` ------------------------------------------------------------


def stop_detached(state_dir: Path | None = None) -> list[str]:
    """Stop the stack of ``state_dir``: its supervisor first (which stops its
    children and cleans up), then anything a pid file still names. Returns one
    line per thing done, including why a supervisor had stopped on its own."""
    state_dir = state_dir or get_settings().state_dir
    lines: list[str] = []
    note = state_dir / FAILURE_NOTE
    if note.exists():
        lines.append(f"the stack had stopped on its own: {note.read_text().strip()}")
        note.unlink()
    pid = supervisor_pid(state_dir)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            lines.append(f"supervisor (pid {pid}) did not stop in 30 s: killed")
        else:
            lines.append(f"stopped the stack (supervisor pid {pid})")
    solana = running(state_dir / SOLANA_PID, b"localnet.solana_rpc")
    if solana is not None:
        stop_group(solana)
        lines.append(f"solana: stopped validator pid {solana}")
    from localnet.anvil import stop_detached as stop_anvils

    for name, was_running in stop_anvils(state_dir).items():
        if was_running:
            lines.append(f"{name}: stopped anvil")
    for name in (SOLANA_PID, SUPERVISOR_PID):
        (state_dir / name).unlink(missing_ok=True)
    endpoints = state_dir / get_settings().endpoints_file.name
    if "solana" in read_endpoints(endpoints):
        update_endpoints("solana", None, endpoints)
    return lines


# --- `gridpay up` --------------------------------------------------------------


@dataclass
class UpOptions:
    detach: bool = False
    solana_url: str | None = None
    solana_port: int | None = None
    evm_ports: dict[str, int] = field(default_factory=dict)
    networks: tuple[str, ...] = DEFAULT_NETWORKS
    snapshot: Path | None = None
    #: Set on the background copy that --detach starts: progress and the final
    #: endpoints go to this pipe as JSON lines instead of the terminal.
    ready_fd: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {**self.__dict__, "snapshot": str(self.snapshot.resolve()) if self.snapshot else None}
        )

    @classmethod
    def from_json(cls, text: str) -> UpOptions:
        data = json.loads(text)
        snapshot = data.pop("snapshot")
        return cls(
            **{
                **data,
                "networks": tuple(data["networks"]),
                "snapshot": Path(snapshot) if snapshot else None,
            }
        )


def already_running(state_dir: Path) -> str | None:
    pid = supervisor_pid(state_dir)
    if pid is not None:
        return f"the local stack is already running (pid {pid}); run `gridpay down` first"
    from localnet.anvil import running_pids

    anvils = running_pids(state_dir)
    if anvils:
        return f"EVM chains are already running (pids {anvils}); run `gridpay down` first"
    return None


def up(options: UpOptions) -> int:
    """`gridpay up`: the exit status."""
    state_dir = get_settings().state_dir
    if options.ready_fd is None:
        busy = already_running(state_dir)
        if busy:
            _error(busy)
            return 1
    (state_dir / FAILURE_NOTE).unlink(missing_ok=True)
    if options.detach:
        return _detach(options, state_dir)
    return _run(options, state_dir)


def _run(options: UpOptions, state_dir: Path) -> int:
    pipe = os.fdopen(options.ready_fd, "w", buffering=1) if options.ready_fd is not None else None

    def send(event: dict[str, Any]) -> None:
        if pipe is not None and not pipe.closed:
            with contextlib.suppress(OSError):
                pipe.write(json.dumps(event) + "\n")

    async def run() -> int:
        # SIGTERM/SIGHUP end the run like Ctrl-C: through the finally below.
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, task.cancel)
        live = _Progress() if pipe is None else None
        report: Reporter = live.update if live else (lambda step: send({"step": step.__dict__}))
        try:
            stack = await LocalStack.launch(
                solana_url=options.solana_url,
                solana_port=options.solana_port,
                evm_ports=options.evm_ports,
                networks=options.networks,
                state_dir=state_dir,
                snapshot=options.snapshot,
                write_state=True,
                progress=report,
            )
        except StackError as exc:
            if live:
                live.close()
            if pipe is None:
                _error(str(exc))
            send({"error": str(exc)})
            return 1
        finally:
            if live:
                live.close()
        try:
            data = {**stack.to_json(), "endpoints_file": str(stack.endpoints_path)}
            if pipe is None:
                _echo(render_banner(data))
                _echo("Press Ctrl-C to stop (or run `gridpay down`).")
            else:
                send({"ready": data})
                pipe.close()
            while not (dead := stack.dead()):
                await asyncio.sleep(0.25)
            message = "\n".join(dead)
            (state_dir / FAILURE_NOTE).write_text(message.splitlines()[0] + "\n")
            _error(f"{message}\nstopping the other chains")
            return 1
        finally:
            await stack.stop()
            _echo("Stopped.")

    try:
        return asyncio.run(run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130


def _detach(options: UpOptions, state_dir: Path) -> int:
    """Start a background supervisor, relay its progress, print its banner, return."""
    log_dir = state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "stack.log"
    read_fd, write_fd = os.pipe()
    with open(log_path, "wb") as log:
        child = spawn(
            # Not through the gridpay command: its imports would delay the validator.
            [
                sys.executable,
                "-m",
                "localnet.stack",
                "--supervise",
                options.to_json(),
                "--ready-fd",
                str(write_fd),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            detach=True,  # the background supervisor outlives `gridpay up --detach`
            cwd=ROOT,
            pass_fds=(write_fd,),
        )
    os.close(write_fd)
    live = _Progress()
    ready = error = None
    try:
        with os.fdopen(read_fd) as events:
            for line in events:
                event = json.loads(line)
                if "step" in event:
                    live.update(Step(**event["step"]))
                elif "error" in event:
                    error = event["error"]
                elif "ready" in event:
                    ready = event["ready"]
                    break
    except BaseException:
        live.close()
        stop_group(child.pid)  # Ctrl-C while starting: leave nothing behind
        raise
    live.close()
    if ready is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=30)
        if error is None:
            error = f"the stack supervisor exited with code {child.poll()}:\n{tail(log_path, 12)}"
        _error(error)
        return 1
    _echo(render_banner(ready))
    _echo(
        f"Running in the background (supervisor pid {child.pid}, log {log_path}); "
        "stop with `gridpay down`."
    )
    return 0


def down() -> int:
    """`gridpay down`: the exit status."""
    lines = stop_detached()
    for line in lines or ["no local stack was running"]:
        _echo(line)
    return 0


def _supervise(argv: list[str]) -> int:
    """``python -m localnet.stack --supervise OPTIONS --ready-fd FD``: the
    background supervisor `gridpay up --detach` starts."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m localnet.stack")
    parser.add_argument("--supervise", required=True, help="UpOptions as JSON")
    parser.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)
    options = UpOptions.from_json(args.supervise)
    options.detach, options.ready_fd = False, args.ready_fd
    return _run(options, get_settings().state_dir)


if __name__ == "__main__":
    sys.exit(_supervise(sys.argv[1:]))
