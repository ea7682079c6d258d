"""Local EVM chains: `gridpay evm up --detach` / `down`, clear errors for a port
clash or an anvil that dies, and the endpoints file shared with Solana."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gridpay import ROOT
from localnet import read_endpoints, update_endpoints
from localnet.anvil import AnvilError, LocalEvm, free_port, start_anvil
from localnet.deploy_evm import DEV_MINT_TOKENS, NETWORKS
from localnet.processes import alive, cmdline
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain

pytestmark = pytest.mark.asyncio(loop_scope="session")


def gridpay(state_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRIDPAY_STATE_DIR": str(state_dir)}
    return subprocess.run(
        [sys.executable, "-m", "gridpay.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def anvils_on_port(port: int) -> list[int]:
    """Live processes whose program is anvil and whose arguments name ``port``."""
    pids = [int(proc.name) for proc in Path("/proc").iterdir() if proc.name.isdigit()]
    return [
        pid
        for pid in pids
        if b"anvil" in (args := cmdline(pid).split(b"\0"))[0]
        and str(port).encode() in args
        and alive(pid)
    ]


async def test_up_detach_then_down(tmp_path: Path) -> None:
    update_endpoints("solana", {"rpc_url": "http://127.0.0.1:8899"}, tmp_path / "endpoints.json")
    up = gridpay(tmp_path, "evm", "up", "--detach")
    assert up.returncode == 0, up.stderr
    try:
        data = json.loads((tmp_path / "endpoints.json").read_text())
        assert data["solana"] == {"rpc_url": "http://127.0.0.1:8899"}  # not clobbered
        assert set(data["evm"]) == set(NETWORKS)
        pids = {name: int((tmp_path / f"anvil-{name}.pid").read_text()) for name in NETWORKS}
        for name, entry in data["evm"].items():
            assert entry["pid"] == pids[name] and alive(pids[name])
            assert entry["network"] == f"eip155:{NETWORKS[name].chain_id}"
            assert entry["rpc_url"] in up.stdout
            chain = EvmChain.connect(entry["rpc_url"])
            try:
                assert await chain.chain_id() == NETWORKS[name].chain_id
                token = entry["token"]
                if NETWORKS[name].token_address:
                    assert token["address"] == NETWORKS[name].token_address
                for account in entry["accounts"]:
                    balance = await chain.read(token["address"], abi.BALANCE_OF, account["address"])
                    assert balance == DEV_MINT_TOKENS * 10 ** token["decimals"]
            finally:
                await chain.close()
        again = gridpay(tmp_path, "evm", "up", "--detach")
        assert again.returncode == 1 and "already running" in again.stderr
    finally:
        down = gridpay(tmp_path, "evm", "down")
    assert down.returncode == 0, down.stderr
    assert all(not alive(pid) for pid in pids.values())
    assert not list(tmp_path.glob("anvil-*.pid"))
    assert read_endpoints(tmp_path / "endpoints.json") == {
        "solana": {"rpc_url": "http://127.0.0.1:8899"}
    }


async def test_port_clash_is_named_and_leaves_no_process(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        base_port = free_port()
        with pytest.raises(AnvilError, match=f"port {busy} on 127.0.0.1 is already in use"):
            await LocalEvm.launch(
                ["base", "megaeth"], ports={"base": base_port, "megaeth": busy}, state_dir=tmp_path
            )
    assert anvils_on_port(base_port) == []


async def test_cli_port_clash_exits_with_the_reason(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = gridpay(tmp_path, "evm", "up", "--detach", "--port", f"bsc={busy}")
    assert result.returncode == 1
    assert f"port {busy} on 127.0.0.1 is already in use" in result.stderr
    assert not list(tmp_path.glob("anvil-*.pid"))


async def test_anvil_that_dies_at_start_is_reported(tmp_path: Path) -> None:
    with pytest.raises(AnvilError, match="exited with code 2") as failed:
        await start_anvil("broken", -1, log_dir=tmp_path)  # anvil refuses the chain id
    assert "unexpected argument '-1'" in str(failed.value)  # anvil's own words


async def test_anvil_that_dies_later_is_seen(tmp_path: Path) -> None:
    async with LocalEvm.start(["megaeth"], state_dir=tmp_path) as evm:
        assert evm.dead() == []
        os.kill(evm.processes["megaeth"].pid, signal.SIGKILL)
        evm.processes["megaeth"].process.wait(timeout=10)
        assert [p.name for p in evm.dead()] == ["megaeth"]


async def test_demo_pays_once_on_each_chain() -> None:
    from harness.evm_demo import run_evm_demo

    lines: list[str] = []
    results = await run_evm_demo(lines.append)
    assert [r.deployment.name for r in results] == list(NETWORKS)
    for r in results:
        assert r.payer_after == r.payer_before - r.amount
        assert r.payee_after == r.payee_before + r.amount
        assert r.settlement.gas_used > 0
        assert r.settlement.tx_hash in "\n".join(lines)
