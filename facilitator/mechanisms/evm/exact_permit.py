"""x402 ``exact`` through gridpay's recipient-bound permit path (USDm on
MegaETH, USD1 on BSC; ``extra.assetTransferMethod = "gridpay-permit"``).

Payload (``pyclients.evm.permit``): ``{"intent": {token, from, to, value,
validAfter, validBefore, nonce}, "intentSignature", "permit": {value, deadline,
nonce, signature}}``. PermitSettlement pulls exactly ``value`` to ``to``; the
replay key is its ``intentState(from, nonce)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eth_utils import keccak

from facilitator.errors import INVALID_PAYMENT_REQUIREMENTS, Refused
from facilitator.mechanisms.evm.common import EvmMechanism, topic_address
from pyclients.evm import abi
from pyclients.evm.payment import PaymentPath
from pyclients.evm.permit import ASSET_TRANSFER_METHOD, PermitPayment, SignedPermitPayment

PAYMENT_SETTLED = "0x" + keccak(
    text="PaymentSettled(address,address,address,uint256,bytes32)").hex()


class ExactPermit(EvmMechanism):
    transfer_method: ClassVar[str] = ASSET_TRANSFER_METHOD

    @property
    def settlement(self) -> str:
        if not self.config.settlement_contract:
            raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                          f"{self.network}: no PermitSettlement contract configured")
        return self.config.settlement_contract

    async def open_path(self) -> PaymentPath[Any]:
        return await PermitPayment.at(self.chain, self.config.asset, self.settlement)

    def extra(self) -> dict[str, Any]:
        path = self.path if isinstance(self.path, PermitPayment) else None
        if path is None:
            return {"assetTransferMethod": ASSET_TRANSFER_METHOD}
        return {"assetTransferMethod": ASSET_TRANSFER_METHOD,
                "name": path.token_domain.name, "version": path.token_domain.version,
                "settlementContract": path.settlement,
                "settlementName": path.settlement_domain.name,
                "settlementVersion": path.settlement_domain.version}

    def parse(self, payload: dict[str, Any]) -> SignedPermitPayment:
        return SignedPermitPayment.from_payload(payload)

    def replay_id(self, parsed: SignedPermitPayment) -> tuple[str, str, bytes]:
        return self.settlement, parsed.intent.from_, parsed.intent.nonce

    def valid_before(self, parsed: SignedPermitPayment) -> int:
        return parsed.intent.valid_before

    async def used_on_chain(self, parsed: SignedPermitPayment) -> bool:
        i = parsed.intent
        return bool(await self.chain.read(self.settlement, abi.INTENT_STATE, i.from_, i.nonce))

    async def find_settlement(self, parsed: SignedPermitPayment, from_block: int) -> str | None:
        i = parsed.intent
        logs = await self.logs(self.settlement, [PAYMENT_SETTLED, topic_address(i.from_),
                                                 topic_address(i.to), topic_address(i.token)],
                               from_block)
        for entry in logs:
            if bytes(entry["data"])[32:64] == i.nonce:  # data: value, nonce
                return "0x" + bytes(entry["transactionHash"]).hex()
        return None
