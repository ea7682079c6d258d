"""The same high-level client over JSON-RPC: job_escrow deployed under the
upgradeable loader of the local validator (localnet.solana_rpc), driven by
``EscrowClient(RpcTransport(url))`` — unmodified solana-py underneath, named
errors decoded from preflight failures, events and compute units read back
from the landed transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from solders.keypair import Keypair

from localnet.solana_rpc import SolanaLocalnet
from pyclients.solana import escrow
from pyclients.solana.common import token
from pyclients.solana.common.transport import RpcTransport

SOL = 10**9
CREDIT = escrow.BASE_UNITS_PER_CREDIT


@pytest.fixture
async def rpc(escrow_so: Path) -> AsyncIterator[tuple[SolanaLocalnet, RpcTransport]]:
    def boot(chain) -> None:  # noqa: ANN001 - localnet.solana_rpc.Chain
        chain.deploy_program(escrow.PROGRAM_ID, escrow_so.read_bytes(), Keypair().pubkey())

    async with SolanaLocalnet.start(port=0, boot=boot) as net:
        async with RpcTransport(net.url) as transport:
            yield net, transport


async def test_client_over_json_rpc(rpc: tuple[SolanaLocalnet, RpcTransport]) -> None:
    net, transport = rpc
    admin, authority, wallet, worker, stranger, mint = (Keypair() for _ in range(6))
    for kp in (admin, authority, wallet, stranger):
        net.chain.airdrop(kp.pubkey(), 10 * SOL)
    rent = await transport.minimum_balance(token.MINT_LEN)
    await transport.send(token.create_mint_instructions(admin.pubkey(), mint.pubkey(), admin.pubkey(), 6, rent),
                         [admin, mint])
    m = mint.pubkey()
    ata = lambda owner: token.associated_token_address(owner.pubkey(), m)  # noqa: E731
    await transport.send([
        token.create_ata_idempotent(admin.pubkey(), admin.pubkey(), m),
        token.create_ata_idempotent(admin.pubkey(), wallet.pubkey(), m),
        token.create_ata_idempotent(admin.pubkey(), worker.pubkey(), m),
        token.mint_to(m, ata(wallet), admin.pubkey(), 50 * 10**6, 6),
    ], [admin])

    client = escrow.EscrowClient(transport)
    await client.initialize(admin, program_key=escrow.program_keypair(), usdc_mint=m, treasury=ata(admin), settlement_authority=authority.pubkey())
    assert (await client.config()).settlement_authority == authority.pubkey()

    bought = await client.buy_credits(wallet, 1_000)
    assert bought.compute_units > 0
    assert client.program.events(bought.logs)[0][1]["credits"] == 1_000

    await client.lock_job(authority, wallet.pubkey(), job_id=1, max_credits=300, worker=worker.pubkey())
    await client.lock_job(authority, wallet.pubkey(), job_id=2, max_credits=200, worker=worker.pubkey())
    assert (await client.job(wallet.pubkey(), 1)).max_credits == 300
    settled = await client.settle_job(authority, wallet.pubkey(), job_id=1, used_credits=100)
    assert [n for n, _ in client.program.events(settled.logs)] == ["JobSettled"]
    assert await client.token_balance(ata(worker)) == 100 * 8_000

    # Preflight refusals come back as the program's named errors, with logs.
    with pytest.raises(escrow.errors.TimeoutNotReached) as refused:
        await client.refund_job(stranger, wallet.pubkey(), job_id=2)
    assert any("custom program error" in line for line in refused.value.logs)
    net.warp(121)
    await client.refund_job(stranger, wallet.pubkey(), job_id=2)
    with pytest.raises(escrow.errors.InsufficientCredits):
        await client.withdraw(wallet, 901)

    await client.withdraw(wallet)
    assert (await client.balance(wallet.pubkey())).available == 0
    assert await client.token_balance(ata(wallet)) == 50 * 10**6 - 100 * CREDIT
    await client.claim_fees(stranger)
    assert await client.token_balance(ata(admin)) == 100 * 2_000
    await client.close_credit_account(wallet)
    assert await client.credit_account(wallet.pubkey()) is None
