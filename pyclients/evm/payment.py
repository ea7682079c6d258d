"""What every EVM payment path shares: the requirements it is checked against,
the transfer its payer signs, the checks (terms, time window, signature, nonce,
balance), and the sign / verify / settle flow over a relayer. A path module
(``eip3009``, ``permit``) says only what its payer signs, on which domain,
where its nonce is spent, what else it checks, and what call settles it."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from gridpay.settings import get_settings
from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.eip712 import recover_raw, same_address
from pyclients.evm.errors import (
    AssetMismatch,
    AuthorizationExpired,
    AuthorizationNotYetValid,
    InsufficientFunds,
    InvalidPayload,
    InvalidSignature,
    NetworkMismatch,
    NonceAlreadyUsed,
    RecipientMismatch,
    ValueMismatch,
)
from pyclients.evm.message import (
    ADDRESS,
    BYTES32,
    UINT256,
    Message,
    member,
    parse_address,
    parse_bytes,  # noqa: F401 - importable from here, as before message.py
    parse_uint,
    random_nonce,
)

if TYPE_CHECKING:
    from pyclients.evm.domain import Eip712Domain
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


@dataclass(frozen=True)
class Transfer(Message):
    """What the payer signs on either path: ``from_`` pays ``value`` to ``to``, valid
    while validAfter < block.timestamp < validBefore, once per ``nonce``."""

    from_: str = member("from", ADDRESS)
    to: str = member("to", ADDRESS)
    value: int = member("value", UINT256)
    valid_after: int = member("validAfter", UINT256)
    valid_before: int = member("validBefore", UINT256)
    nonce: bytes = member("nonce", BYTES32)


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

    #: The view ``(address payer, bytes32 nonce) -> bool``: is the nonce spent?
    NONCE_STATE: ClassVar[abi.Function]
    #: How a spent nonce was spent, in errors ("used", "settled").
    SPENT: ClassVar[str]
    #: What errors call the signed transfer when its signature is refused.
    SIGNED: ClassVar[str]

    def __init__(self, chain: EvmChain, token: str) -> None:
        self.chain = chain
        self.token = to_checksum_address(token)

    # --- what a path says -------------------------------------------------------------
    @abstractmethod
    def signed(self, payment: P) -> tuple[Transfer, bytes]:
        """The transfer in ``payment`` and the payer's signature of it."""

    @property
    @abstractmethod
    def transfer_domain(self) -> Eip712Domain:
        """The EIP-712 domain the transfer is signed on."""

    @property
    def nonce_contract(self) -> str:
        """Where ``NONCE_STATE`` is read."""
        return self.token

    @abstractmethod
    def sign_transfer(self, signer: LocalAccount, members: dict[str, Any], **terms: Any) -> P:
        """Sign the transfer with these ``members`` (and whatever else the path's payer
        signs, given by the path's own keyword ``terms``)."""

    async def signing_terms(self, owner: str) -> dict[str, Any]:
        """Keyword arguments ``sign`` needs read from the chain for ``owner``."""
        return {}

    def asset_of(self, payment: P) -> str:
        """The token the payment moves."""
        return self.token

    def more_reads(self, payment: P) -> Sequence[Awaitable[Any]]:
        """Chain reads ``check_more`` needs, made together with the shared ones."""
        return ()

    async def check_more(self, payment: P, now: int, has_code: bool, *reads: Any) -> None:
        """Path checks after the nonce's and before the balance's."""

    @abstractmethod
    def settle_call(self, payment: P) -> tuple[str, bytes, str]:
        """(contract, calldata, action name) of the settling transaction."""

    # --- payer side -------------------------------------------------------------------
    def sign(
        self,
        signer: LocalAccount,
        *,
        to: str,
        value: int,
        valid_after: int,
        valid_before: int,
        nonce: bytes | None = None,
        payer: str | None = None,
        **terms: Any,
    ) -> P:
        """Sign a payment. ``payer`` is the account paying when it differs from the
        signing key (an EIP-1271 wallet the key controls); a fresh random nonce unless
        ``nonce`` is given; ``terms`` are the path's own (see its ``sign_transfer``)."""
        members = dict(
            from_=to_checksum_address(payer or signer.address),
            to=to_checksum_address(to),
            value=value,
            valid_after=valid_after,
            valid_before=valid_before,
            nonce=nonce if nonce is not None else random_nonce(),
        )
        return self.sign_transfer(signer, members, **terms)

    async def authorize(
        self, signer: LocalAccount, req: Requirements, *, payer: str | None = None
    ) -> P:
        """Sign what ``req`` asks for, valid from now until ``maxTimeoutSeconds`` on."""
        await self.check_network(req)
        owner = to_checksum_address(payer or signer.address)
        now, terms = await asyncio.gather(self.chain.now(), self.signing_terms(owner))
        return self.sign(
            signer,
            to=req.pay_to,
            value=req.amount,
            valid_after=now - VALID_AFTER_SLACK_SECONDS,
            valid_before=now + req.max_timeout_seconds,
            payer=payer,
            **terms,
        )

    # --- facilitator side ---------------------------------------------------------------
    def payer_of(self, payment: P) -> str:
        """The account the payment debits."""
        return self.signed(payment)[0].from_

    async def check_network(self, req: Requirements) -> None:
        network = await self.chain.network()
        if req.network != network:
            raise NetworkMismatch(f"requirements are for {req.network}, this node is {network}")

    async def verify(self, payment: P, req: Requirements) -> Verified:
        """Check ``payment`` against ``req`` and the chain as settlement would."""
        t, signature = self.signed(payment)
        await self.check_network(req)
        check_terms(req, asset=self.asset_of(payment), to=t.to, value=t.value)
        now, code_size, used, balance, *more = await asyncio.gather(
            self.chain.now(),
            self.chain.code_size(t.from_),
            self.chain.read(self.nonce_contract, self.NONCE_STATE, t.from_, t.nonce),
            self.balance_of(t.from_),
            *self.more_reads(payment),
        )
        check_window(t.valid_after, t.valid_before, now, what=t.WHERE)
        has_code = code_size > 0
        await check_signature(
            self.chain,
            t.from_,
            t.digest(self.transfer_domain),
            signature,
            signer_has_code=has_code,
            what=self.SIGNED,
        )
        if used:
            raise NonceAlreadyUsed(
                f"{t.WHERE} nonce 0x{t.nonce.hex()} of {t.from_} "
                f"was already {self.SPENT} or cancelled"
            )
        await self.check_more(payment, now, has_code, *more)
        if balance < t.value:
            raise InsufficientFunds(f"{t.from_} holds {balance}, {t.WHERE} moves {t.value}")
        return Verified(payer=t.from_, checked_at=now)

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

    async def balance_of(self, account: str) -> int:
        return await self.chain.read(self.token, abi.BALANCE_OF, account)
