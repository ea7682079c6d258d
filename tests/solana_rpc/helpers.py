"""Shared by the tests: transaction builders (plain solders, as any client writes them) and raw RPC."""

from __future__ import annotations

import struct
from typing import Any

import aiohttp
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import transfer_checked
from spl.token.models import TransferCheckedParams

from localnet.solana_chain import USDC_DECIMALS, USDC_MINT, associated_token_address
from localnet.solana_rpc import SolanaLocalnet


def signed(instructions: list[Instruction], blockhash: Hash, *signers: Keypair) -> VersionedTransaction:
    """A v0 transaction paid and signed by ``signers[0]``."""
    message = MessageV0.try_compile(signers[0].pubkey(), instructions, [], blockhash)
    return VersionedTransaction(message, list(signers))


def sol_transfer(sender: Keypair, to: Pubkey, lamports: int, blockhash: Hash) -> VersionedTransaction:
    ix = transfer(TransferParams(from_pubkey=sender.pubkey(), to_pubkey=to, lamports=lamports))
    return signed([ix], blockhash, sender)


def dependent_transfers(
    payer: Keypair, to: Pubkey, lamports: int, blockhash: Hash
) -> tuple[Keypair, VersionedTransaction, VersionedTransaction]:
    """A fresh wallet and two transfers that only succeed in order: the
    first funds the wallet with ``2 * lamports``, the second spends
    ``lamports`` of it to ``to``."""
    fresh = Keypair()
    return (fresh, sol_transfer(payer, fresh.pubkey(), 2 * lamports, blockhash),
            sol_transfer(fresh, to, lamports, blockhash))


def usdc_transfer(sender: Keypair, to_owner: Pubkey, amount: int, blockhash: Hash) -> VersionedTransaction:
    """TransferChecked of USDC between the owners' associated token accounts."""
    ix = transfer_checked(
        TransferCheckedParams(
            program_id=TOKEN_PROGRAM_ID,
            source=associated_token_address(sender.pubkey(), USDC_MINT),
            mint=USDC_MINT,
            dest=associated_token_address(to_owner, USDC_MINT),
            owner=sender.pubkey(),
            amount=amount,
            decimals=USDC_DECIMALS,
        )
    )
    return signed([ix], blockhash, sender)


ADDRESS_LOOKUP_TABLE_PROGRAM = Pubkey.from_string("AddressLookupTab1e1111111111111111111111111")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")


def lookup_table_instructions(
    authority: Pubkey, recent_slot: int, addresses: list[Pubkey]
) -> tuple[Pubkey, list[Instruction]]:
    """CreateLookupTable + ExtendLookupTable, as @solana/web3.js builds them."""
    table, bump = Pubkey.find_program_address(
        [bytes(authority), recent_slot.to_bytes(8, "little")], ADDRESS_LOOKUP_TABLE_PROGRAM
    )
    accounts = [
        AccountMeta(table, is_signer=False, is_writable=True),
        AccountMeta(authority, is_signer=True, is_writable=False),
        AccountMeta(authority, is_signer=True, is_writable=True),
        AccountMeta(SYSTEM_PROGRAM, is_signer=False, is_writable=False),
    ]
    create = Instruction(
        ADDRESS_LOOKUP_TABLE_PROGRAM, struct.pack("<IQB", 0, recent_slot, bump), accounts
    )
    extend_data = struct.pack("<IQ", 2, len(addresses)) + b"".join(bytes(a) for a in addresses)
    extend = Instruction(ADDRESS_LOOKUP_TABLE_PROGRAM, extend_data, accounts)
    return table, [create, extend]


async def rpc(net: SolanaLocalnet, method: str, params: Any = None, *, raw: bytes | None = None) -> Any:
    """A raw JSON-RPC call (for methods solana-py lacks and for malformed requests)."""
    body = raw if raw is not None else {"jsonrpc": "2.0", "id": 7, "method": method, "params": params or []}
    async with aiohttp.ClientSession() as session:
        kwargs = {"data": body, "headers": {"content-type": "application/json"}} if raw else {"json": body}
        async with session.post(net.url, **kwargs) as response:
            assert response.status == 200
            return await response.json()


class FakeClock:
    """A wall clock the test moves by hand (``Chain(clock=...)``)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
