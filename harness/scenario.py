"""The end-to-end scenario `gridpay demo` plays on the local grid.

1. operators stake SGL and their nodes join the grid;
2. a wallet buys 500 credits on Solana (job_escrow) and creates an API key;
3. five chat completions (one streamed), each locked, served, settled per token;
4. a job whose node dies mid-way is refunded in full;
5. x402 per call: USDC on Base, USDm on MegaETH, USD1 on BSC, USDC on Solana;
6. a dishonest node overstates its tokens, signs two receipts for one job,
   and is slashed with them;
7. the wallet withdraws its remaining credits;
then the conservation checks: every token accounted for across wallets,
vaults, workers and treasury.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from facilitator.gateway.pricing import credits_for
from harness.payer import X402Payer
from harness.report import USDC_PER_CREDIT, BalanceChange, Check, Report, Step
from harness.stack import PENALTY, TREASURY, Stack
from localnet.solana_chain import SGL_MINT, USDC_MINT, wallet
from localnet.solana_rpc.chain import keypair_from_seed
from pyclients.evm import abi
from pyclients.solana.common.token import associated_token_address

SGL = 10**6
STAKE = 60_000 * SGL
PROMPTS = (
    ("What is the capital of France?", 64, False),
    ("Write a haiku about GPUs.", 64, False),
    ("Name three prime numbers.", 48, True),
    ("Explain in one sentence what a credit is.", 64, False),
    ("Say hello in Spanish.", 32, False),
)
#: The honest nodes ask five times the suggested price (the top of the band),
#: so per-token costs show in whole credits.
PRICE_FACTOR = 5
AUDITOR = keypair_from_seed("auditor")
X402_CALLS = (("base", "USDC"), ("megaeth", "USDm"), ("bsc", "USD1"), ("solana", "USDC"))


@dataclass
class Ctx:
    stack: Stack
    report: Report
    http: httpx.AsyncClient
    progress: Callable[[str], None]
    api_key: str = ""
    charged: list[int] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CutStream:
    """What a streamed chat completion cut mid-way delivered."""

    status: int
    job_id: str
    chunks: int  #: content chunks read before the error event
    error: str  #: the error event's code ("" when the stream ended without one)


async def stream_and_cut(http: httpx.AsyncClient, body: dict[str, Any], api_key: str,
                         cut: Callable[[], None], *, after: int = 3) -> CutStream:
    """Streams a chat completion, calls ``cut`` (kill the node, drop the RPC…) once
    ``after`` chunks have arrived, and reads on to the error event the gateway sends."""
    chunks, error = 0, ""
    async with http.stream("POST", "/v1/chat/completions", json=body,
                           headers={"X-API-Key": api_key}) as r:
        job_id = r.headers.get("X-Gridpay-Job", "")
        async for line in r.aiter_lines():
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            chunk = json.loads(line[5:])
            if "error" in chunk:
                error = chunk["error"]["code"]
                break
            chunks += 1
            if chunks == after:
                cut()
    return CutStream(r.status_code, job_id, chunks, error)


def short_key(key: Pubkey | str) -> str:
    s = str(key)
    return f"{s[:4]}…{s[-4:]}"


async def play(stack: Stack, progress: Callable[[str], None] = print) -> Report:
    assert stack.model is not None
    report = Report(model=f"{stack.model.model} (sha256 {stack.model.sha256[:12]}…)")
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=600.0) as http:
        ctx = Ctx(stack, report, http, progress)
        start = await _snapshot(stack)
        for step in (stake_and_join, buy_credits, create_key, completions, node_dies, per_call,
                     dishonest_node, withdraw):
            progress(step.__doc__.splitlines()[0] if step.__doc__ else step.__name__)
            await step(ctx)
        await stack.gateway.idle()
        await conservation(ctx, start)
    return report


# --- the steps -------------------------------------------------------------------------------
async def stake_and_join(ctx: Ctx) -> None:
    """Operators stake SGL; their nodes join the grid."""
    st = ctx.stack
    for name in ("operator", "alice", "bob"):
        op = wallet(name)
        before = await st.sgl(op.pubkey())
        res = await st.staking.stake(op, STAKE)
        elig = await st.staking.may_serve(op.pubkey())
        ctx.report.steps.append(Step(
            f"{name} stakes 60,000 SGL", f"eligible: {elig.reason}", transactions=[
                str(res.signature)],
            balances=[BalanceChange(f"{name} ({short_key(op.pubkey())})", "SGL", 6, before,
                                    await st.sgl(op.pubkey()))], ok=elig.eligible))
    price = st.suggested_price() * PRICE_FACTOR
    await st.start_node("honest", "operator", price=price)
    providers = (await ctx.http.get("/v1/providers")).json()["data"]
    node = providers[0]
    ctx.report.steps.append(Step(
        "honest node joins the grid",
        f"{st.model.model} at {price:,} micro-credits/token (×{PRICE_FACTOR} the suggested "
        f"{st.suggested_price():,}); stake {node['stake'] // SGL:,} SGL",
        extra={"providers": providers}, ok=node["eligible"]))


async def buy_credits(ctx: Ctx) -> None:
    """A wallet buys 500 credits on Solana."""
    st = ctx.stack
    payer = wallet("payer")
    vault = st.escrow.program.vault_address(USDC_MINT)
    before = (await st.usdc(payer.pubkey()), await st.escrow.token_balance(vault))
    res = await st.escrow.buy_credits(payer, 500)
    bal = await st.escrow.balance(payer.pubkey())
    ctx.report.steps.append(Step(
        "wallet buys 500 credits (job_escrow deposit)", f"available {bal.available} credits",
        credits=500, usdc=500 * USDC_PER_CREDIT, transactions=[str(res.signature)],
        balances=[BalanceChange(f"payer ({short_key(payer.pubkey())})", "USDC", 6, before[0],
                                await st.usdc(payer.pubkey())),
                  BalanceChange("escrow vault", "USDC", 6, before[1],
                                await st.escrow.token_balance(vault))],
        ok=bal.available == 500))


async def create_api_key(http: httpx.AsyncClient, owner: Keypair, *, scope: str = "grid",
                         label: str | None = None) -> dict[str, Any]:
    """An API key of ``owner``'s Solana wallet: sign the challenge, get the key."""
    challenge = (await http.post("/v1/keys/challenge", json={
        "wallet": str(owner.pubkey()), "scope": scope})).json()
    signature = owner.sign_message(challenge["message"].encode())
    created = await http.post("/v1/keys", json={"nonce": challenge["nonce"],
                                                "signature": str(signature), "label": label})
    if created.status_code != 201:
        raise RuntimeError(f"key creation refused: {created.status_code} {created.text}")
    return created.json()


