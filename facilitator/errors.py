"""Why the facilitator refused or could not finish a request: the x402 reason
strings it puts on the wire (one source of truth for verify and settle), and
the two exceptions mechanisms raise.

Scheme-specific reasons (``invalid_exact_evm_payload_signature``,
``invalid_exact_svm_payload_recipient_mismatch``, ...) live with the code that
detects them: ``pyclients.evm.errors`` for EVM, ``mechanisms/svm`` for Solana.
"""

from __future__ import annotations

# x402 specification
INVALID_X402_VERSION = "invalid_x402_version"
INVALID_SCHEME = "invalid_scheme"
INVALID_NETWORK = "invalid_network"
INVALID_PAYLOAD = "invalid_payload"
INVALID_PAYMENT_REQUIREMENTS = "invalid_payment_requirements"
UNEXPECTED_VERIFY_ERROR = "unexpected_verify_error"
UNEXPECTED_SETTLE_ERROR = "unexpected_settle_error"
# x402 SDK: broadcast, not yet confirmed; the same request later gets the outcome
SETTLEMENT_PENDING = "settlement_pending"
TRANSACTION_FAILED = "transaction_failed"
# gridpay's own
#: The payload's ``accepted`` requirements differ from the ones to verify against.
ACCEPTED_MISMATCH = "gridpay_accepted_requirements_mismatch"
#: The chain's RPC could not be reached (HTTP 503, nothing was charged).
RPC_UNAVAILABLE = "gridpay_rpc_unavailable"
#: A settlement was interrupted before anything was broadcast; it may be retried.
SETTLEMENT_INTERRUPTED = "gridpay_settlement_interrupted"


class Refused(Exception):
    """The payment is not acceptable; ``reason`` goes on the wire."""

    def __init__(self, reason: str, message: str, *, payer: str | None = None) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.payer = payer


class ChainUnavailable(Exception):
    """The network's RPC did not answer (connection refused, timeout, 5xx).
    Answered with HTTP 503 and Retry-After; nothing was sent."""

    def __init__(self, network: str, message: str) -> None:
        super().__init__(f"{network}: {message}")
        self.network = network
        self.message = message


class ApiError(Exception):
    """A request the HTTP API refuses: ``status`` and a machine-readable ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
