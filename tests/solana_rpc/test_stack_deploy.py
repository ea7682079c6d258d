"""The Solana half of `gridpay up` against a validator that has none of gridpay's
state (as a fresh solana-test-validator): programs through the upgradeable
loader, an Upgrade when the build changes, mints the validator must be started
with, wallets funded by the test mint authority, idempotent reruns; and the
LocalStack Python API."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.account import Account
from solders.pubkey import Pubkey

from gridpay import ROOT
from gridpay.settings import Settings
from localnet.deploy_solana import (
    DEPLOYER,
    LOADER_V3,
    MissingMints,
    deploy_solana,
    read_program,
    wallet_keypair,
    wallet_specs,
    write_genesis_account_files,
)
from localnet.solana_chain import SGL_MINT, USDC_MINT, associated_token_address
from localnet.solana_rpc import SolanaLocalnet
from tests.solana_rpc.test_stack import alive
from localnet.stack import LocalStack
from pyclients.solana import escrow, staking
from pyclients.solana.common.token import TokenAccount

BUILT = ROOT / "target" / "deploy"


def load_account_files(files: list[Path]):  # noqa: ANN201 - a boot callable
    """What `solana-test-validator --account ADDRESS FILE` does with the files."""

    def boot(chain) -> None:  # noqa: ANN001
        import base64

        for path in files:
            entry = json.loads(path.read_text())
            a = entry["account"]
            chain.set_account(
                Pubkey.from_string(entry["pubkey"]),
                Account(
                    a["lamports"],
                    base64.b64decode(a["data"][0]),
                    Pubkey.from_string(a["owner"]),
                    a["executable"],
                ),
            )

    return boot


def settings_for(tmp_path: Path, target: Path | None = None) -> Settings:
    return Settings(state_dir=tmp_path / "state", target_dir=target or ROOT / "target")


async def test_missing_mints_name_the_validator_flags_and_write_the_files(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with SolanaLocalnet.start(port=0, boot=False) as net:
        with pytest.raises(MissingMints) as raised:
            await deploy_solana(net.url, settings=settings)
        # nothing was deployed before the mints were found missing
        async with AsyncClient(net.url) as client:
            assert (await client.get_account_info(escrow.PROGRAM_ID)).value is None
    accounts_dir = settings.state_dir / "solana-accounts"
    assert (
        f"solana-test-validator --account {USDC_MINT} {accounts_dir / 'usdc-mint.json'} "
        f"--account {SGL_MINT} {accounts_dir / 'sgl-mint.json'}"
    ) in str(raised.value)
    written = {json.loads(p.read_text())["pubkey"] for p in accounts_dir.glob("*.json")}
    assert written == {str(USDC_MINT), str(SGL_MINT)}


async def test_fresh_validator_gets_programs_through_the_loader_then_an_upgrade(
    tmp_path: Path,
) -> None:
    files = [path for _, path in write_genesis_account_files(tmp_path / "accounts")]
    settings = settings_for(tmp_path)
    async with SolanaLocalnet.start(port=0, boot=load_account_files(files)) as net:
        first = await deploy_solana(net.url, settings=settings)
        assert first.actions["job_escrow"] == first.actions["staking"] == "deployed"
        assert first.actions["escrow config"] == first.actions["staking config"] == "initialized"
        async with AsyncClient(net.url) as client:
            for name, program_id in (
                ("job_escrow", escrow.PROGRAM_ID),
                ("staking", staking.PROGRAM_ID),
            ):
                account = (await client.get_account_info(program_id)).value
                assert account.executable and account.owner == LOADER_V3
                deployed = await read_program(client, program_id)
                assert deployed.authority == DEPLOYER.pubkey()
                assert deployed.code.rstrip(b"\0") == (BUILT / f"{name}.so").read_bytes().rstrip(
                    b"\0"
                )
            # wallets funded by MintTo from the test mint authority
            for name, spec in wallet_specs().items():
                owner = wallet_keypair(name).pubkey()
                assert (await client.get_balance(owner)).value >= spec.lamports
                for mint, amount in ((USDC_MINT, spec.usdc), (SGL_MINT, spec.sgl)):
                    if amount:
                        ata = (
                            await client.get_account_info(associated_token_address(owner, mint))
                        ).value
                        assert TokenAccount.decode(bytes(ata.data)).amount == amount
        assert first.escrow.usdc_mint == USDC_MINT and first.staking.sgl_mint == SGL_MINT

        again = await deploy_solana(net.url, settings=settings)
        assert set(again.actions.values()) <= {
            "already deployed",
            "already initialized",
            "already funded",
        }

        # A new build of job_escrow (here: another program's code) goes in by Upgrade;
        # the config account stays, so the settings are kept.
        target = tmp_path / "target"
        (target / "deploy").mkdir(parents=True)
        shutil.copy(BUILT / "example.so", target / "deploy" / "job_escrow.so")
        shutil.copy(BUILT / "staking.so", target / "deploy" / "staking.so")
        upgraded = await deploy_solana(net.url, settings=settings_for(tmp_path, target))
        assert upgraded.actions["job_escrow"] == "upgraded"
        assert upgraded.actions["staking"] == "already deployed"
        async with AsyncClient(net.url) as client:
            code = (await read_program(client, escrow.PROGRAM_ID)).code
        assert code.rstrip(b"\0") == (BUILT / "example.so").read_bytes().rstrip(b"\0")


async def test_changed_settings_update_an_existing_config(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with SolanaLocalnet.start(port=0) as net:
        await deploy_solana(net.url, settings=settings)
        changed = settings.model_copy(
            update={"escrow_worker_bps": 7_500, "staking_min_compute_stake": 10**6}
        )
        result = await deploy_solana(net.url, settings=changed)
    assert result.actions["escrow config"] == result.actions["staking config"] == "config updated"
    assert result.escrow.worker_bps == 7_500
    assert result.staking.min_stake[staking.ROLE_COMPUTE] == 10**6


async def test_local_stack_api_runs_everything_and_sees_a_dead_child(tmp_path: Path) -> None:
    async with LocalStack.start(state_dir=tmp_path, networks=["base"]) as stack:
        pids = [stack.validator.pid, stack.evm.processes["base"].pid]
        assert stack.solana.pid == stack.validator.pid
        assert stack.solana.escrow.settlement_authority == wallet_keypair("gateway").pubkey()
        assert stack.evm.deployments["base"].chain_id == 8453
        assert set(stack.to_json()) == {"solana", "evm"}
        assert not (tmp_path / "endpoints.json").exists()  # write_state was not asked for
        assert stack.dead() == []
        os.kill(stack.evm.processes["base"].pid, signal.SIGKILL)
        stack.evm.processes["base"].process.wait(timeout=10)
        assert [line.splitlines()[0] for line in stack.dead()] == [
            "base: anvil exited with code -9:"
        ]
    assert [pid for pid in pids if alive(pid)] == []