async def create_key(ctx: Ctx) -> None:
    """The wallet creates an API key by signing a challenge."""
    key = await create_api_key(ctx.http, wallet("payer"), label="demo")
    ctx.api_key = key["api_key"]
    account = (await ctx.http.get("/v1/account", headers={"X-API-Key": ctx.api_key})).json()
    ctx.report.steps.append(Step(
        "API key created (wallet signature)", f"key {key['key_id']} scope grid",
        extra={"key_id": key["key_id"], "account": account},
        ok=account["credits_remaining"] >= 0))


async def _chat(ctx: Ctx, prompt: str, max_tokens: int, stream: bool,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """One chat completion; (status, usage-or-error, job id)."""
    body = {"model": ctx.stack.model.model, "max_tokens": max_tokens, "temperature": 0,
            "messages": [{"role": "user", "content": prompt}]}
    headers = {"X-API-Key": ctx.api_key, **(headers or {})}
    if not stream:
        r = await ctx.http.post("/v1/chat/completions", json=body, headers=headers)
        data = r.json()
        return r.status_code, data.get("usage") or data, r.headers.get("X-Gridpay-Job", "")
    body |= {"stream": True, "stream_options": {"include_usage": True}}
    usage: dict[str, Any] = {}
    async with ctx.http.stream("POST", "/v1/chat/completions", json=body,
                               headers=headers) as r:
        job = r.headers.get("X-Gridpay-Job", "")
        async for line in r.aiter_lines():
            if line.startswith("data:") and line[5:].strip() != "[DONE]":
                chunk = json.loads(line[5:])
                usage = chunk.get("usage") or usage
        return r.status_code, usage, job


async def _job(ctx: Ctx, job: str) -> dict[str, Any]:
    await ctx.stack.gateway.idle()
    return (await ctx.http.get(f"/grid/jobs/{job}")).json()


async def completions(ctx: Ctx) -> None:
    """Five chat completions, one streamed, billed per token."""
    st = ctx.stack
    payer = wallet("payer").pubkey()
    for prompt, max_tokens, stream in PROMPTS:
        before = (await st.escrow.balance(payer)).available
        status, usage, job_id = await _chat(ctx, prompt, max_tokens, stream)
        job = await _job(ctx, job_id)
        after = (await st.escrow.balance(payer)).available
        ctx.charged.append(job["credits_charged"])
        ctx.jobs.append(job)
        exact = credits_for(job["completion_tokens"], job["price"])
        ok = (status == 200 and usage.get("completion_tokens") == job["completion_tokens"]
              and job["credits_charged"] == exact and before - after == exact
              and job["status"] == "settled" and job["receipt_check"] == "ok")
        ctx.report.steps.append(Step(
            f"chat{' (streamed)' if stream else ''}: {prompt}",
            f"{job['completion_tokens']} tokens × {job['price']:,} µcr = "
            f"{job['completion_tokens'] * job['price'] / 1e6:g} cr → {exact} charged; locked "
            f"{job['max_credits']}, returned {job['credits_returned']}; receipt "
            f"{job['receipt_check']}",
            tokens=job["completion_tokens"], credits=job["credits_charged"],
            usdc=job["credits_charged"] * USDC_PER_CREDIT,
            transactions=[job["lock_tx"], job["settle_tx"]],
            balances=[BalanceChange("payer credits", "credits", 0, before, after)],
            extra={"job": job, "usage": usage}, ok=ok))


async def node_dies(ctx: Ctx) -> None:
    """A job whose node dies mid-way is refunded in full."""
    st = ctx.stack
    payer = wallet("payer").pubkey()
    honest = st.nodes["honest"]
    await ctx.http.post(f"{honest.url}/gridpay/grid", json={"on_grid": False})
    doomed = await st.start_node("doomed", "alice", price=st.suggested_price() * PRICE_FACTOR)
    before = (await st.escrow.balance(payer)).available
    body = {"model": st.model.model, "max_tokens": 1000, "stream": True, "temperature": 0,
            "messages": [{"role": "user", "content": "Tell me a very long story."}]}
    cut = await stream_and_cut(ctx.http, body, ctx.api_key, doomed.kill)
    job = await _job(ctx, cut.job_id)
    after = (await st.escrow.balance(payer)).available
    await ctx.http.post(f"{honest.url}/gridpay/grid", json={"on_grid": True})
    ctx.report.steps.append(Step(
        "node dies mid-stream: refunded in full",
        f"killed after {cut.chunks} chunks ({cut.error}); locked {job['max_credits']}, charged "
        f"{job['credits_charged']}, returned {job['credits_returned']}",
        tokens=0, credits=0, usdc=0,
        transactions=[t for t in (job["lock_tx"], job["refund_tx"]) if t],
        balances=[BalanceChange("payer credits", "credits", 0, before, after)],
        extra={"job": job},
        ok=job["status"] == "refunded" and before == after and job["refund_tx"] is not None))


async def per_call(ctx: Ctx) -> None:
    """x402 per call on Base, MegaETH, BSC and Solana."""
    st = ctx.stack
    payer = X402Payer(st.local_evm, st.solana.url)
    for chain, symbol in X402_CALLS:
        if chain == "solana":
            signer: Any = wallet("alice")
            who = str(signer.pubkey())
            decimals = 6
            read = lambda a: st.usdc(Pubkey.from_string(a))  # noqa: E731
            treasury = str(TREASURY.pubkey())
        else:
            dep = st.local_evm.deployments[chain]
            signer = dep.dev_account(1)
            who, decimals = signer.address, dep.token.decimals
            evm = st.local_evm.chains[chain]
            read = lambda a, evm=evm, dep=dep: evm.read(dep.token.address, abi.BALANCE_OF, a)  # noqa: E731
            treasury = next(n.treasury for n in st.networks if n.network == dep.network)
        network = next(n.network for n in st.networks
                       if (n.v1_name == chain) or (chain == "solana" and
                                                   n.network.startswith("solana:")))
        before = (await read(who), await read(treasury))
        ledger_before = (await st.facilitator.ledger.balance(_canonical(who))).credits
        body = {"model": st.model.model, "max_tokens": 100, "temperature": 0,
                "messages": [{"role": "user", "content": f"Say something nice about {chain}."}]}
        call = await payer.call(ctx.http, body, network, signer)
        gp = call.body.get("gridpay", {})
        job = await _job(ctx, gp["job"]) if gp.get("job") else {}
        amount = int(call.requirement["amount"])
        after = (await read(who), await read(treasury))
        ledger_after = (await st.facilitator.ledger.balance(_canonical(who))).credits
        change = call.settlement.get("extra", {}).get("gridpay", {}).get("creditsReturned")
        ok = (call.status == 200 and call.settlement.get("success") is True
              and before[0] - after[0] == amount and after[1] - before[1] == amount
              and ledger_after - ledger_before == job.get("credits_returned")
              and change == job.get("credits_returned"))
        ctx.report.steps.append(Step(
            f"x402 per call: {symbol} on {chain}",
            f"paid {amount} base units for up to 100 tokens; used "
            f"{job.get('completion_tokens')} tokens = {job.get('credits_charged')} cr; "
            f"{job.get('credits_returned')} cr back as credits",
            tokens=job.get("completion_tokens"), credits=job.get("credits_charged"),
            usdc=(job.get("credits_charged") or 0) * USDC_PER_CREDIT,
            transactions=[call.settlement.get("transaction", "")],
            balances=[BalanceChange(f"payer {who[:10]}", symbol, decimals, before[0], after[0]),
                      BalanceChange("treasury", symbol, decimals, before[1], after[1]),
                      BalanceChange("payer credits (ledger)", "credits", 0, ledger_before,
                                    ledger_after)],
            extra={"job": job, "requirement": call.requirement, "status": call.status,
                   "answer": call.body if call.status != 200 else None,
                   "settlement": call.settlement}, ok=ok))


def _canonical(who: str) -> str:
    from facilitator.credits.keys import normalize_wallet

    return normalize_wallet(who)[1]


async def dishonest_node(ctx: Ctx) -> None:
    """A dishonest node overstates its tokens and is slashed on its own receipts."""
    st = ctx.stack
    bob = wallet("bob")
    honest = st.nodes["honest"]
    await ctx.http.post(f"{honest.url}/gridpay/grid", json={"on_grid": False})
    await st.start_node("dishonest", "bob", price=st.suggested_price() * PRICE_FACTOR, inflate=7)
    status, usage, job_id = await _chat(ctx, "What is two plus two?", 40, False)
    job = await _job(ctx, job_id)
    evidence = [e for e in (await ctx.http.get("/grid/evidence")).json()["evidence"]
                if e["job"] == job_id]
    step = Step("dishonest node: overstated tokens, slashed",
                tokens=job.get("completion_tokens"), credits=job.get("credits_charged"),
                usdc=(job.get("credits_charged") or 0) * USDC_PER_CREDIT,
                transactions=[job.get("lock_tx") or "", job.get("settle_tx") or ""],
                extra={"job": job, "evidence": evidence})
    if not evidence or not evidence[0]["proof"]:
        step.ok, step.detail = False, f"no slashable evidence: {evidence}"
        ctx.report.steps.append(step)
        return
    from facilitator.gateway.protocol import decode_receipt

    a, b = (decode_receipt(r) for r in evidence[0]["receipts"])
    st.solana.chain.airdrop(AUDITOR.pubkey(), 10**9)
    position = await st.staking.position(bob.pubkey())
    cfg = await st.staking.config(refresh=True)
    penalty_before = await st.escrow.token_balance(cfg.penalty_vault)
    res = await st.staking.slash(AUDITOR, a, b)
    after = await st.staking.position(bob.pubkey())
    penalty_after = await st.escrow.token_balance(cfg.penalty_vault)
    providers = {p["operator"]: p for p in (await ctx.http.get("/v1/providers")).json()["data"]}
    await ctx.http.post(f"{honest.url}/gridpay/grid", json={"on_grid": True})
    step.detail = (f"billed {job['completion_tokens']} counted tokens, node claimed "
                   f"{a.receipt.completion_tokens} then signed {b.receipt.completion_tokens}; "
                   f"slashed {(position.staked - after.staked) / SGL:,.0f} SGL; node "
                   f"quarantined: {providers[str(bob.pubkey())]['quarantined'] is not None}")
    step.transactions.append(str(res.signature))
    step.balances = [
        BalanceChange("bob stake", "SGL", 6, position.staked, after.staked),
        BalanceChange("penalty vault", "SGL", 6, penalty_before, penalty_after)]
    step.ok = (status == 200 and usage["completion_tokens"] == job["completion_tokens"]
               and a.receipt.completion_tokens == job["completion_tokens"] + 7
               and penalty_after - penalty_before == position.staked - after.staked > 0
               and not providers[str(bob.pubkey())]["eligible"])
    ctx.report.steps.append(step)


async def withdraw(ctx: Ctx) -> None:
    """The wallet withdraws its remaining credits as USDC."""
    st = ctx.stack
    payer = wallet("payer")
    bal = await st.escrow.balance(payer.pubkey())
    before = await st.usdc(payer.pubkey())
    res = await st.escrow.withdraw(payer)
    after = await st.usdc(payer.pubkey())
    left = await st.escrow.balance(payer.pubkey())
    ctx.report.steps.append(Step(
        "wallet withdraws its remaining credits", f"{bal.available} credits → USDC",
        credits=bal.available, usdc=bal.available * USDC_PER_CREDIT,
        transactions=[str(res.signature)],
        balances=[BalanceChange("payer", "USDC", 6, before, after),
                  BalanceChange("payer credits", "credits", 0, bal.available, left.available)],
        ok=after - before == bal.available * USDC_PER_CREDIT and left.available == 0))


# --- conservation ------------------------------------------------------------------------------
SOLANA_HOLDERS = ("payer", "operator", "alice", "bob")


async def _snapshot(stack: Stack) -> dict[str, Any]:
    out: dict[str, Any] = {"usdc": {}, "sgl": {}, "evm": {}}
    for name in SOLANA_HOLDERS:
        key = wallet(name).pubkey()
        out["usdc"][name] = await stack.usdc(key)
        out["sgl"][name] = await stack.sgl(key)
    out["usdc"]["treasury"] = await stack.usdc(TREASURY.pubkey())
    out["usdc"]["escrow vault"] = await stack.escrow.token_balance(
        stack.escrow.program.vault_address(USDC_MINT))
    out["sgl"]["stake vault"] = await stack.escrow.token_balance(
        stack.staking.program.vault_address(SGL_MINT))
    out["sgl"]["penalty vault"] = await stack.escrow.token_balance(
        associated_token_address(PENALTY.pubkey(), SGL_MINT))
    if stack.local_evm is not None:
        for net in stack.networks:
            if not net.network.startswith("eip155:"):
                continue
            name = net.v1_name
            dep = stack.local_evm.deployments[name]
            chain = stack.local_evm.chains[name]
            holders = [dep.dev_account(1).address, net.treasury]
            out["evm"][name] = {h: await chain.read(dep.token.address, abi.BALANCE_OF, h)
                                for h in holders}
    return out


async def conservation(ctx: Ctx, start: dict[str, Any]) -> None:
    st, checks = ctx.stack, ctx.report.checks
    end = await _snapshot(st)
    for asset in ("usdc", "sgl"):
        a, b = sum(start[asset].values()), sum(end[asset].values())
        moves = {k: end[asset][k] - start[asset][k] for k in end[asset]
                 if end[asset][k] != start[asset][k]}
        checks.append(Check(f"Solana {asset.upper()} conserved across wallets, vaults, "
                            "workers, treasury", a == b,
                            f"total {a} → {b}; moves {moves}"))
    for name, holders in end["evm"].items():
        a, b = sum(start["evm"][name].values()), sum(holders.values())
        checks.append(Check(f"{name}: payer + treasury conserved", a == b, f"{a} → {b}"))
    cfg = await st.escrow.config(refresh=True)
    payer = await st.escrow.credit_account(wallet("payer").pubkey())
    vault = end["usdc"]["escrow vault"]
    held = (payer.available + payer.locked) * USDC_PER_CREDIT + cfg.fees_owed if payer else 0
    checks.append(Check("escrow vault = credits held + treasury fees owed", vault == held,
                        f"vault {vault}, credits {held - cfg.fees_owed}, fees {cfg.fees_owed}"))
    jobs = [j for j in ctx.jobs]
    charged = sum(j["credits_charged"] for j in jobs)
    if payer is not None:
        checks.append(Check("credits bought = spent + withdrawn + refunded-to-balance",
                            payer.total_deposited == payer.total_spent + payer.total_withdrawn
                            + payer.available + payer.locked,
                            f"deposited {payer.total_deposited}, spent {payer.total_spent}, "
                            f"withdrawn {payer.total_withdrawn}"))
    settled = [j for j in st.gateway.jobs.values() if j.source == "escrow" and
               j.status == "settled"]
    split = sum((j.worker_amount or 0) + (j.treasury_amount or 0) for j in settled)
    billed = sum(j.credits_charged for j in settled) * USDC_PER_CREDIT
    checks.append(Check("worker share + treasury fee = billed credits (escrow jobs)",
                        split == billed, f"{split} = {billed} USDC base units"))
    exact = all(j.credits_charged == credits_for(j.completion_tokens or 0, j.price)
                for j in st.gateway.jobs.values() if j.status == "settled")
    checks.append(Check("every settled job billed ceil(tokens × price) credits", exact,
                        f"{len([j for j in st.gateway.jobs.values() if j.status == 'settled'])}"
                        f" settled jobs, {charged} credits on the five completions"))
