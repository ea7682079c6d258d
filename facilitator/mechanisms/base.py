"""What a mechanism (one scheme on one network family) gives the engine.

The engine owns idempotency, the payment log and the answers; a mechanism
owns the chain: what makes a payment unique there, how to check it, how to
settle it, and how to find out after a crash what became of a settlement.
Mechanisms call ``pyclients`` for every transaction and signature.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from facilitator.errors import INVALID_PAYMENT_REQUIREMENTS, Refused

if TYPE_CHECKING:
    from facilitator.settings import FacilitatorSettings, NetworkConfig
    from facilitator.store import PaymentRecord
    from facilitator.wire import PaymentRequest


@dataclass(frozen=True, slots=True)
class Verified:
    """A payment that passed verification. ``parsed`` is the mechanism's own
    decoded payload, handed back to ``settle`` so it is parsed once."""

    payer: str
    parsed: Any = None


class Journal(Protocol):
    """Where a mechanism records a settlement *before* it goes on the wire."""

    async def sending(self, settlement: dict[str, Any]) -> None:
        """About to send a transaction whose id is not known in advance (EVM:
        the relayer assigns the nonce). ``settlement`` says how to find it later."""

    async def broadcast(self, transaction: str, settlement: dict[str, Any]) -> None:
        """About to send ``transaction`` (its id is fixed: Solana signatures)."""


# --- what became of a settlement (reconciliation) ---------------------------------
@dataclass(frozen=True, slots=True)
class Settled:
    transaction: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    message: str
    transaction: str | None = None


@dataclass(frozen=True, slots=True)
class Resend:
    """Nothing reached the chain and the payment is still valid: settle again."""

    message: str


@dataclass(frozen=True, slots=True)
class StillPending:
    """Broadcast and not yet decided: ask again later."""

    message: str


Resolution = Settled | Failed | Resend | StillPending


class SettlementUnconfirmed(Exception):
    """The transaction was (or may have been) sent but its outcome is not known
    yet: the payment stays pending and the reconciler finishes it."""

    def __init__(self, message: str, transaction: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.transaction = transaction


class Mechanism(ABC):
    """One x402 scheme on one configured network (one token)."""

    scheme: ClassVar[str] = "exact"
    #: CAIP-2 namespace: ``eip155`` or ``solana``.
    family: ClassVar[str]
    #: ``NetworkConfig.transfer_method`` values this mechanism serves.
    transfer_method: ClassVar[str]
    #: Reason for a payment whose one-use key was spent on other terms.
    replay_reason: ClassVar[str] = "duplicate_settlement"

    def __init__(self, config: NetworkConfig, settings: FacilitatorSettings) -> None:
        self.config = config
        self.settings = settings

    @property
    def network(self) -> str:
        return self.config.network

    @property
    def v1_network(self) -> str | None:
        return self.config.v1_name

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        """Connect and read what cannot change (domains, chain id)."""

    async def close(self) -> None:
        """Release connections."""

    # -- discovery ------------------------------------------------------------------
    @abstractmethod
    def extra(self) -> dict[str, Any]:
        """``extra`` advertised in /supported for this kind."""

    @abstractmethod
    def signers(self) -> list[str]:
        """Addresses that sign or pay fees for settlements."""

    # -- the payment ----------------------------------------------------------------
    def check_requirements(self, req: PaymentRequest) -> None:
        """The requirements name this mechanism's token (more in subclasses)."""
        if not self.same_asset(req.asset, self.config.asset):
            raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                          f"asset {req.asset} is not served on {self.network}; "
                          f"this facilitator settles {self.config.asset}")

    @staticmethod
    def same_asset(a: str, b: str) -> bool:
        return a == b

    @abstractmethod
    def payment_key(self, req: PaymentRequest) -> str:
        """What makes two requests the same payment: the chain's own replay key.
        Pure; Refused when the payload cannot even be parsed."""

    @abstractmethod
    async def verify(self, req: PaymentRequest) -> Verified:
        """Check the payment against the requirements and the chain, simulate
        it; Refused with the reason, ChainUnavailable when the RPC is down."""

    @abstractmethod
    async def settle(self, req: PaymentRequest, verified: Verified, journal: Journal) -> Settled:
        """Send the payment and wait for it. Refused when it cannot be sent
        (nothing went out), SettlementUnconfirmed when it went out and its fate
        is not known yet."""

    @abstractmethod
    async def resolve(self, record: PaymentRecord) -> Resolution:
        """What became of a pending settlement (after a crash, a timeout)."""
