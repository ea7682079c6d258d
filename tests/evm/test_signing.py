"""The clients' EIP-712 hashing, domains and ABI agree with the reference encoder
(eth-account over full typed-data messages, as tests/contracts signs), the
contracts' own view functions and the compiled ABI."""

from __future__ import annotations

import os

import pytest

from pyclients.evm import abi
from pyclients.evm.eip3009 import Authorization
from pyclients.evm.errors import DomainUnavailable
from pyclients.evm.permit import PaymentIntent
from tests.contracts import signing
from tests.contracts.signing import Domain
from tests.evm.conftest import Env

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOMAIN_SEPARATOR = abi.Function("DOMAIN_SEPARATOR()", ("bytes32",))
HASH_INTENT = abi.Function(f"hashIntent({abi.INTENT_TUPLE})", ("bytes32",))


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
    assert ours == signing.Authorization.like(a).digest(Domain.like(domain))


async def test_permit_and_intent_digests_match_eth_account_and_the_contract(
    fast_permit_env: Env,
) -> None:
    env = fast_permit_env
    path = env.path
    permit = path.permit_digest(env.payer.address, 777, 3, 2**33)
    assert permit == signing.Permit(env.payer.address, path.settlement, 777, 3, 2**33).digest(
        Domain.like(path.token_domain)
    )
    intent = PaymentIntent(env.token, env.payer.address, env.payee.address, 5, 6, 7, os.urandom(32))
    ours = path.intent_digest(intent)
    assert ours == signing.Intent.like(intent).digest(Domain.like(path.settlement_domain))
    assert ours == await env.chain.read(path.settlement, HASH_INTENT, intent.as_tuple())
