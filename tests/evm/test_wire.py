"""Pure pieces: x402 payload parsing (bad input names the field), signature
recovery as the contracts do it, and the client ABI against the compiled one."""

from __future__ import annotations

import os

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from pyclients.evm import abi
from pyclients.evm.eip712 import SECP256K1_N, recover, sign_digest
from pyclients.evm.eip3009 import Authorization, SignedAuthorization
from pyclients.evm.errors import InvalidPayload
from pyclients.evm.payment import Requirements
from pyclients.evm.permit import PaymentIntent, SignedPermit, SignedPermitPayment

ADDR = st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address("0x" + b.hex()))
UINT = st.integers(0, 2**256 - 1)
B32 = st.binary(min_size=32, max_size=32)
SIG = st.binary(min_size=65, max_size=65)


def _authorization() -> dict:
    return SignedAuthorization(
        Authorization(
            Account.create().address, Account.create().address, 10, 0, 2**40, os.urandom(32)
        ),
        os.urandom(65),
    ).to_payload()


@settings(max_examples=50, deadline=None)
@given(frm=ADDR, to=ADDR, value=UINT, after=UINT, before=UINT, nonce=B32, sig=SIG)
def test_eip3009_payload_round_trips(frm, to, value, after, before, nonce, sig) -> None:  # noqa: ANN001
    payload = SignedAuthorization(
        Authorization(frm, to, value, after, before, nonce), sig
    ).to_payload()
    assert all(isinstance(v, str) for v in payload["authorization"].values())
    parsed = SignedAuthorization.from_payload(payload)
    assert parsed.to_payload() == payload
    assert parsed.authorization.value == value  # integers stay exact, no floats


@settings(max_examples=50, deadline=None)
@given(token=ADDR, frm=ADDR, to=ADDR, value=UINT, nonce=B32, sig=SIG, pvalue=UINT, pnonce=UINT)
def test_permit_payload_round_trips(token, frm, to, value, nonce, sig, pvalue, pnonce) -> None:  # noqa: ANN001
    payment = SignedPermitPayment(
        PaymentIntent(token, frm, to, value, 1, 2, nonce), sig, SignedPermit(pvalue, 3, pnonce, sig)
    )
    assert (
        SignedPermitPayment.from_payload(payment.to_payload()).to_payload() == payment.to_payload()
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.pop("authorization"), "authorization"),
        (lambda p: p["authorization"].pop("validBefore"), "validBefore"),
        (lambda p: p["authorization"].update(to="0x1234"), "authorization.to"),
        (lambda p: p["authorization"].update(value="-1"), "authorization.value"),
        (lambda p: p["authorization"].update(value=str(2**256)), "authorization.value"),
        (lambda p: p["authorization"].update(value=1.5), "authorization.value"),
        (lambda p: p["authorization"].update(nonce="0x" + "00" * 31), "authorization.nonce"),
        (lambda p: p.update(signature="not hex"), "signature"),
    ],
)
def test_malformed_eip3009_payload_names_the_field(change, field: str) -> None:  # noqa: ANN001
    payload = _authorization()
    change(payload)
    with pytest.raises(InvalidPayload, match=field) as refused:
        SignedAuthorization.from_payload(payload)
    assert refused.value.reason == "invalid_payload"


def test_malformed_permit_payload_names_the_field() -> None:
    with pytest.raises(InvalidPayload, match="'permit'"):
        SignedPermitPayment.from_payload({"intent": {}, "intentSignature": "0x"})
    with pytest.raises(InvalidPayload, match="permit.signature"):
        SignedPermit.from_json({"value": "1", "deadline": "2", "nonce": "0", "signature": "0x00"})


def test_requirements_from_the_x402_sdk_model() -> None:
    from x402.schemas.payments import PaymentRequirements

    sdk = PaymentRequirements(
        scheme="exact",
        network="eip155:8453",
        asset="0x833589fcd6edb6e08f4c7c32d4f71b54bda02913",
        amount="10000",
        pay_to=Account.create().address,
        max_timeout_seconds=60,
        extra={"name": "USD Coin", "version": "2"},
    )
    req = Requirements.from_x402(sdk)
    assert req.asset == "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
    assert req.amount == 10000 and req.max_timeout_seconds == 60
    with pytest.raises(InvalidPayload, match="payTo"):
        Requirements.from_x402({"network": "eip155:8453", "asset": req.asset, "amount": "1"})


@settings(max_examples=50, deadline=None)
@given(digest=B32, key=st.integers(1, SECP256K1_N - 1))
def test_recover_returns_the_signer_and_refuses_the_malleable_twin(digest: bytes, key: int) -> None:
    account = Account.from_key(key.to_bytes(32, "big"))
    signature = sign_digest(account, digest)
    assert recover(digest, signature) == account.address
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    assert recover(digest, twin) is None  # high s: the contracts refuse it
    assert recover(digest, signature[:64] + bytes([v - 27])) is None  # v must be 27/28
    assert recover(digest, signature[:64]) is None


def test_client_abi_matches_the_compiled_contracts() -> None:
    from toolchain.solc import load_artifact

    names = ("FiatTokenUSDC", "MegaUSD", "USD1", "PermitSettlement", "SmartWallet")
    artifacts = [load_artifact(n) for n in names]
    selectors = {item for a in artifacts for item in a.method_identifiers.items()}
    for fn in (v for v in vars(abi).values() if isinstance(v, abi.Function)):
        assert (fn.signature, fn.selector.hex()) in selectors, fn.signature
    errors = {
        f"{e['name']}({','.join(i['type'] for i in e['inputs'])})"
        for a in artifacts
        for e in a.abi
        if e["type"] == "error"
    }
    for error in abi.ERRORS:
        assert error.signature in errors, error.signature
