"""x402 ``exact`` with EIP-3009 ``transferWithAuthorization`` (USDC on Base).

Payload: ``{"signature", "authorization": {"from", "to", "value", "validAfter",
"validBefore", "nonce"}}`` — what the x402 SDK's own EVM client signs. The
replay key is the token's ``authorizationState(from, nonce)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eth_utils import keccak

from facilitator.mechanisms.evm.common import EvmMechanism, topic_address
from pyclients.evm import abi
from pyclients.evm.eip3009 import Eip3009, SignedAuthorization
from pyclients.evm.payment import PaymentPath

AUTHORIZATION_USED = "0x" + keccak(text="AuthorizationUsed(address,bytes32)").hex()


class ExactEip3009(EvmMechanism):
    transfer_method: ClassVar[str] = "eip3009"

    async def open_path(self) -> PaymentPath[Any]:
        return await Eip3009.at(self.chain, self.config.asset)

    def accepted_methods(self) -> tuple[str | None, ...]:
        # x402 clients send no assetTransferMethod for EIP-3009 (it is the default)
        return (None, "eip3009")

    def extra(self) -> dict[str, Any]:
        domain = self.path.domain if isinstance(self.path, Eip3009) else None
        return {"name": domain.name, "version": domain.version} if domain else {}

    def parse(self, payload: dict[str, Any]) -> SignedAuthorization:
        return SignedAuthorization.from_payload(payload)

    def replay_id(self, parsed: SignedAuthorization) -> tuple[str, str, bytes]:
        return self.config.asset, parsed.authorization.from_, parsed.authorization.nonce

    def valid_before(self, parsed: SignedAuthorization) -> int:
        return parsed.authorization.valid_before

    async def used_on_chain(self, parsed: SignedAuthorization) -> bool:
        a = parsed.authorization
        return bool(await self.chain.read(self.config.asset, abi.AUTHORIZATION_STATE,
                                          a.from_, a.nonce))

    async def find_settlement(self, parsed: SignedAuthorization, from_block: int) -> str | None:
        a = parsed.authorization
        logs = await self.logs(self.config.asset, [AUTHORIZATION_USED, topic_address(a.from_),
                                                   "0x" + a.nonce.hex()], from_block)
        return "0x" + bytes(logs[0]["transactionHash"]).hex() if logs else None
