"""The clients' EIP-712 hashing, domains and ABI agree with the reference encoder
(eth-account), the contracts' own view functions and the compiled ABI."""

from __future__ import annotations

import os

import pytest
from eth_account.messages import encode_typed_data

from pyclients.evm import abi
from pyclients.evm.eip3009 import Authorization
from pyclients.evm.errors import DomainUnavailable
from pyclients.evm.permit import PaymentIntent
from tests.evm.conftest import Env

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOMAIN_SEPARATOR = abi.Function("DOMAIN_SEPARATOR()", ("bytes32",))
HASH_INTENT = abi.Function(f"hashIntent({abi.INTENT_TUPLE})", ("bytes32",))

EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def reference_digest(domain, primary: str, fields: list[tuple[str, str]], message: dict) -> bytes:  # noqa: ANN001
    typed = {
        "types": {
            "EIP712Domain": EIP712_DOMAIN_TYPE,
            primary: [{"name": n, "type": t} for n, t in fields],
        },
        "primaryType": primary,
        "domain": domain.as_typed_data(),
        "message": message,
    }
    signable = encode_typed_data(full_message=typed)
    from eth_utils import keccak

    return keccak(b"\x19" + signable.version + signable.header + signable.body)


async def test_domain_is_read_from_the_chain(env: Env) -> None:
    domain = await env.chain.domain(env.token)
    assert domain.verifying_contract == env.token
    assert domain.chain_id == await env.chain.chain_id()
    assert domain.name == env.dep.token.name and domain.version == env.dep.token.version
    assert domain.separator == await env.chain.read(env.token, DOMAIN_SEPARATOR)


async def test_no_domain_at_an_address_without_a_contract(fast_env: Env) -> None:
    with pytest.raises(DomainUnavailable, match="no usable EIP-712 domain"):
        await fast_env.chain.domain(fast_env.stranger.address)


async def test_authorization_digest_matches_eth_account(fast_env: Env) -> None:
    env = fast_env
    domain = await env.chain.domain(env.token)
    a = Authorization(env.payer.address, env.payee.address, 12345, 1, 2**40, os.urandom(32))
    from pyclients.evm.eip3009 import Eip3009

    ours = Eip3009(env.chain, env.token, domain).digest(a)
    theirs = reference_digest(
        domain,
        "TransferWithAuthorization",
        [
            ("from", "address"),
            ("to", "address"),
            ("value", "uint256"),
            ("validAfter", "uint256"),
            ("validBefore", "uint256"),
            ("nonce", "bytes32"),
        ],
        {
            "from": a.from_,
            "to": a.to,
            "value": a.value,
            "validAfter": a.valid_after,
            "validBefore": a.valid_before,
            "nonce": a.nonce,
        },
    )
    assert ours == theirs


async def test_permit_and_intent_digests_match_eth_account_and_the_contract(
    fast_permit_env: Env,
) -> None:
    env = fast_permit_env
    path = env.path
    permit = path.permit_digest(env.payer.address, 777, 3, 2**33)
    assert permit == reference_digest(
        path.token_domain,
        "Permit",
        [
            ("owner", "address"),
            ("spender", "address"),
            ("value", "uint256"),
            ("nonce", "uint256"),
            ("deadline", "uint256"),
        ],
        {
            "owner": env.payer.address,
            "spender": path.settlement,
            "value": 777,
            "nonce": 3,
            "deadline": 2**33,
        },
    )
    intent = PaymentIntent(env.token, env.payer.address, env.payee.address, 5, 6, 7, os.urandom(32))
    ours = path.intent_digest(intent)
    assert ours == reference_digest(
        path.settlement_domain,
        "PaymentIntent",
        [
            ("token", "address"),
            ("from", "address"),
            ("to", "address"),
            ("value", "uint256"),
            ("validAfter", "uint256"),
            ("validBefore", "uint256"),
            ("nonce", "bytes32"),
        ],
        {
            "token": intent.token,
            "from": intent.from_,
            "to": intent.to,
            "value": 5,
            "validAfter": 6,
            "validBefore": 7,
            "nonce": intent.nonce,
        },
    )
    assert ours == await env.chain.read(path.settlement, HASH_INTENT, intent.as_tuple())
