"""The payer side of gridpay's EVM payment paths inside the ``x402`` package's
client framework.

``GridpayExactEvmScheme`` is an x402 ``SchemeNetworkClient`` for the
``exact`` scheme on one EVM network: requirements whose
``extra.assetTransferMethod`` is ``"gridpay-permit"`` (USDm on MegaETH, USD1
on BSC) are signed through ``pyclients.evm.permit``; every other method
(EIP-3009, Permit2) goes to the package's own ``ExactEvmScheme``. So one
registration pays on all three chains, the way the package's
``register_exact_evm_client`` wires its own scheme::

    client = register_gridpay_evm_client(x402ClientSync(), account,
                                         {"eip155:4326": megaeth_rpc, "eip155:56": bsc_rpc})
    payload = client.create_payment_payload(payment_required)

The permit path reads the chain (token domain, permit nonce), so signing is
async underneath; x402 calls scheme clients synchronously, so the sync entry
runs it to completion — on its own loop off any running one. From async code
call ``sign_permit`` directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from eth_account.signers.local import LocalAccount

from pyclients.evm.chain import EvmChain
from pyclients.evm.payment import Requirements
from pyclients.evm.permit import ASSET_TRANSFER_METHOD, PermitPayment

if TYPE_CHECKING:
    from x402 import x402Client, x402ClientSync
    from x402.schemas import PaymentRequirements

ClientT = TypeVar("ClientT", "x402Client", "x402ClientSync")
T = TypeVar("T")
SCHEME = "exact"


def run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code: on a fresh loop here,
    or, when this thread already runs a loop, on one in a worker thread (the
    caller's loop is blocked meanwhile, as any sync call blocks it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class GridpayExactEvmScheme:
    """x402 scheme client for ``exact`` on one EVM network (see module doc)."""

    scheme = SCHEME

    def __init__(self, signer: LocalAccount, rpc_url: str, *, timeout: float = 30.0) -> None:
        from x402.mechanisms.evm.exact.client import ExactEvmScheme

        self.signer = signer
        self.rpc_url = rpc_url
        self.timeout = timeout
        self._exact = ExactEvmScheme(signer)

    def create_payment_payload(self, requirements: PaymentRequirements,
                               extensions: dict[str, Any] | None = None) -> dict[str, Any]:
        """The inner payload x402's client wraps into a ``PaymentPayload``."""
        method = (requirements.extra or {}).get("assetTransferMethod")
        if method != ASSET_TRANSFER_METHOD:
            return self._exact.create_payment_payload(requirements, extensions)
        return run_blocking(self.sign_permit(requirements))

    async def sign_permit(self, requirements: PaymentRequirements | Mapping[str, Any]
                          ) -> dict[str, Any]:
        """Sign the permit path's payment for ``requirements`` (whose
        ``extra.settlementContract`` names the PermitSettlement contract)."""
        data = (requirements.model_dump(by_alias=True) if hasattr(requirements, "model_dump")
                else dict(requirements))
        terms = Requirements.from_x402(data)
        settlement = (data.get("extra") or {}).get("settlementContract")
        if not settlement:
            raise ValueError("gridpay-permit requirements need extra.settlementContract")
        chain = EvmChain.connect(self.rpc_url, timeout=self.timeout)
        try:
            path = await PermitPayment.at(chain, terms.asset, settlement)
            signed = await path.authorize(self.signer, terms)
            return signed.to_payload()
        finally:
            await chain.close()


def register_gridpay_evm_client(client: ClientT, signer: LocalAccount,
                                rpc_urls: Mapping[str, str], *,
                                policies: list[Any] | None = None) -> ClientT:
    """Register ``GridpayExactEvmScheme`` on each network of ``rpc_urls``
    (CAIP-2 id → JSON-RPC URL); returns the client for chaining."""
    if not rpc_urls:
        raise ValueError("rpc_urls names no network: give {'eip155:<chain id>': url}")
    for network, url in rpc_urls.items():
        if not network.startswith("eip155:"):
            raise ValueError(f"{network!r} is not an EVM network (eip155:<chain id>)")
        client.register(network, GridpayExactEvmScheme(signer, url))
    for policy in policies or []:
        client.register_policy(policy)
    return client
