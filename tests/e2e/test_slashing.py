"""An operator cannot take its stake out from under a proof: the receipts a
dishonest node signed, collected by the gateway, slash it through pyclients'
StakingClient even after it has asked to unstake everything (the cooldown)."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from facilitator.gateway.protocol import decode_receipt
from harness.stack import Stack
from localnet.solana_chain import wallet
from pyclients.solana.staking import errors as staking_errors
from tests.e2e.conftest import STAKE, api_key, body, only_on_grid, staked

pytestmark = pytest.mark.asyncio(loop_scope="module")
INFLATE = 7


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def evidence(stack: Stack, http) -> dict:  # noqa: ANN001
    """One credits job served by a node that overstates its tokens by INFLATE,
    and what the gateway collected about it."""
    await staked(stack, "bob")
    await stack.start_node("dishonest", "bob", price=stack.suggested_price(),
                           inflate=INFLATE)
    await only_on_grid(http, stack, "dishonest")
    await stack.escrow.buy_credits(wallet("payer"), 100)
    key = await api_key(http, wallet("payer"))
    r = await http.post("/v1/chat/completions", json=body(stack, 40), headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    job_id = r.json()["gridpay"]["job"]
    await stack.gateway.idle()
    found = [e for e in (await http.get("/grid/evidence")).json()["evidence"]
             if e["job"] == job_id]
    assert len(found) == 1 and found[0]["proof"] is True, found
    return found[0]


async def test_a_proof_slashes_stake_in_cooldown(stack, http, evidence) -> None:
    bob, slasher = wallet("bob"), wallet("alice")
    a, b = (decode_receipt(r) for r in evidence["receipts"])
    assert a.receipt.completion_tokens == b.receipt.completion_tokens + INFLATE == 40 + INFLATE
    # the operator, caught, asks for all its stake back once the receipts are signed
    signed = max(a.receipt.signed_at, b.receipt.signed_at)
    while await stack.escrow.transport.unix_timestamp() < signed:
        await asyncio.sleep(0.1)
    await stack.staking.request_unstake(bob, STAKE)
    position = await stack.staking.position(bob.pubkey())
    assert (position.staked, position.unstaking) == (0, STAKE)
    assert a.receipt.signed_at <= position.unstake_requested_at
    assert (await stack.staking.may_serve(bob.pubkey())).reason == "in_cooldown"

    cfg = await stack.staking.config(refresh=True)
    penalty_before = await stack.escrow.token_balance(cfg.penalty_vault)
    await stack.staking.slash(slasher, a, b)
    cut = STAKE * cfg.slash_cap_bps // 10_000
    after = await stack.staking.position(bob.pubkey())
    assert (after.staked, after.unstaking, after.total_slashed) == (0, STAKE - cut, cut)
    assert after.unstake_available_at == position.unstake_available_at  # cooldown unchanged
    assert await stack.escrow.token_balance(cfg.penalty_vault) == penalty_before + cut
    record = await stack.staking.proof_record(bob.pubkey(), bytes(a.receipt.job_id))
    assert (record.slasher, record.amount) == (slasher.pubkey(), cut)

    # the same proof does not slash twice, whoever submits it
    with pytest.raises(staking_errors.ProofAlreadyUsed):
        await stack.staking.slash(wallet("operator"), a, b)
    assert await stack.staking.position(bob.pubkey()) == after
    assert await stack.escrow.token_balance(cfg.penalty_vault) == penalty_before + cut

    # after the cooldown the operator withdraws what the slash left
    sgl_before = await stack.sgl(bob.pubkey())
    stack.solana.chain.warp(after.unstake_available_at
                            - await stack.escrow.transport.unix_timestamp() + 1)
    await stack.staking.withdraw_unstaked(bob)
    assert await stack.sgl(bob.pubkey()) == sgl_before + STAKE - cut
    assert await stack.staking.position(bob.pubkey()) is None or \
        (await stack.staking.position(bob.pubkey())).unstaking == 0
