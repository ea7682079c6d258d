"""The one place mechanisms are registered, and the lookup from a request to
the mechanism that serves it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from facilitator.errors import INVALID_NETWORK, INVALID_PAYMENT_REQUIREMENTS, INVALID_SCHEME, Refused
from facilitator.mechanisms.base import Mechanism

if TYPE_CHECKING:
    from facilitator.settings import FacilitatorSettings, NetworkConfig
    from facilitator.store import PaymentRecord
    from facilitator.wire import PaymentRequest


def mechanism_classes() -> dict[str, type[Mechanism]]:
    """transfer method -> mechanism class. A new scheme or network family is a
    new module plus one line here."""
    from facilitator.mechanisms.evm.exact_eip3009 import ExactEip3009
    from facilitator.mechanisms.evm.exact_permit import ExactPermit
    from facilitator.mechanisms.svm.exact import ExactSvm

    return {cls.transfer_method: cls for cls in (ExactEip3009, ExactPermit, ExactSvm)}


class Registry:
    """The configured mechanisms, looked up by (scheme, network, asset)."""

    def __init__(self, mechanisms: Iterable[Mechanism]) -> None:
        self.mechanisms = list(mechanisms)
        self._networks: dict[str, str] = {}
        for m in self.mechanisms:
            self._networks[m.network] = m.network
            if m.v1_network:
                self._networks[m.v1_network] = m.network

    @classmethod
    def from_settings(cls, networks: Iterable[NetworkConfig],
                      settings: FacilitatorSettings) -> Registry:
        classes = mechanism_classes()
        return cls(classes[n.transfer_method](n, settings) for n in networks)

    def caip2(self, network: str) -> str | None:
        """CAIP-2 id of ``network`` as a client named it (v1 names included)."""
        return self._networks.get(network)

    def lookup(self, req: PaymentRequest) -> Mechanism:
        network = self.caip2(req.network)
        if network is None:
            raise Refused(INVALID_NETWORK, f"network {req.network!r} is not served here; "
                          f"served: {sorted(set(self._networks))}")
        on_network = [m for m in self.mechanisms if m.network == network]
        schemes = [m for m in on_network if m.scheme == req.scheme]
        if not schemes:
            raise Refused(INVALID_SCHEME, f"scheme {req.scheme!r} is not served on {network}; "
                          f"served: {sorted({m.scheme for m in on_network})}")
        for m in schemes:
            if m.same_asset(req.asset, m.config.asset):
                m.check_requirements(req)
                return m
        raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                      f"asset {req.asset} is not served on {network}; served: "
                      f"{sorted(m.config.asset for m in schemes)}")

    def for_record(self, record: PaymentRecord) -> Mechanism | None:
        """The mechanism that settled a logged payment (None if no longer configured)."""
        for m in self.mechanisms:
            if (m.network == record.network and m.scheme == record.scheme
                    and m.same_asset(record.asset, m.config.asset)):
                return m
        return None

    def supported(self) -> dict[str, Any]:
        """The /supported document: every kind in versions 1 and 2, and signers."""
        kinds: list[dict[str, Any]] = []
        signers: dict[str, list[str]] = {}
        for m in self.mechanisms:
            extra = m.extra()
            kinds.append({"x402Version": 2, "scheme": m.scheme, "network": m.network,
                          "extra": extra})
            if m.v1_network:
                kinds.append({"x402Version": 1, "scheme": m.scheme, "network": m.v1_network,
                              "extra": extra})
            family = signers.setdefault(f"{m.family}:*", [])
            family.extend(s for s in m.signers() if s not in family)
        return {"kinds": kinds, "extensions": [], "signers": signers}

    async def start(self) -> None:
        for m in self.mechanisms:
            await m.start()

    async def close(self) -> None:
        for m in self.mechanisms:
            await m.close()
