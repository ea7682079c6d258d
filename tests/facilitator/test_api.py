"""The HTTP API beyond x402: API keys proven by a wallet signature (EVM and
Solana), the account and the read-only balance, credit.low webhooks, limits,
operations endpoints."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi import FastAPI, Request, Response
from solders.keypair import Keypair

from facilitator.credits.webhooks import verify_signature
from facilitator.service import Facilitator
from tests.facilitator.conftest import make_settings, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def api(tmp_path: Path) -> AsyncIterator[tuple[Facilitator, httpx.AsyncClient]]:
    service = Facilitator.create(make_settings(), [],
                                 database_url=f"sqlite:///{tmp_path / 'api.sqlite3'}")
    async with serve(service) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield service, http


def sign_evm(account: Any, message: str) -> str:
    return "0x" + bytes(account.sign_message(encode_defunct(text=message)).signature).hex()


def sign_solana(keypair: Keypair, message: str) -> str:
    return str(keypair.sign_message(message.encode()))


async def new_key(http: httpx.AsyncClient, wallet: str, signer: Any, scope: str = "grid") -> dict:
    challenge = (await http.post("/v1/keys/challenge",
                                 json={"wallet": wallet, "scope": scope})).json()
    r = await http.post("/v1/keys", json={"nonce": challenge["nonce"],
                                          "signature": signer(challenge["message"]),
                                          "label": "laptop"})
    assert r.status_code == 201, r.text
    return r.json()


# --- keys ------------------------------------------------------------------------------
async def test_evm_wallet_creates_a_key_and_reads_its_account(api: Any) -> None:
    service, http = api
    owner = Account.create()
    key = await new_key(http, owner.address.lower(), lambda m: sign_evm(owner, m))
    assert key["wallet"] == owner.address and key["scope"] == "grid"
    assert key["api_key"].startswith(f"gp_{key['key_id']}_")
    await service.ledger.add(owner.address, 250, kind="topup", reference="t1", topup=True)
    r = await http.get("/v1/account", headers={"X-API-Key": key["api_key"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["wallet"], body["credits_remaining"], body["usdc_value"]) == \
        (owner.address, 250, "2.500000")
    assert body["last_topup_at"] is not None


async def test_solana_wallet_creates_a_key_with_ed25519(api: Any) -> None:
    _, http = api
    owner = Keypair()
    key = await new_key(http, str(owner.pubkey()), lambda m: sign_solana(owner, m))
    r = await http.get("/v1/account", headers={"X-API-Key": key["api_key"]})
    assert r.status_code == 200 and r.json()["wallet"] == str(owner.pubkey())


@pytest.mark.parametrize("family", ["evm", "solana"])
async def test_signature_of_another_wallet_is_refused_and_uses_up_the_challenge(
        family: str, api: Any) -> None:
    service, http = api
    if family == "evm":
        owner, thief = Account.create(), Account.create()
        wallet, good, bad = owner.address, (lambda m: sign_evm(owner, m)), \
            (lambda m: sign_evm(thief, m))
    else:
        owner, thief = Keypair(), Keypair()
        wallet, good, bad = str(owner.pubkey()), (lambda m: sign_solana(owner, m)), \
            (lambda m: sign_solana(thief, m))
    challenge = (await http.post("/v1/keys/challenge",
                                 json={"wallet": wallet, "scope": "grid"})).json()
    r = await http.post("/v1/keys", json={"nonce": challenge["nonce"],
                                          "signature": bad(challenge["message"])})
    assert (r.status_code, r.json()["error"]) == (401, "invalid_signature")
    r = await http.post("/v1/keys", json={"nonce": challenge["nonce"],
                                          "signature": good(challenge["message"])})
    assert (r.status_code, r.json()["error"]) == (401, "invalid_challenge")
    r = await http.post("/v1/keys", json={"nonce": challenge["nonce"], "signature": "0xzz"})
    assert r.status_code == 401
    assert service.store.api_keys_of(wallet) == []


async def test_a_signed_challenge_makes_one_key(api: Any) -> None:
    _, http = api
    owner = Account.create()
    challenge = (await http.post("/v1/keys/challenge",
                                 json={"wallet": owner.address, "scope": "grid"})).json()
    sig = sign_evm(owner, challenge["message"])
    results = await asyncio.gather(*(http.post("/v1/keys", json={"nonce": challenge["nonce"],
                                                                 "signature": sig})
                                     for _ in range(5)))
    assert sorted(r.status_code for r in results) == [201, 401, 401, 401, 401]


async def test_expired_challenge_is_refused(tmp_path: Path) -> None:
    service = Facilitator.create(make_settings(challenge_ttl_seconds=0), [],
                                 database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    owner = Account.create()
    async with serve(service) as url, httpx.AsyncClient(base_url=url) as http:
        c = (await http.post("/v1/keys/challenge",
                             json={"wallet": owner.address, "scope": "grid"})).json()
        r = await http.post("/v1/keys", json={"nonce": c["nonce"],
                                              "signature": sign_evm(owner, c["message"])})
    assert (r.status_code, r.json()["error"]) == (401, "invalid_challenge")


async def test_revoked_key_is_refused(api: Any) -> None:
    _, http = api
    owner = Account.create()
    sign = lambda m: sign_evm(owner, m)  # noqa: E731
    first, second = await new_key(http, owner.address, sign), await new_key(http, owner.address,
                                                                              sign)
    h1, h2 = {"X-API-Key": first["api_key"]}, {"X-API-Key": second["api_key"]}
    listed = (await http.get("/v1/keys", headers=h1)).json()
    assert [k["key_id"] for k in listed] == [first["key_id"], second["key_id"]]
    assert all("api_key" not in k for k in listed)
    assert (await http.delete(f"/v1/keys/{first['key_id']}", headers=h2)).status_code == 204
    r = await http.get("/v1/account", headers=h1)
    assert (r.status_code, r.json()["error"]) == (401, "revoked_api_key")
    assert (await http.get("/v1/account", headers=h2)).status_code == 200
    assert (await http.delete(f"/v1/keys/{first['key_id']}", headers=h2)).status_code == 404


async def test_another_wallet_cannot_revoke_my_key(api: Any) -> None:
    _, http = api
    me, other = Account.create(), Account.create()
    mine = await new_key(http, me.address, lambda m: sign_evm(me, m))
    theirs = await new_key(http, other.address, lambda m: sign_evm(other, m))
    r = await http.delete(f"/v1/keys/{mine['key_id']}", headers={"X-API-Key": theirs["api_key"]})
    assert r.status_code == 404
    assert (await http.get("/v1/account", headers={"X-API-Key": mine["api_key"]})).status_code \
        == 200


async def test_keys_are_stored_hashed_and_never_logged(api: Any, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    service, http = api
    owner = Account.create()
    with caplog.at_level(logging.DEBUG):
        key = await new_key(http, owner.address, lambda m: sign_evm(owner, m))
        await http.get("/v1/account", headers={"X-API-Key": key["api_key"]})
    secret = key["api_key"].split("_", 2)[2]
    record = service.store.get_api_key(key["key_id"])
    assert record.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    database = Path(service.store.engine.url.database)
    for path in [database, *database.parent.glob(database.name + "-*")]:
        assert secret.encode() not in path.read_bytes()
    assert secret not in caplog.text


@pytest.mark.parametrize("presented", [None, "", "gp_nothex_x", "gp_0123456789abcdef_" + "A" * 43,
                                       "Bearer something"])
async def test_unknown_or_malformed_keys_are_refused(api: Any, presented: str | None) -> None:
    _, http = api
    headers = {} if presented is None else {"X-API-Key": presented}
    r = await http.get("/v1/account", headers=headers)
    assert (r.status_code, r.json()["error"]) == (401, "invalid_api_key")


@pytest.mark.parametrize(("payload", "error"), [
    ({"wallet": "0x1234", "scope": "grid"}, "invalid_wallet"),
    ({"wallet": "not-a-key", "scope": "grid"}, "invalid_wallet"),
    ({"wallet": "0x" + "a" * 40, "scope": "root"}, "invalid_scope"),
    ({"wallet": "0x" + "a" * 40}, "invalid_request"),
])
async def test_bad_challenge_requests_name_the_problem(api: Any, payload: dict,
                                                       error: str) -> None:
    _, http = api
    r = await http.post("/v1/keys/challenge", json=payload)
    assert (r.status_code, r.json()["error"]) == (400, error)


# --- balances ---------------------------------------------------------------------------
async def test_wallet_balance_reads_and_never_spends(api: Any) -> None:
    service, http = api
    wallet = Account.create().address
    await service.ledger.add(wallet, 4500, kind="topup", reference=None)
    for _ in range(20):
        r = await http.get("/api/credits/balance", params={"endpoint": "chat"},
                           headers={"x-wallet-address": wallet.lower()})
        assert r.json() == {"credits": 4500, "endpoint": "chat"}
    assert [e.delta for e in service.store.credit_entries(wallet)] == [4500]
    r = await http.get("/api/credits/balance", headers={"x-wallet-address": "0xdead"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_wallet")
    r = await http.get("/api/credits/balance")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


# --- webhooks ------------------------------------------------------------------------------
@pytest_asyncio.fixture(loop_scope="session")
async def receiver() -> AsyncIterator[tuple[str, list[tuple[dict, bytes]]]]:
    """A webhook receiver that answers 500 twice, then 200."""
    got: list[tuple[dict, bytes]] = []
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        got.append((dict(request.headers), await request.body()))
        return Response(status_code=500 if len(got) <= 2 else 200)

    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets (else +40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook", got
    server.should_exit = True
    await task


async def test_credit_low_webhook_is_signed_retried_and_logged(receiver: Any,
                                                                tmp_path: Path) -> None:
    url, got = receiver
    secret_file = tmp_path / "webhook.key"
    secret_file.write_bytes(b"s3cret-webhook-key\n")
    service = Facilitator.create(
        make_settings(webhook_url=url, webhook_secret_file=secret_file, credit_low_threshold=100),
        [], database_url=f"sqlite:///{tmp_path / 'hooks.sqlite3'}")
    await service.start()
    try:
        await service.ledger.add("0xabc", 150, kind="topup", reference=None)
        await service.ledger.spend("0xabc", 40, kind="inference", reference="j1")  # 110: above
        await service.ledger.spend("0xabc", 20, kind="inference", reference="j2")  # 90: crosses
        await service.ledger.spend("0xabc", 5, kind="inference", reference="j3")  # already low
        for _ in range(100):
            [delivery] = service.store.webhooks("credit.low")
            if delivery.status != "pending":
                break
            await asyncio.sleep(0.1)
    finally:
        await service.close()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert len(got) == 3
    headers, raw = got[-1]
    assert json.loads(raw)["data"] == {"wallet": "0xabc", "credits": 90, "threshold": 100}
    assert headers["x-gridpay-event"] == "credit.low"
    assert verify_signature(b"s3cret-webhook-key", headers["x-gridpay-signature"], raw)
    assert not verify_signature(b"wrong", headers["x-gridpay-signature"], raw)
    assert not verify_signature(b"s3cret-webhook-key", headers["x-gridpay-signature"], raw + b" ")
    # every attempt carries the same delivery id, so the receiver can drop repeats
    assert len({h["x-gridpay-delivery"] for h, _ in got}) == 1


# --- limits and operations -------------------------------------------------------------------
async def test_oversized_body_is_refused(api: Any) -> None:
    _, http = api
    r = await http.post("/verify", content=b"{" + b" " * 70_000 + b"}",
                        headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["error"]) == (413, "request_too_large")


async def test_rate_limit_per_key(tmp_path: Path) -> None:
    service = Facilitator.create(make_settings(rate_limit_per_minute=5), [],
                                 database_url=f"sqlite:///{tmp_path / 'rl.sqlite3'}")
    async with serve(service) as url, httpx.AsyncClient(base_url=url) as http:
        codes = [(await http.get("/supported", headers={"X-API-Key": "k1"})).status_code
                 for _ in range(6)]
        other = (await http.get("/supported", headers={"X-API-Key": "k2"})).status_code
        limited = await http.get("/supported", headers={"X-API-Key": "k1"})
    assert codes == [200] * 5 + [429] and other == 200
    assert int(limited.headers["retry-after"]) >= 1


async def test_health_readiness_and_metrics(api: Any) -> None:
    _, http = api
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    assert (await http.get("/readyz")).json() == {"status": "ready"}
    await http.get("/supported")
    text = (await http.get("/metrics")).text
    assert 'gridpay_http_requests_total{route="/supported",status="200"}' in text
    assert "gridpay_http_request_seconds_bucket" in text
