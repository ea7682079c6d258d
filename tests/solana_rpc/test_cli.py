"""`python -m localnet.solana_rpc`: boots, prints its endpoints, serves, stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from solana.rpc.async_api import AsyncClient
from solders.pubkey import Pubkey

from localnet.solana_chain import USDC_MINT

CMD = [sys.executable, "-m", "localnet.solana_rpc"]


def start(*args: str) -> tuple[subprocess.Popen[str], dict]:
    proc = subprocess.Popen([*CMD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if line.rstrip() == "}":
            break
    return proc, json.loads("".join(lines))


async def test_serves_boot_state_and_saves_on_sigterm(tmp_path: Path) -> None:
    snapshot = tmp_path / "chain.json.gz"
    proc, banner = start("--port", "0", "--snapshot", str(snapshot))
    try:
        assert banner["network"] == "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
        assert banner["mints"]["USDC"] == str(USDC_MINT)
        async with AsyncClient(banner["rpcUrl"]) as client:
            assert (await client.get_account_info(USDC_MINT)).value is not None
            payer = Pubkey.from_string(banner["wallets"]["payer"]["pubkey"])
            assert (await client.get_balance(payer)).value > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    assert snapshot.exists()

    # Resumed: the same banner (keys are deterministic), the same chain.
    proc, resumed = start("--port", "0", "--snapshot", str(snapshot))
    try:
        assert resumed["wallets"] == banner["wallets"]
        assert resumed["mints"] == banner["mints"]
        assert resumed["slot"] >= banner["slot"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_port_in_use_is_a_clear_error() -> None:
    proc, banner = start("--port", "0", "--empty")
    try:
        port = banner["rpcUrl"].rsplit(":", 1)[1]
        clash = subprocess.run([*CMD, "--port", port, "--empty"], capture_output=True, text=True, timeout=60)
        assert clash.returncode == 1
        assert f"cannot serve on 127.0.0.1:{port}" in clash.stderr
        assert "address already in use" in clash.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=20)
