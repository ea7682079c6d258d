"""A paying client of the gateway: answers a 402 with a signed x402 payment on
the network it chooses, signing with ``pyclients`` (EVM) or the x402 SDK's
own SVM client (Solana), and reads the ``PAYMENT-RESPONSE``."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount
from solders.keypair import Keypair
from x402.http.utils import encode_payment_signature_header
from x402.schemas import PaymentPayload, PaymentRequirements

from localnet.deploy_evm import payment_path
from pyclients.evm.payment import Requirements


@dataclass
class PaidCall:
    status: int
    body: dict[str, Any]
    requirement: dict[str, Any]
    settlement: dict[str, Any]


def decode_header(value: str) -> dict[str, Any]:
    return json.loads(base64.b64decode(value))


class X402Payer:
    """Pays on EVM chains of a LocalEvm and on the local Solana chain."""

    def __init__(self, local_evm: Any, solana_url: str) -> None:
        self.local_evm = local_evm
        self.solana_url = solana_url

    async def sign(self, requirement: dict[str, Any], signer: LocalAccount | Keypair) -> str:
        """The PAYMENT-SIGNATURE header for ``requirement``."""
        network = requirement["network"]
        if network.startswith("solana:"):
            from x402.mechanisms.svm.exact.client import ExactSvmScheme
            from x402.mechanisms.svm.signers import KeypairSigner

            assert isinstance(signer, Keypair)
            reqs = PaymentRequirements.model_validate(requirement)
            scheme = ExactSvmScheme(KeypairSigner(signer), rpc_url=self.solana_url)
            inner = await asyncio.to_thread(scheme.create_payment_payload, reqs)
        else:
            name = next(n for n, d in self.local_evm.deployments.items() if d.network == network)
            path = await payment_path(self.local_evm.chains[name],
                                      self.local_evm.deployments[name])
            signed = await path.authorize(signer, Requirements.from_x402(requirement))
            inner = signed.to_payload()
        payload = PaymentPayload(payload=inner,
                                 accepted=PaymentRequirements.model_validate(requirement))
        return encode_payment_signature_header(payload)

    async def call(self, http: httpx.AsyncClient, body: dict[str, Any], network: str,
                   signer: LocalAccount | Keypair) -> PaidCall:
        """POST /v1/chat/completions: take the 402, pay on ``network``, retry."""
        first = await http.post("/v1/chat/completions", json=body)
        if first.status_code != 402:
            raise RuntimeError(f"expected 402, got {first.status_code}: {first.text[:300]}")
        challenge = decode_header(first.headers["PAYMENT-REQUIRED"])
        requirement = next((r for r in challenge["accepts"] if r["network"] == network), None)
        if requirement is None:
            raise RuntimeError(f"{network} is not offered: "
                               f"{[r['network'] for r in challenge['accepts']]}")
        header = await self.sign(requirement, signer)
        r = await http.post("/v1/chat/completions", json=body,
                            headers={"PAYMENT-SIGNATURE": header})
        settlement = decode_header(r.headers["PAYMENT-RESPONSE"]) \
            if "PAYMENT-RESPONSE" in r.headers else {}
        return PaidCall(r.status_code, r.json(), requirement, settlement)
