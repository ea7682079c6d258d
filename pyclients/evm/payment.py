"""What every EVM payment path shares: the requirements it is checked against,
the checks themselves (terms, time window, signature), and the verify-then-
settle flow over a relayer. A path module (``eip3009``, ``permit``) says only
what its payer signs, what it reads from the chain, and what call settles it."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from eth_utils import is_address, to_checksum_address

from gridpay.settings import get_settings
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.eip712 import recover_raw, same_address
from pyclients.evm.errors import (
    AssetMismatch,
    AuthorizationExpired,
    AuthorizationNotYetValid,
    InvalidPayload,
    InvalidSignature,
    NetworkMismatch,
    RecipientMismatch,
    ValueMismatch,
)

if TYPE_CHECKING:
    from pyclients.evm.relayer import Relayer

#: How far back a payer dates validAfter, so a clock a little ahead of the
#: chain's does not make a fresh payment "not yet valid" (x402 clients do the same).
VALID_AFTER_SLACK_SECONDS = 600


@dataclass(frozen=True)
class Requirements:
    """The x402 ``PaymentRequirements`` fields a payment is checked against."""

    network: str  #: CAIP-2, ``eip155:<chain id>``
    asset: str  #: token address
    pay_to: str
    amount: int  #: base units
    max_timeout_seconds: int = 300

    @classmethod
    def from_x402(cls, data: Mapping[str, Any] | Any) -> Requirements:
        """From an x402 ``PaymentRequirements`` (its JSON dict or the x402 SDK model)."""
        if hasattr(data, "model_dump"):
            data = data.model_dump(by_alias=True)
        try:
            return cls(
                network=str(data["network"]),
                asset=parse_address(data["asset"], "asset"),
                pay_to=parse_address(data["payTo"], "payTo"),
                amount=parse_uint(data["amount"], "amount"),
                max_timeout_seconds=int(data.get("maxTimeoutSeconds", 300)),
            )
        except KeyError as exc:
            raise InvalidPayload(f"payment requirements lack {exc.args[0]!r}") from None


@dataclass(frozen=True)
class Verified:
    """A payment that passed verification."""

    payer: str
    #: The chain time the window was checked against.
    checked_at: int


@dataclass(frozen=True)
class Settlement:
    """A payment settled on-chain."""

    payer: str
    network: str
    tx_hash: str
    block_number: int
    gas_used: int


# --- parsing x402 payload fields -------------------------------------------------
def parse_address(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise InvalidPayload(f"{field} must be a 0x-prefixed 20-byte address, got {value!r}")
    return to_checksum_address(value)


def parse_uint(value: Any, field: str, *, bits: int = 256) -> int:
    """Integers travel as decimal strings in x402 JSON; ints are accepted too."""
    if isinstance(value, bool):
        raise InvalidPayload(f"{field} must be an unsigned integer, got {value!r}")
    try:
        number = int(value, 10) if isinstance(value, str) else value
    except ValueError:
        number = None
    if not isinstance(number, int) or not 0 <= number < 2**bits:
        raise InvalidPayload(f"{field} must be a uint{bits} (decimal string), got {value!r}")
    return number


def parse_bytes(value: Any, field: str, length: int | None = None) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            raw = bytes.fromhex(value[2:])
        except ValueError:
            raw = None
        if raw is not None and (length is None or len(raw) == length):
            return raw
    want = f"{length} bytes" if length else "bytes"
    raise InvalidPayload(f"{field} must be 0x-prefixed hex of {want}, got {value!r}")


def random_nonce() -> bytes:
    """A fresh 32-byte authorization nonce (EIP-3009 nonces are random, not sequential)."""
    return os.urandom(32)


# --- the checks ------------------------------------------------------------------
def check_terms(req: Requirements, *, asset: str, to: str, value: int) -> None:
    """The payment pays exactly the required amount of the required token to payTo."""
    if asset != req.asset:
        raise AssetMismatch(f"payment is in token {asset}, requirements ask for {req.asset}")
    if to != req.pay_to:
        raise RecipientMismatch(f"payment goes to {to}, requirements say payTo {req.pay_to}")
    if value != req.amount:
        raise ValueMismatch(f"payment value {value} differs from required amount {req.amount}")


def check_window(valid_after: int, valid_before: int, now: int, *, what: str) -> None:
    """The chain accepts validAfter < block.timestamp < validBefore; the block that
    settles may come up to the configured margin later than ``now``."""
    margin = get_settings().evm_validity_margin_seconds
    if valid_before <= now + margin:
        raise AuthorizationExpired(
            f"{what} validBefore {valid_before} is not after now ({now}) + margin {margin}s"
        )
    if valid_after >= now:
        raise AuthorizationNotYetValid(f"{what} validAfter {valid_after} is not before now ({now})")


async def check_signature(
    chain: EvmChain,
    signer: str,
    digest: bytes,
    signature: bytes,
    *,
    signer_has_code: bool,
    what: str,
) -> None:
    """As the contracts' SignatureChecker: ECDSA for an account without code,
    EIP-1271 ``isValidSignature`` for a contract wallet."""
    if not signer_has_code:
        recovered = recover_raw(digest, signature)
        if not same_address(recovered, signer):
            shown = (
                "a malformed or malleable signature"
                if recovered is None
                else to_checksum_address(recovered)
            )
            raise InvalidSignature(f"{what} is signed by {shown}, not by {signer}")
        return
    try:
        magic = await chain.read(signer, abi.IS_VALID_SIGNATURE, digest, signature)
    except abi.Reverted as exc:
        raise InvalidSignature(f"{what}: wallet {signer} reverted in isValidSignature") from exc
    if bytes(magic) != abi.EIP1271_MAGIC:
        raise InvalidSignature(
            f"{what}: wallet {signer} answered 0x{bytes(magic).hex()} to isValidSignature, "
            f"not 0x{abi.EIP1271_MAGIC.hex()}"
        )


# --- the flow ----------------------------------------------------------------------
P = TypeVar("P")


class PaymentPath(ABC, Generic[P]):
    """A token on one chain and one way of paying with it. ``P`` is the signed payload."""

    def __init__(self, chain: EvmChain, token: str) -> None:
        self.chain = chain
        self.token = to_checksum_address(token)

    async def check_network(self, req: Requirements) -> None:
        network = await self.chain.network()
        if req.network != network:
            raise NetworkMismatch(f"requirements are for {req.network}, this node is {network}")

    @abstractmethod
    async def verify(self, payment: P, req: Requirements) -> Verified:
        """Check ``payment`` against ``req`` and the chain as settlement would."""

    @abstractmethod
    def settle_call(self, payment: P) -> tuple[str, bytes, str]:
        """(contract, calldata, action name) of the settling transaction."""

    async def settle(
        self, payment: P, req: Requirements, relayer: Relayer, *, verify: bool = True
    ) -> Settlement:
        """Verify (unless told not to), simulate, send from ``relayer``, wait for the
        receipt. Whatever refuses the payment - this client or the chain in
        simulation - raises the same typed error."""
        if verify:
            verified = await self.verify(payment, req)
            payer = verified.payer
        else:
            payer = self.payer_of(payment)
        to, data, action = self.settle_call(payment)
        receipt = await relayer.transact(to, data, action=action)
        return Settlement(
            payer=payer,
            network=await self.chain.network(),
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )

    @abstractmethod
    def payer_of(self, payment: P) -> str:
        """The account the payment debits."""

    async def balance_of(self, account: str) -> int:
        return await self.chain.read(self.token, abi.BALANCE_OF, account)
