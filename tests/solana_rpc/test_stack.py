"""`gridpay up` / `gridpay down` as a user runs them: everything deployed, initialized
and funded on four chains, clear errors (port in use, missing build, a validator
that dies), and no process left behind in any case.

Each test gets its own GRIDPAY_STATE_DIR, so a developer's running stack is
untouched; the processes a test started are found by that variable in their
environment."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

from gridpay import ROOT
from localnet.deploy_evm import NETWORKS
from localnet.deploy_solana import LOADER_V3, wallet_specs
from localnet.solana_chain import SGL_MINT, USDC_MINT, associated_token_address
from pyclients.evm.chain import EvmChain
from pyclients.solana import escrow, staking
from pyclients.solana.common.token import TokenAccount

pytestmark = pytest.mark.asyncio(loop_scope="session")


def gridpay(
    state_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridpay.cli", *args],
        cwd=ROOT,
        env={**os.environ, "GRIDPAY_STATE_DIR": str(state_dir), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def started_for(state_dir: Path) -> list[int]:
    """Live processes started with this GRIDPAY_STATE_DIR (supervisor, validator, anvils)."""
    marker = f"GRIDPAY_STATE_DIR={state_dir}".encode()
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                environ = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in environ and alive(int(proc.name)):
                out.append(int(proc.name))
    return out


def wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


async def test_up_detach_deploys_initializes_and_funds_then_down_stops_all(tmp_path: Path) -> None:
    up = gridpay(tmp_path, "up", "--detach", "--solana-port", "0")
    assert up.returncode == 0, up.stderr + up.stdout
    try:
        data = json.loads((tmp_path / "endpoints.json").read_text())
        sol = data["solana"]
        assert set(data["evm"]) == set(NETWORKS)
        pids = [int((tmp_path / name).read_text()) for name in ("stack.pid", "solana.pid")]
        pids += [entry["pid"] for entry in data["evm"].values()]
        assert sol["pid"] == pids[1] and all(alive(p) for p in pids)

        # The banner shows every endpoint, program, token and funded key.
        for text in (
            sol["rpc_url"],
            sol["ws_url"],
            sol["network"],
            *sol["programs"].values(),
            str(USDC_MINT),
            str(SGL_MINT),
            *(w["pubkey"] for w in sol["wallets"].values()),
            *(w["secretKey"] for w in sol["wallets"].values()),
        ):
            assert text in up.stdout
        for entry in data["evm"].values():
            assert entry["rpc_url"] in up.stdout and entry["token"]["address"] in up.stdout
            assert f"chain {entry['chain_id']}" in up.stdout

        async with AsyncClient(sol["rpc_url"]) as client:
            programs = {name: Pubkey.from_string(key) for name, key in sol["programs"].items()}
            assert programs == {"job_escrow": escrow.PROGRAM_ID, "staking": staking.PROGRAM_ID}
            for key in programs.values():
                account = (await client.get_account_info(key)).value
                assert account.executable and account.owner == LOADER_V3

            wallets = {name: Pubkey.from_string(w["pubkey"]) for name, w in sol["wallets"].items()}
            e_program = escrow.EscrowProgram()
            e = escrow.Config.decode(
                (await client.get_account_info(e_program.config_address())).value.data
            )
            assert e.usdc_mint == USDC_MINT
            assert e.vault == e_program.vault_address(USDC_MINT)
            assert e.treasury == associated_token_address(wallets["treasury"], USDC_MINT)
            assert e.settlement_authority == wallets["gateway"]
            assert e.admin == wallets["deployer"]
            assert (e.worker_bps, e.job_timeout, e.min_purchase_credits, e.paused) == (
                8_000,
                120,
                100,
                False,
            )
            assert str(e_program.config_address()) == sol["escrow"]["config"]

            s_program = staking.StakingProgram()
            s = staking.Config.decode(
                (await client.get_account_info(s_program.config_address())).value.data
            )
            assert s.sgl_mint == SGL_MINT
            assert s.vault == s_program.vault_address(SGL_MINT)
            assert s.penalty_vault == associated_token_address(wallets["treasury"], SGL_MINT)
            assert s.min_stake[staking.ROLE_COMPUTE] == 50_000 * 10**6
            assert s.admin == wallets["deployer"]

            for name, spec in wallet_specs().items():
                assert (await client.get_balance(wallets[name])).value >= spec.lamports, name
                for mint, amount in ((USDC_MINT, spec.usdc), (SGL_MINT, spec.sgl)):
                    if amount:
                        ata = (
                            await client.get_account_info(
                                associated_token_address(wallets[name], mint)
                            )
                        ).value
                        assert TokenAccount.decode(bytes(ata.data)).amount == amount, name

        for name, entry in data["evm"].items():
            chain = EvmChain.connect(entry["rpc_url"])
            try:
                assert await chain.chain_id() == NETWORKS[name].chain_id
            finally:
                await chain.close()

        again = gridpay(tmp_path, "up", "--detach", "--solana-port", "0")
        assert again.returncode == 1
        assert f"already running (pid {pids[0]})" in again.stderr
    finally:
        down = gridpay(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    assert f"stopped the stack (supervisor pid {pids[0]})" in down.stdout
    assert wait_gone(pids) == []
    assert started_for(tmp_path) == []
    assert json.loads((tmp_path / "endpoints.json").read_text()) == {}
    assert not list(tmp_path.glob("*.pid"))
    assert gridpay(tmp_path, "down").stdout.strip() == "no local stack was running"


@pytest.mark.parametrize("which", ["solana", "evm"])
async def test_port_in_use_names_the_port_and_starts_nothing(tmp_path: Path, which: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        args = (
            ["--solana-port", str(busy)]
            if which == "solana"
            else ["--solana-port", "0", "--port", f"bsc={busy}"]
        )
        result = gridpay(tmp_path, "up", "--detach", *args)
    assert result.returncode == 1
    what = "solana RPC" if which == "solana" else "bsc"
    assert f"{what}: port {busy} on 127.0.0.1 is already in use" in result.stderr
    assert started_for(tmp_path) == []
    assert not list(tmp_path.glob("*.pid"))


async def test_missing_build_says_to_run_gridpay_build(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    result = gridpay(tmp_path, "up", "--solana-port", "0", env={"GRIDPAY_TARGET_DIR": str(target)})
    assert result.returncode == 1
    assert (
        f"job_escrow and staking are not built ({target}/deploy/job_escrow.so, "
        f"{target}/deploy/staking.so missing): run `gridpay build`"
    ) in result.stderr
    assert started_for(tmp_path) == []


async def test_validator_crashing_at_start_is_reported_and_anvils_are_stopped(
    tmp_path: Path,
) -> None:
    # A build whose job_escrow.so is not an ELF: the validator's boot refuses to load it.
    target = tmp_path / "target"
    (target / "deploy").mkdir(parents=True)
    (target / "contracts").symlink_to(ROOT / "target" / "contracts")
    for name in ("job_escrow", "staking"):
        (target / "deploy" / f"{name}.so").write_bytes(b"not an ELF")
    result = gridpay(
        tmp_path, "up", "--detach", "--solana-port", "0", env={"GRIDPAY_TARGET_DIR": str(target)}
    )
    assert result.returncode == 1
    assert "solana: validator (port 0) exited with code 1" in result.stderr
    assert "invalid account data for instruction" in result.stderr  # the validator's own words
    assert wait_gone(started_for(tmp_path)) == []
    assert not list(tmp_path.glob("*.pid"))


async def test_a_crashed_child_stops_the_whole_stack_and_down_says_why(tmp_path: Path) -> None:
    up = gridpay(tmp_path, "up", "--detach", "--solana-port", "0", "--network", "base")
    assert up.returncode == 0, up.stderr
    supervisor = int((tmp_path / "stack.pid").read_text())
    validator = int((tmp_path / "solana.pid").read_text())
    anvil = int((tmp_path / "anvil-base.pid").read_text())
    os.kill(validator, signal.SIGKILL)
    # The supervisor notices, stops the anvil and exits on its own.
    assert wait_gone([supervisor, validator, anvil]) == []
    assert started_for(tmp_path) == []
    down = gridpay(tmp_path, "down")
    assert down.returncode == 0
    assert "the stack had stopped on its own: solana: validator exited with code -9" in down.stdout
    assert json.loads((tmp_path / "endpoints.json").read_text()) == {}
    assert not list(tmp_path.glob("*.pid"))


async def test_a_killed_supervisor_takes_its_children_with_it(tmp_path: Path) -> None:
    up = gridpay(tmp_path, "up", "--detach", "--solana-port", "0", "--network", "megaeth")
    assert up.returncode == 0, up.stderr
    pids = started_for(tmp_path)
    assert len(pids) == 3  # supervisor, validator, anvil
    os.kill(int((tmp_path / "stack.pid").read_text()), signal.SIGKILL)
    assert wait_gone(pids) == []  # PR_SET_PDEATHSIG
    down = gridpay(tmp_path, "down")  # clears the stale pid files and endpoints
    assert down.returncode == 0
    assert json.loads((tmp_path / "endpoints.json").read_text()) == {}
    assert not list(tmp_path.glob("*.pid"))


async def test_solana_url_deploys_to_a_users_validator_and_down_leaves_it_running(
    tmp_path: Path,
) -> None:
    validator = subprocess.Popen(
        [sys.executable, "-m", "localnet.solana_rpc", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = []
        for line in validator.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.rstrip() == "}":
                break
        url = json.loads("".join(lines))["rpcUrl"]
        up = gridpay(tmp_path, "up", "--detach", "--solana-url", url, "--network", "base")
        assert up.returncode == 0, up.stderr
        sol = json.loads((tmp_path / "endpoints.json").read_text())["solana"]
        assert sol["rpc_url"] == url and sol["pid"] is None
        assert not (tmp_path / "solana.pid").exists()
        async with AsyncClient(url) as client:
            assert (
                await client.get_account_info(escrow.EscrowProgram().config_address())
            ).value is not None
        down = gridpay(tmp_path, "down")
        assert down.returncode == 0
        assert validator.poll() is None  # the user's validator keeps running
        assert started_for(tmp_path) == []
    finally:
        validator.terminate()
        validator.wait(timeout=20)


async def test_missing_build_error_also_comes_from_the_api(tmp_path: Path) -> None:
    """The same message when deploy_solana is used on its own (harness, tests)."""
    from gridpay.settings import Settings
    from localnet.deploy_solana import MissingBuild, built_programs

    shutil.copy(ROOT / "target" / "deploy" / "staking.so", tmp_path / "staking.so")
    (tmp_path / "deploy").mkdir()
    shutil.move(tmp_path / "staking.so", tmp_path / "deploy" / "staking.so")
    with pytest.raises(
        MissingBuild, match=r"\(.*/deploy/job_escrow.so missing\): run `gridpay build`"
    ):
        built_programs(Settings(target_dir=tmp_path))
