"""The whole local grid in one process tree: Solana (LiteSVM behind JSON-RPC,
in this event loop), three anvil chains (child processes), the facilitator
with the gateway (uvicorn, in this event loop), and inference nodes (child
process groups: ``gridpay node serve``, each with its llama.cpp server).

``Stack.up()`` brings it up, initializes ``job_escrow`` and ``staking``,
and gives every party of the scenario its keys; ``Stack.down()`` stops it all.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from facilitator.gateway.billing import EscrowCredits
from facilitator.gateway.pricing import tier_for_params
from facilitator.gateway.service import Gateway
from facilitator.gateway.settings import AttestedModel, GatewaySettings
from facilitator.service import Facilitator, build_mechanisms, local_networks
from facilitator.settings import FacilitatorSettings, NetworkConfig
from harness.node.engine import free_port
from harness.node.models import Attestation, attest, smollm2_path, tiny_gguf
from localnet.deploy_solana import SETTLEMENT_AUTHORITY
from localnet.deploy_solana import TREASURY as TREASURY_WALLET
from localnet.solana_chain import DEPLOYER, SGL_MINT, USDC_MINT, wallet
from pyclients.solana import escrow as escrow_mod
from pyclients.solana import staking as staking_mod
from pyclients.solana.common.token import associated_token_address
from pyclients.solana.common.transport import RpcTransport
from pyclients.solana.escrow import EscrowClient
from pyclients.solana.staking import StakingClient

SOL = 1_000_000_000
#: Parties of the local grid: the keys `gridpay up` deploys with
#: (localnet.deploy_solana), deterministic, the same on every run.
ESCROW_ADMIN = STAKING_ADMIN = DEPLOYER
GATEWAY_KEY = wallet(SETTLEMENT_AUTHORITY)
TREASURY = wallet(TREASURY_WALLET)
#: Owner of the penalty vault (slashed SGL): the treasury, as `gridpay up` has it.
PENALTY = TREASURY
EVM_NAMES = ("base", "megaeth", "bsc")


@dataclass
class NodeProcess:
    name: str
    operator: Keypair
    url: str
    process: asyncio.subprocess.Process
    log: Path
    killed: bool = False

    @property
    def alive(self) -> bool:
        return not self.killed and self.process.returncode is None

    def kill(self) -> None:
        """Kill the node and its llama.cpp server at once (a crash, not a shutdown)."""
        if self.alive:
            self.killed = True
            os.killpg(self.process.pid, signal.SIGKILL)

    async def stop(self) -> None:
        if self.process.returncode is None and not self.killed:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                await asyncio.wait_for(self.process.wait(), 15)
            except (TimeoutError, ProcessLookupError):
                self.kill()
        await self.process.wait()


@dataclass
class Stack:
    state_dir: Path
    tiny: bool
    evm: bool = True
    log: Callable[[str], None] = print
    solana: Any = None  # SolanaLocalnet
    local_evm: Any = None  # LocalEvm
    facilitator: Facilitator | None = None
    gateway: Gateway | None = None
    gateway_url: str = ""
    model: Attestation | None = None
    nodes: dict[str, NodeProcess] = field(default_factory=dict)
    networks: list[NetworkConfig] = field(default_factory=list)
    #: Wraps the validator's URL into the one the facilitator and gateway use
    #: (tests put a proxy they can cut in between); the harness itself reads
    #: the chain directly.
    rpc_front: Callable[[str], Awaitable[str]] | None = None
    service_rpc_url: str = ""
    _solana_cm: Any = None
    _server: Any = None
    _server_task: asyncio.Task[Any] | None = None
    _sock: socket.socket | None = None
    _transport: RpcTransport | None = None

    # -- bring-up -----------------------------------------------------------------------------
    async def up(self) -> Stack:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.model = attest(tiny_gguf(self.state_dir / "gridpay-tiny.gguf") if self.tiny
                            else smollm2_path())
        await self._start_solana()
        if self.evm:
            await self._start_evm()
        await self._start_facilitator()
        return self

    async def _start_solana(self) -> None:
        from localnet.deploy_solana import deploy_solana
        from localnet.solana_rpc import SolanaLocalnet
        from localnet.solana_rpc.chain import ChainConfig

        # Solana runs in this event loop (the scenario reaches into the chain);
        # programs, configs and wallets go on as `gridpay up` puts them.
        self._solana_cm = SolanaLocalnet.start(0, config=ChainConfig(network="devnet"))
        self.solana = await self._solana_cm.__aenter__()
        await deploy_solana(self.solana.url)
        self._transport = RpcTransport(self.solana.url)
        self.escrow = EscrowClient(self._transport)
        self.staking = StakingClient(self._transport)
        self.log(f"solana: {self.solana.url} ({self.solana.network_id}); job_escrow "
                 f"{escrow_mod.PROGRAM_ID}, staking {staking_mod.PROGRAM_ID} initialized")

    async def _start_evm(self) -> None:
        from localnet.anvil import LocalEvm

        self.local_evm = await LocalEvm.launch(EVM_NAMES, state_dir=self.state_dir / "anvil")
        for name, d in self.local_evm.deployments.items():
            self.log(f"{name}: {d.rpc_url} ({d.network}) {d.token.symbol} {d.token.address}")

    def endpoints(self) -> dict[str, Any]:
        """The chains as an endpoints file describes them (what `gridpay up` writes)."""
        out: dict[str, Any] = {"solana": {"rpc_url": self.solana.url,
                                          "network": self.solana.network_id,
                                          **self.solana.boot_state.to_json()}}
        if self.local_evm is not None:
            out["evm"] = {n: d.to_json() for n, d in self.local_evm.deployments.items()}
        return out

    async def _start_facilitator(self) -> None:
        self.service_rpc_url = (await self.rpc_front(self.solana.url) if self.rpc_front
                                else self.solana.url)
        endpoints = self.endpoints()
        endpoints["solana"]["rpc_url"] = self.service_rpc_url
        networks, keys = local_networks(endpoints)
        # Per-call payments on Solana go to the treasury wallet (its USDC account).
        self.networks = [n.model_copy(update={"treasury": str(TREASURY.pubkey())})
                         if n.network.startswith("solana:") else n for n in networks]
        settings = FacilitatorSettings(settle_wait_seconds=20.0, rate_limit_per_minute=100_000,
                                       reconcile_interval_seconds=1.0)
        self.facilitator = Facilitator.create(
            settings, build_mechanisms(self.networks, settings, keys),
            database_url=f"sqlite:///{self.state_dir / 'facilitator.sqlite3'}")
        assert self.model is not None
        self.gateway = Gateway(
            self.facilitator,
            GatewaySettings(models=[AttestedModel(id=self.model.model, sha256=self.model.sha256,
                                                  params=self.model.params,
                                                  path=Path(self.model.path))],
                            job_timeout_seconds=120.0, node_idle_timeout_seconds=20.0,
                            eligibility_ttl_seconds=0.5),
            escrow=EscrowCredits(EscrowClient(RpcTransport(self.service_rpc_url)),
                                 GATEWAY_KEY),
            staking=StakingClient(RpcTransport(self.service_rpc_url)))
        await self.facilitator.start()
        port = await self._serve(0)
        self.gateway_url = f"http://127.0.0.1:{port}"
        self.log(f"facilitator + gateway: {self.gateway_url}")

    async def _serve(self, port: int) -> int:
        """Serve the facilitator and gateway on ``port`` (0: a free one) until
        ``down``; returns the port once uvicorn has started."""
        import uvicorn

        from facilitator.api.app import create_app

        assert self.facilitator is not None
        app = create_app(self.facilitator, gateway=self.gateway, manage_lifecycle=False)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port))
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self._server_task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._server_task.done():
                self._server_task.result()
            await asyncio.sleep(0.02)
        return self._sock.getsockname()[1]

    # -- nodes --------------------------------------------------------------------------------
    def suggested_price(self) -> int:
        assert self.model is not None
        return tier_for_params(self.model.params).suggested_micro_per_token

    async def start_node(self, name: str, operator: Keypair | str, *, price: int | None = None,
                         inflate: int = 0, wait_registered: bool = True) -> NodeProcess:
        """``gridpay node serve`` for ``operator`` (a local wallet name or a keypair)."""
        node_dir = self.state_dir / "nodes" / name
        node_dir.mkdir(parents=True, exist_ok=True)
        if isinstance(operator, str):
            key_args = ["--operator", operator]
            operator = wallet(operator)
        else:
            key_file = node_dir / "operator.json"
            key_file.write_text(json.dumps(list(bytes(operator))))
            key_args = ["--operator-key", str(key_file)]
        port = free_port()
        assert self.model is not None
        args = [sys.executable, "-m", "gridpay.cli", "node", "serve", "--model", self.model.path,
                *key_args, "--price", str(price or self.suggested_price()),
                "--gateway", self.gateway_url, "--port", str(port), "--state-dir", str(node_dir)]
        if inflate:
            args += ["--dishonest", str(inflate)]
        log = node_dir / "node.log"
        process = await asyncio.create_subprocess_exec(
            *args, stdout=open(log, "ab"), stderr=asyncio.subprocess.STDOUT,
            start_new_session=True, cwd=Path(__file__).resolve().parents[1])
        node = NodeProcess(name, operator, f"http://127.0.0.1:{port}", process, log)
        self.nodes[name] = node
        if wait_registered:
            await self.wait_registered(node)
        return node

    async def wait_registered(self, node: NodeProcess, timeout: float = 120.0) -> None:
        assert self.gateway is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while str(node.operator.pubkey()) not in self.gateway.registry.nodes:
            if not node.alive:
                raise RuntimeError(f"node {node.name} exited ({node.process.returncode}): "
                                   f"{node.log.read_text()[-2000:]}")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"node {node.name} did not register in {timeout} s")
            await asyncio.sleep(0.1)
        # it registers on start-up, before its own port listens: wait for that too
        async with httpx.AsyncClient(timeout=5.0) as http:
            while True:
                try:
                    if (await http.get(f"{node.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"node {node.name} did not listen in {timeout} s")
                await asyncio.sleep(0.05)

    # -- tear-down ----------------------------------------------------------------------------
    async def restart_gateway(self) -> None:
        """Stop serving and serve again (a gateway restart: in-flight jobs are lost
        and the new run refunds what they left locked)."""
        assert self._server is not None and self._server_task is not None
        self._server.should_exit = True
        await self._server_task
        assert self._sock is not None
        port = int(self.gateway_url.rsplit(":", 1)[1])
        self._sock.close()  # uvicorn closed it; the new run listens on the same port
        assert self.facilitator is not None and self.gateway is not None
        old = self.gateway
        self.gateway = Gateway(self.facilitator, old.settings,
                               escrow=EscrowCredits(
                                   EscrowClient(RpcTransport(self.service_rpc_url)), GATEWAY_KEY),
                               staking=StakingClient(RpcTransport(self.service_rpc_url)))
        await self._serve(port)

    async def down(self) -> None:
        for node in self.nodes.values():
            await node.stop()
        if self._server is not None and self._server_task is not None:
            self._server.should_exit = True
            try:
                await asyncio.wait_for(self._server_task, 30)
            except TimeoutError:
                self._server_task.cancel()
        if self._sock is not None:
            self._sock.close()
        if self.facilitator is not None:
            await self.facilitator.close()
        if self._transport is not None:
            await self._transport.close()
        if self.local_evm is not None:
            await self.local_evm.stop()
        if self._solana_cm is not None:
            await self._solana_cm.__aexit__(None, None, None)

    # -- reads for the report -------------------------------------------------------------------
    async def usdc(self, owner: Pubkey) -> int:
        assert self.escrow is not None
        return await self.escrow.token_balance(associated_token_address(owner, USDC_MINT))

    async def sgl(self, owner: Pubkey) -> int:
        return await self.escrow.token_balance(associated_token_address(owner, SGL_MINT))
