"""Stop a local chain and resume it later: accounts, programs, slot and identity survive."""

from __future__ import annotations

from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.models import TokenAccountOpts
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError
from spl.token.constants import TOKEN_PROGRAM_ID

from localnet.solana_chain import USDC_MINT, WALLET_USDC, associated_token_address, deploy, wallet
from localnet.solana_rpc import ChainConfig, SolanaLocalnet

from .helpers import rpc, signed, sol_transfer, usdc_transfer


def token_program_elf(net: SolanaLocalnet) -> bytes:
    """A real SBF program to deploy: the SPL Token binary LiteSVM ships."""
    return bytes(net.svm.get_account(TOKEN_PROGRAM_ID).data)


async def call_program(client: AsyncClient, program: Pubkey, payer: Keypair) -> TransactionErrorInstructionError:
    """Invoke the deployed token binary with no data: it runs and rejects the instruction."""
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    with pytest.raises(RPCException) as exc:
        await client.send_transaction(signed([Instruction(program, b"", [])], blockhash, payer))
    return exc.value.args[0].data.err


async def test_snapshot_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "chain.json.gz"
    payer, alice = wallet("payer"), wallet("alice")
    stranger = Keypair().pubkey()
    program = Pubkey.new_unique()
    elf_path = tmp_path / "copy.so"
    config = ChainConfig(network="local", genesis_seed="snapshot-test")

    async with SolanaLocalnet.start(port=0, config=config, snapshot_path=path) as net:
        elf_path.write_bytes(token_program_elf(net))
        deploy(net.chain, program, elf_path)
        async with AsyncClient(net.url) as client:
            blockhash = (await client.get_latest_blockhash()).value.blockhash
            await client.send_transaction(sol_transfer(payer, stranger, 123_456, blockhash))
            await client.send_transaction(usdc_transfer(payer, alice.pubkey(), 777, blockhash))
            await rpc(net, "gridpay_warp", [30])
            saved_slot = (await client.get_slot()).value
            genesis = str((await client.get_genesis_hash()).value)
            assert net.network_id == f"solana:{genesis[:32]}" != "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
            payer_sol = (await client.get_balance(payer.pubkey())).value
            assert await call_program(client, program, payer) == TransactionErrorInstructionError(
                0, InstructionErrorCustom(0xC)
            )
    assert path.exists()

    async with SolanaLocalnet.start(port=0, config=config, snapshot_path=path) as net:
        async with AsyncClient(net.url) as client:
            assert (await client.get_slot()).value >= saved_slot
            assert str((await client.get_genesis_hash()).value) == genesis
            assert (await client.get_balance(stranger)).value == 123_456
            assert (await client.get_balance(payer.pubkey())).value == payer_sol
            alice_ata = associated_token_address(alice.pubkey(), USDC_MINT)
            assert (await client.get_token_account_balance(alice_ata)).value.amount == str(WALLET_USDC + 777)
            held = (await client.get_token_accounts_by_owner(alice.pubkey(), TokenAccountOpts(mint=USDC_MINT))).value
            assert [h.pubkey for h in held] == [alice_ata]
            assert await call_program(client, program, payer) == TransactionErrorInstructionError(
                0, InstructionErrorCustom(0xC)
            )
            # The resumed chain keeps working: new blockhashes, new transfers.
            blockhash = (await client.get_latest_blockhash()).value.blockhash
            await client.send_transaction(sol_transfer(payer, stranger, 1, blockhash))
            assert (await client.get_balance(stranger)).value == 123_457


async def test_snapshot_on_request(tmp_path: Path) -> None:
    path = tmp_path / "state" / "chain.json.gz"
    async with SolanaLocalnet.start(port=0, snapshot_path=path) as net:
        reply = await rpc(net, "gridpay_snapshot")
        assert reply["result"] == str(path)
        assert path.exists()
    async with SolanaLocalnet.start(port=0) as net:
        reply = await rpc(net, "gridpay_snapshot")
        assert reply["error"]["code"] == -32602
