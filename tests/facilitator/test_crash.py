"""Kill -9 of a real `gridpay facilitator` process while it settles under load,
then a restart: the chain and the payment log agree, nothing is paid twice,
nothing is lost."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridpay import ROOT
from pyclients.evm import abi
from tests.facilitator.conftest import EvmWorld
from tests.facilitator.helpers import balances, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAYMENTS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FacilitatorProcess:
    """`gridpay facilitator` as an operator runs it: configured by environment
    variables and a key file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self, url: str) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gridpay.cli", "facilitator"], cwd=ROOT, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"facilitator exited:\n{self.log.read_text()[-3000:]}")
                try:
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"facilitator not ready:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


async def test_kill_9_under_load_then_restart(evm_world: EvmWorld, tmp_path: Path) -> None:
    dep, chain = evm_world.deployments["base"], evm_world.chains["base"]
    relayer = dep.dev_account(3)
    key_file = tmp_path / "relayer.key"
    key_file.write_text("0x" + bytes(relayer.key).hex())
    key_file.chmod(0o600)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ,
           "GRIDPAY_STATE_DIR": str(tmp_path),
           "GRIDPAY_FACILITATOR__PORT": str(port),
           "GRIDPAY_FACILITATOR__REPLICA_ID": "crash-test",
           "GRIDPAY_FACILITATOR__DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
           "GRIDPAY_FACILITATOR__EVM_RELAYER_KEY_FILE": str(key_file),
           "GRIDPAY_FACILITATOR__SETTLE_WAIT_SECONDS": "5",
           "GRIDPAY_FACILITATOR__NETWORKS": json.dumps([{
               "network": dep.network, "rpc_url": dep.rpc_url, "asset": dep.token.address,
               "transfer_method": "eip3009", "v1_name": "base"}])}
    process = FacilitatorProcess(env, tmp_path / "facilitator.log")

    payee = evm_world.payee("base").address
    amount = 10_000
    requests = []
    for _ in range(PAYMENTS):
        payload = await signed(evm_world, "base", value=amount)
        req = {"scheme": "exact", "network": dep.network, "asset": dep.token.address,
               "amount": str(amount), "payTo": payee, "maxTimeoutSeconds": 120,
               "extra": {"name": "USD Coin", "version": "2"}}
        requests.append({"x402Version": 2, "paymentRequirements": req,
                         "paymentPayload": {"x402Version": 2, "accepted": req,
                                            "payload": payload}})
    paid_before = (await balances(chain, dep.token.address, payee))[0]
    sent_before = int(await chain.w3.eth.get_transaction_count(relayer.address))

    try:
        await process.start(url)
        async with httpx.AsyncClient(timeout=30) as http:
            load = [asyncio.create_task(http.post(f"{url}/settle", json=r)) for r in requests]
            # kill it mid-load: once some have settled and others are in flight
            while sum(t.done() for t in load) < PAYMENTS // 3:
                await asyncio.sleep(0.005)
            process.kill()
            first = await asyncio.gather(*load, return_exceptions=True)
        answered = [r for r in first if isinstance(r, httpx.Response)]
        assert len(answered) < PAYMENTS, "the kill came too late to interrupt anything"

        await process.start(url)
        answers: list[dict[str, Any]] = []
        async with httpx.AsyncClient(timeout=60) as http:
            for r in requests:
                for _ in range(50):
                    answer = (await http.post(f"{url}/settle", json=r)).json()
                    if answer.get("errorReason") != "settlement_pending":
                        break
                    await asyncio.sleep(0.2)
                answers.append(answer)
    finally:
        process.stop()

    # every payment was settled exactly once, and the log says so
    assert all(a["success"] for a in answers), [a for a in answers if not a["success"]]
    assert len({a["transaction"] for a in answers}) == PAYMENTS
    for r in requests:
        auth = r["paymentPayload"]["payload"]["authorization"]
        assert await chain.read(dep.token.address, abi.AUTHORIZATION_STATE, auth["from"],
                                bytes.fromhex(auth["nonce"][2:]))
    assert (await balances(chain, dep.token.address, payee))[0] == paid_before + PAYMENTS * amount
    # one transaction per payment: no duplicate was ever sent
    assert int(await chain.w3.eth.get_transaction_count(relayer.address)) == \
        sent_before + PAYMENTS
    from facilitator.store import Store

    store = Store.open(env["GRIDPAY_FACILITATOR__DATABASE_URL"])
    try:
        rows = store.payments(limit=1000)
        assert len(rows) == PAYMENTS and {p.status for p in rows} == {"settled"}
        assert sorted(p.transaction for p in rows) == sorted(a["transaction"] for a in answers)
    finally:
        store.close()
