"""EIP-712 domains: EIP-5267 `eip712Domain()`, `DOMAIN_SEPARATOR()`, the cache rebuilt
when the chain id or the contract's address changes (a token placed at its mainnet
address with setCode)."""

from __future__ import annotations

import pytest
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from tests.contracts.chain import reverts
from tests.contracts.conftest import CHAIN_ID, TOKENS, World
from tests.contracts.signing import (
    Authorization,
    Domain,
    encode_type,
    random_nonce,
    sign_permit,
)
from tests.contracts.test_eip3009 import TRANSFER_VRS
from toolchain.solc import load_artifact

pytestmark = pytest.mark.evm

BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
BSC_USD1 = "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d"


def separator(domain: Domain) -> bytes:
    """hashStruct(EIP712Domain) as eth-account computes it."""
    signable = encode_typed_data(
        domain.as_dict(), {"X": [{"name": "x", "type": "uint256"}]}, {"x": 0}
    )
    return signable.header


def eip712_domain(contract) -> tuple:
    return tuple(contract.functions.eip712Domain().call())


def expected_domain(domain: Domain) -> tuple:
    return (
        b"\x0f",
        domain.name,
        domain.version,
        domain.chain_id,
        domain.verifying_contract,
        b"\0" * 32,
        [],
    )


@pytest.mark.parametrize("token", list(TOKENS))
def test_token_domains(world: World, token: str) -> None:
    domain = world.token_domain(token)
    contract = world.tokens[token]
    assert eip712_domain(contract) == expected_domain(domain)
    assert contract.functions.DOMAIN_SEPARATOR().call() == separator(domain)


def test_settlement_domain(world: World) -> None:
    domain = world.settlement_domain()
    assert eip712_domain(world.settlement) == expected_domain(domain)


def test_domain_follows_a_chain_id_change(world: World) -> None:
    """The separator cached at deployment (chain 8453) is rebuilt for the new chain id:
    signatures for the old chain stop working and ones for the new chain work."""
    world.chain.set_chain_id(56)
    domain_56 = world.token_domain("FiatTokenUSDC", chain_id=56)
    assert eip712_domain(world.usdc) == expected_domain(domain_56)
    assert world.usdc.functions.DOMAIN_SEPARATOR().call() == separator(domain_56)

    auth = Authorization(
        world.payer.address,
        world.payee.address,
        10,
        0,
        world.chain.timestamp() + 600,
        random_nonce(),
    )
    stale = auth.sign(world.payer, world.token_domain("FiatTokenUSDC", chain_id=CHAIN_ID))
    call = lambda sig: world.usdc.get_function_by_signature(TRANSFER_VRS)(*auth.args, *sig.vrs)  # noqa: E731
    assert reverts(lambda: world.chain.send(call(stale), world.relayer)) == ("InvalidSignature", ())
    world.chain.send(call(auth.sign(world.payer, domain_56)), world.relayer)
    assert world.usdc.functions.authorizationState(auth.from_, auth.nonce).call()


@pytest.mark.parametrize("code_from", ["artifact", "deployed"])
@pytest.mark.parametrize(("token", "address"), [("FiatTokenUSDC", BASE_USDC), ("USD1", BSC_USD1)])
def test_token_works_at_its_mainnet_address(
    world: World, token: str, address: str, code_from: str
) -> None:
    """What localnet does with anvil_setCode: the runtime code alone, without constructor
    storage, at another address. Either solc's deployedBytecode (immutables left zero) or
    the code of a deployed instance (immutables naming the original address) must give a
    working token whose domain names the new address."""
    code = (
        bytes.fromhex(load_artifact(token).deployed_bytecode[2:])
        if code_from == "artifact"
        else bytes(world.chain.w3.eth.get_code(world.tokens[token].address))
    )
    world.chain.set_code(address, code)
    placed = world.chain.at(token, address)
    name, version, _, decimals = TOKENS[token]
    domain = Domain(name, version, CHAIN_ID, address)

    assert placed.functions.minter().call() == "0x" + "00" * 20  # nothing from the constructor
    world.chain.send(placed.functions.initialize(world.minter.address), world.minter)
    world.chain.send(placed.functions.mint(world.payer.address, 10**decimals), world.minter)
    assert eip712_domain(placed) == expected_domain(domain)
    assert placed.functions.DOMAIN_SEPARATOR().call() == separator(domain)

    deadline = world.chain.timestamp() + 600
    permit = sign_permit(
        world.payer, domain, world.payer.address, world.relayer.address, 77, 0, deadline
    )
    world.chain.send(
        placed.functions.permit(
            world.payer.address, world.relayer.address, 77, deadline, *permit.vrs
        ),
        world.relayer,
    )
    assert placed.functions.allowance(world.payer.address, world.relayer.address).call() == 77

    if token == "FiatTokenUSDC":
        auth = Authorization(
            world.payer.address, world.payee.address, 5, 0, deadline, random_nonce()
        )
        world.chain.send(
            placed.get_function_by_signature(TRANSFER_VRS)(
                *auth.args, *auth.sign(world.payer, domain).vrs
            ),
            world.relayer,
        )
        assert placed.functions.balanceOf(world.payee.address).call() == 5


def test_typehashes_match_fiattoken_v2(world: World) -> None:
    """Clients written for Circle's USDC hash these exact type strings."""
    for constant, primary in [
        ("TRANSFER_WITH_AUTHORIZATION_TYPEHASH", "TransferWithAuthorization"),
        ("RECEIVE_WITH_AUTHORIZATION_TYPEHASH", "ReceiveWithAuthorization"),
        ("CANCEL_AUTHORIZATION_TYPEHASH", "CancelAuthorization"),
        ("PERMIT_TYPEHASH", "Permit"),
    ]:
        assert getattr(world.usdc.functions, constant)().call() == keccak(
            text=encode_type(primary)
        ), constant
    assert world.settlement.functions.PAYMENT_INTENT_TYPEHASH().call() == keccak(
        text=encode_type("PaymentIntent")
    )
