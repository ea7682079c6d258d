"""Credits bought on-chain through job_escrow, on the local validator: the
indexer puts deposits and withdrawals in the ledger once each; requests draw
on chunks the facilitator locked ahead; batch settlement pays the worker and
the treasury exactly; the facilitator never serves beyond what is locked for
a wallet; a restart (or a full re-scan) counts nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.keypair import Keypair

from facilitator.service import Facilitator
from facilitator.store import InsufficientCredits
from localnet.solana_rpc import SolanaLocalnet
from pyclients.solana.escrow import BASE_UNITS_PER_CREDIT, errors as escrow_errors
from tests.facilitator.conftest import serve
from tests.facilitator.escrow_world import EscrowWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")
WORKER_BPS = 8_000


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def world() -> AsyncIterator[EscrowWorld]:
    async with SolanaLocalnet.start(port=0) as net:
        w = await EscrowWorld.start(net)
        yield w
        await w.client.transport.close()  # type: ignore[attr-defined]


@pytest_asyncio.fixture(loop_scope="session")
async def service(world: EscrowWorld, tmp_path: Path) -> AsyncIterator[Facilitator]:
    f = world.facilitator(tmp_path / "f.sqlite3")
    await f.start()
    assert f.escrow is not None and f.ledger.escrow is f.escrow
    yield f
    await f.close()


async def deposit(world: EscrowWorld, service: Facilitator, credits: int) -> Keypair:
    payer = world.new_wallet()
    await world.client.buy_credits(payer, credits)
    await service.escrow.indexer.poll()  # type: ignore[union-attr]
    return payer


async def onchain(world: EscrowWorld, payer: Keypair) -> tuple[int, int]:
    bal = await world.client.balance(payer.pubkey())
    return bal.available, bal.locked


async def test_an_onchain_deposit_shows_as_credits(world: EscrowWorld,
                                                   service: Facilitator) -> None:
    payer = await deposit(world, service, 300)
    who = str(payer.pubkey())
    assert (await service.ledger.balance(who)).credits == 300
    account = service.store.credit_account(who)
    assert account is not None and account.onchain == 300 and account.last_topup_at
    async with serve(service, manage_lifecycle=False) as url, httpx.AsyncClient() as http:
        r = await http.get(f"{url}/api/credits/balance", headers={"x-wallet-address": who})
        assert r.status_code == 200 and r.json()["credits"] == 300
    # polling again applies nothing new
    assert await service.escrow.indexer.poll() == 0  # type: ignore[union-attr]
    assert (await service.ledger.balance(who)).credits == 300


async def test_requests_draw_on_a_chunk_locked_ahead(world: EscrowWorld,
                                                     service: Facilitator) -> None:
    payer = await deposit(world, service, 1_000)
    who = str(payer.pubkey())
    await service.ledger.spend(who, 30, kind="inference", reference="r1")
    # the first request locked a chunk (200) on-chain; the next ones draw on it
    assert await onchain(world, payer) == (800, 200)
    for i in range(5):
        await service.ledger.spend(who, 20, kind="inference", reference=f"r{i + 2}")
    assert await onchain(world, payer) == (800, 200)
    [chunk] = service.store.chunks(wallet=who)
    assert (chunk.credits, chunk.used, chunk.status) == (200, 130, "open")
    assert (await service.ledger.balance(who)).credits == 870


async def test_batch_settlement_pays_worker_and_treasury_exactly(
        world: EscrowWorld, service: Facilitator) -> None:
    payers = [await deposit(world, service, 500) for _ in range(3)]
    used = [37, 120, 0]
    for payer, n in zip(payers, used, strict=True):
        if n:
            await service.ledger.spend(str(payer.pubkey()), n, kind="inference", reference=None)
    # a chunk nothing draws on
    assert await service.escrow.lock(str(payers[2].pubkey()), 1)  # type: ignore[union-attr]
    worker0, fees0 = await world.usdc(world.worker.pubkey()), await world.fees_owed()

    closed = await service.escrow.settle(everything=True)  # type: ignore[union-attr]
    assert closed == 3
    total = sum(used) * BASE_UNITS_PER_CREDIT
    worker_share = sum(used) * BASE_UNITS_PER_CREDIT * WORKER_BPS // 10_000
    assert await world.usdc(world.worker.pubkey()) - worker0 == worker_share
    assert await world.fees_owed() - fees0 == total - worker_share
    # one transaction settled both used chunks; the unused one was refunded
    chunks = {c.wallet: c for c in service.store.chunks(status=("settled", "refunded"))}
    settled = [chunks[str(p.pubkey())] for p in payers]
    assert settled[0].close_tx == settled[1].close_tx and settled[0].status == "settled"
    assert settled[2].status == "refunded" and settled[2].used == 0
    for payer, n in zip(payers, used, strict=True):
        credit = await world.client.credit_account(payer.pubkey())
        assert credit is not None
        assert (credit.available, credit.locked, credit.total_spent) == (500 - n, 0, n)
        await service.escrow.indexer.poll()  # type: ignore[union-attr]
        assert (await service.ledger.balance(str(payer.pubkey()))).credits == 500 - n


async def test_a_withdrawal_onchain_reduces_the_ledger(world: EscrowWorld,
                                                       service: Facilitator) -> None:
    payer = await deposit(world, service, 600)
    who = str(payer.pubkey())
    await service.ledger.spend(who, 50, kind="inference", reference=None)  # locks 200
    # locked credits cannot be withdrawn: the chain refuses, the ledger keeps them
    with pytest.raises(escrow_errors.InsufficientCredits):
        await world.client.withdraw(payer, 401)
    await world.client.withdraw(payer, 400)
    await service.escrow.indexer.poll()  # type: ignore[union-attr]
    assert (await service.ledger.balance(who)).credits == 150
    # what is left is the chunk's remainder: still served without a new lock
    await service.ledger.spend(who, 150, kind="inference", reference=None)
    with pytest.raises(InsufficientCredits):
        await service.ledger.spend(who, 1, kind="inference", reference=None)
    assert await onchain(world, payer) == (0, 200)


async def test_restart_and_reindex_count_nothing_twice(world: EscrowWorld,
                                                       tmp_path: Path) -> None:
    db = tmp_path / "restart.sqlite3"
    first = world.facilitator(db)
    await first.start()
    payer = await deposit(world, first, 700)
    who = str(payer.pubkey())
    await first.ledger.spend(who, 90, kind="inference", reference="a")
    await world.client.withdraw(payer, 100)
    await first.escrow.indexer.poll()  # type: ignore[union-attr]
    await first.close()  # settles the chunk (90 used)
    assert await onchain(world, payer) == (510, 0)

    again = world.facilitator(db)
    await again.start()
    assert (await again.ledger.balance(who)).credits == 510
    await again.escrow.indexer.reindex()  # type: ignore[union-attr]
    again.ledger.forget(who)
    assert (await again.ledger.balance(who)).credits == 510
    await again.close()

    # a fresh database rebuilds the same view from the chain alone
    fresh = world.facilitator(tmp_path / "fresh.sqlite3")
    await fresh.start()
    assert (await fresh.ledger.balance(who)).credits == 510
    await fresh.close()


# --- never beyond the lock ----------------------------------------------------------------
Wave = tuple[list[int], bool]  # concurrent request sizes, settle after the wave
Plan = tuple[int, list[Wave]]
PLANS = st.tuples(st.integers(100, 1_200),
                  st.lists(st.tuples(st.lists(st.integers(1, 250), min_size=1, max_size=6),
                                     st.booleans()), min_size=1, max_size=8))


async def test_never_serves_beyond_the_onchain_lock(world: EscrowWorld,
                                                    service: Facilitator) -> None:
    plans: list[Plan] = []

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck),
              database=None)
    @given(plan=PLANS)
    def collect(plan: Plan) -> None:
        plans.append(plan)

    collect()
    backing = service.escrow
    assert backing is not None
    for deposited, waves in plans:
        payer = await deposit(world, service, deposited)
        who = str(payer.pubkey())
        served = 0
        for sizes, settle in waves:
            results = await asyncio.gather(*(
                service.ledger.spend(who, n, kind="inference", reference=None) for n in sizes),
                return_exceptions=True)
            refused = []
            for n, res in zip(sizes, results, strict=True):
                if isinstance(res, InsufficientCredits):
                    refused.append(n)
                else:
                    assert not isinstance(res, BaseException), res
                    served += n
            # refused only when the wallet lacked the credits (what is left only shrinks)
            assert all(deposited - served < n for n in refused), (deposited, served, refused)
            credit = await world.client.credit_account(payer.pubkey())
            assert credit is not None
            # everything served and not yet settled is covered by our locks on-chain
            assert served - credit.total_spent <= credit.locked
            assert served <= deposited
            if settle:
                await backing.settle(everything=True)
        await backing.drain()  # a lock ahead may still be landing
        await backing.settle(everything=True)
        credit = await world.client.credit_account(payer.pubkey())
        assert credit is not None
        assert (credit.total_spent, credit.locked) == (served, 0)
        await backing.indexer.poll()
        assert (await service.ledger.balance(who)).credits == deposited - served


async def test_a_restart_after_a_crash_settles_what_was_served(world: EscrowWorld,
                                                                tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite3"
    f = world.facilitator(db)
    await f.start()
    payer = await deposit(world, f, 400)
    who = str(payer.pubkey())
    await f.ledger.spend(who, 70, kind="inference", reference=None)
    for task in f.escrow._loops:  # type: ignore[union-attr]  # killed: nothing settles
        task.cancel()
    await f.escrow.client.transport.close()  # type: ignore[union-attr]
    f.store.close()
    assert await onchain(world, payer) == (200, 200)

    again = world.facilitator(db)
    await again.start()  # settles the chunk the dead run left open
    credit = await world.client.credit_account(payer.pubkey())
    assert credit is not None and (credit.available, credit.locked, credit.total_spent) == \
        (330, 0, 70)
    assert (await again.ledger.balance(who)).credits == 330
    await again.close()


async def test_a_chunk_left_past_its_timeout_is_the_wallets_again(world: EscrowWorld,
                                                                  tmp_path: Path) -> None:
    """The facilitator dies with used credits unsettled; after the lock's
    timeout the wallet refunds it itself (job_escrow lets anyone): the ledger
    shows the credits back, the served ones unpaid. (Last: it warps the clock.)"""
    f = world.facilitator(tmp_path / "dead.sqlite3")
    await f.start()
    backing = f.escrow
    assert backing is not None
    payer = await deposit(world, f, 300)
    who = str(payer.pubkey())
    await f.ledger.spend(who, 40, kind="inference", reference=None)
    [chunk] = f.store.chunks(wallet=who)
    for task in backing._loops:  # the process is gone: nothing settles
        task.cancel()
    world.net.warp((await world.client.config(refresh=True)).job_timeout + 1)
    await world.client.refund_job(payer, payer.pubkey(), job_id=chunk.job_id)
    await backing.indexer.poll()
    f.ledger.forget(who)
    assert (await f.ledger.balance(who)).credits == 300
    [closed] = f.store.chunks(wallet=who, status=("refunded",))
    assert closed.used == 40 and closed.close_tx is not None
    assert await onchain(world, payer) == (300, 0)
    await f.close()
