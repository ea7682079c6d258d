"""Why an EVM payment was refused: one exception per cause, each carrying the
x402 error reason string peers match on.

Reason strings are the x402 specification's where it names the case; where
it does not, the public x402 SDK's name when it has one (peers already know
those), and a ``gridpay_`` name otherwise. Off-chain verification and
on-chain settlement raise the same classes: when the chain refuses, the
exception also names the contract's custom error (``onchain_error``).
"""

from __future__ import annotations

from typing import ClassVar

from eth_utils import is_address, to_checksum_address

from pyclients.errors import PaymentError
from pyclients.evm.abi import ERROR_STRING, ERRORS_BY_SELECTOR

# --- reason strings (one source of truth, used by verify and settle) -------
# x402 specification
INSUFFICIENT_FUNDS = "insufficient_funds"
INVALID_SIGNATURE = "invalid_exact_evm_payload_signature"
VALID_BEFORE = "invalid_exact_evm_payload_authorization_valid_before"
VALID_AFTER = "invalid_exact_evm_payload_authorization_valid_after"
VALUE_MISMATCH = "invalid_exact_evm_payload_authorization_value"
RECIPIENT_MISMATCH = "invalid_exact_evm_payload_recipient_mismatch"
INVALID_NETWORK = "invalid_network"
INVALID_PAYLOAD = "invalid_payload"
UNEXPECTED_SETTLE_ERROR = "unexpected_settle_error"
# x402 SDK names for cases the specification does not list
NONCE_ALREADY_USED = "invalid_exact_evm_nonce_already_used"
MISSING_EIP712_DOMAIN = "missing_eip712_domain"
SIMULATION_FAILED = "invalid_exact_evm_transaction_simulation_failed"
TRANSACTION_FAILED = "transaction_failed"
# gridpay's own
ASSET_MISMATCH = "gridpay_evm_asset_mismatch"
PERMIT_ALLOWANCE = "gridpay_permit_insufficient_allowance"
PERMIT_NONCE = "gridpay_permit_nonce_mismatch"


class EvmPaymentError(PaymentError):
    """An EVM payment was refused."""

    reason: ClassVar[str] = UNEXPECTED_SETTLE_ERROR

    def __init__(self, message: str, *, onchain_error: str | None = None) -> None:
        super().__init__(message)
        #: Name of the contract's custom error when the chain refused (else None).
        self.onchain_error = onchain_error


class InvalidPayload(EvmPaymentError):
    """The payload is malformed: a field is missing or has the wrong shape."""

    reason = INVALID_PAYLOAD


class NetworkMismatch(EvmPaymentError):
    """The requirements name a different chain than the one connected."""

    reason = INVALID_NETWORK


class AssetMismatch(EvmPaymentError):
    """The payment is for a different token than the requirements name."""

    reason = ASSET_MISMATCH


class DomainUnavailable(EvmPaymentError):
    """The token does not report its EIP-712 domain (EIP-5267)."""

    reason = MISSING_EIP712_DOMAIN


class InvalidSignature(EvmPaymentError):
    """A signature does not come from the payer (ECDSA or EIP-1271)."""

    reason = INVALID_SIGNATURE


class AuthorizationExpired(EvmPaymentError):
    """validBefore (or a permit deadline) has passed, or falls within the margin."""

    reason = VALID_BEFORE


class AuthorizationNotYetValid(EvmPaymentError):
    """validAfter is not yet in the past."""

    reason = VALID_AFTER


class ValueMismatch(EvmPaymentError):
    """The authorized value differs from the required amount."""

    reason = VALUE_MISMATCH


class RecipientMismatch(EvmPaymentError):
    """The authorization pays someone other than payTo."""

    reason = RECIPIENT_MISMATCH


class NonceAlreadyUsed(EvmPaymentError):
    """The authorization's nonce was already used or cancelled."""

    reason = NONCE_ALREADY_USED


class InsufficientFunds(EvmPaymentError):
    """The payer's balance is below the value."""

    reason = INSUFFICIENT_FUNDS


class InsufficientAllowance(EvmPaymentError):
    """Permit path: neither the allowance nor the permit covers the value."""

    reason = PERMIT_ALLOWANCE


class PermitNonceMismatch(EvmPaymentError):
    """Permit path: the permit was signed for another token nonce, and the
    allowance does not cover the value without it."""

    reason = PERMIT_NONCE


class SimulationFailed(EvmPaymentError):
    """The settlement reverted in simulation for a reason not mapped above."""

    reason = SIMULATION_FAILED


class SettlementFailed(EvmPaymentError):
    """The settlement transaction was sent but failed (reverted or dropped)."""

    reason = TRANSACTION_FAILED

    def __init__(
        self, message: str, *, tx_hash: str | None = None, onchain_error: str | None = None
    ) -> None:
        super().__init__(message, onchain_error=onchain_error)
        self.tx_hash = tx_hash


class RelayerError(EvmPaymentError):
    """The relayer could not get its transaction accepted by the node."""

    reason = UNEXPECTED_SETTLE_ERROR


# --- what the chain said, as the same typed errors ---------------------------
# Custom error name -> exception class. Errors not listed here (a panic, an
# unknown selector) become SimulationFailed with the raw data in the message.
_ONCHAIN: dict[str, type[EvmPaymentError]] = {
    "InvalidSignature": InvalidSignature,
    "AuthorizationNotYetValid": AuthorizationNotYetValid,
    "AuthorizationExpired": AuthorizationExpired,
    "AuthorizationAlreadyUsed": NonceAlreadyUsed,
    "AuthorizationAlreadyCanceled": NonceAlreadyUsed,
    "ERC20InsufficientBalance": InsufficientFunds,
    "ERC20InsufficientAllowance": InsufficientAllowance,
    "PermitExpired": AuthorizationExpired,
    "IntentExpired": AuthorizationExpired,
    "IntentNotYetValid": AuthorizationNotYetValid,
    "IntentUsed": NonceAlreadyUsed,
    "InsufficientAllowance": InsufficientAllowance,
}
# Revert strings of Circle's FiatToken (real USDC), matched by substring.
_REVERT_STRINGS: dict[str, type[EvmPaymentError]] = {
    "authorization is used or canceled": NonceAlreadyUsed,
    "authorization is expired": AuthorizationExpired,
    "authorization is not yet valid": AuthorizationNotYetValid,
    "invalid signature": InvalidSignature,
    "transfer amount exceeds balance": InsufficientFunds,
}


def from_revert(data: bytes, action: str) -> EvmPaymentError:
    """The typed error for revert ``data`` of ``action`` (e.g. "transferWithAuthorization")."""
    error = ERRORS_BY_SELECTOR.get(data[:4])
    if error is None:
        return SimulationFailed(f"{action} reverted with unknown data 0x{data.hex()}")
    try:
        args = error.decode_args(data)
    except Exception:  # noqa: BLE001 - malformed revert data is reported, not raised
        args = ()
    if error is ERROR_STRING:
        text = str(args[0]) if args else ""
        for needle, cls in _REVERT_STRINGS.items():
            if needle in text.lower():
                return cls(f"{action} reverted: {text!r}", onchain_error=text)
        return SimulationFailed(f"{action} reverted: {text!r}", onchain_error=text)
    shown = ", ".join(_show(a) for a in args)
    cls = _ONCHAIN.get(error.name, SimulationFailed)
    return cls(f"{action} reverted with {error.name}({shown})", onchain_error=error.name)


def _show(arg: object) -> str:
    if isinstance(arg, bytes):
        return "0x" + arg.hex()
    if isinstance(arg, str) and is_address(arg):
        return to_checksum_address(arg)
    return str(arg)
