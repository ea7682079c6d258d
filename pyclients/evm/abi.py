"""The slice of the contracts' ABI the clients use, as canonical signatures.

Clients encode and decode calls with eth_abi directly: no compiled artifact is
needed to talk to a real deployment, and the hot verification path avoids
web3's contract machinery. ``tests/evm`` checks every signature here against
the compiled ABI, so this stays one interface with the contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak
from hexbytes import HexBytes


def split_types(params: str) -> tuple[str, ...]:
    """Top-level ABI types of a parameter list: ``"(a,b),c"`` -> ``("(a,b)", "c")``."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(params):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(params[start:i])
            start = i + 1
    if params:
        out.append(params[start:])
    return tuple(out)


@dataclass(frozen=True)
class _Signed:
    """Something named by a canonical signature, e.g. ``balanceOf(address)``."""

    signature: str

    @cached_property
    def name(self) -> str:
        return self.signature.split("(", 1)[0]

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        return split_types(self.signature[len(self.name) + 1 : -1])

    @cached_property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]


@dataclass(frozen=True)
class Function(_Signed):
    """A contract function; ``outputs`` are its return types."""

    outputs: tuple[str, ...] = ()

    def encode(self, *args: Any) -> bytes:
        return self.selector + encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return decode(list(self.outputs), data)


@dataclass(frozen=True)
class CustomError(_Signed):
    """A Solidity custom error."""

    def decode_args(self, data: bytes) -> tuple[Any, ...]:
        return decode(list(self.inputs), data[4:])


class Reverted(Exception):
    """An ``eth_call`` reverted; ``data`` is the raw revert data (may be empty)."""

    def __init__(self, data: bytes, message: str = "execution reverted") -> None:
        super().__init__(message)
        self.data = data


def revert_data(exc: Exception) -> bytes:
    """Raw revert bytes out of web3's revert exceptions (the shape varies by node)."""
    data: Any = getattr(exc, "data", None)
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..", "message": ..}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes(HexBytes(data))
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    return b""


# --- ERC-20 / EIP-2612 / EIP-5267 (every token) ----------------------------
BALANCE_OF = Function("balanceOf(address)", ("uint256",))
ALLOWANCE = Function("allowance(address,address)", ("uint256",))
TRANSFER = Function("transfer(address,uint256)", ("bool",))
APPROVE = Function("approve(address,uint256)", ("bool",))
DECIMALS = Function("decimals()", ("uint8",))
SYMBOL = Function("symbol()", ("string",))
NAME = Function("name()", ("string",))
TOTAL_SUPPLY = Function("totalSupply()", ("uint256",))
NONCES = Function("nonces(address)", ("uint256",))
PERMIT = Function("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)")
EIP712_DOMAIN = Function(
    "eip712Domain()", ("bytes1", "string", "string", "uint256", "address", "bytes32", "uint256[]")
)

# --- EIP-3009 ---------------------------------------------------------------
AUTHORIZATION_STATE = Function("authorizationState(address,bytes32)", ("bool",))
# The `bytes signature` overload (Circle FiatToken v2.2) takes ECDSA and EIP-1271.
TRANSFER_WITH_AUTHORIZATION = Function(
    "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
)
RECEIVE_WITH_AUTHORIZATION = Function(
    "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
)
CANCEL_AUTHORIZATION = Function("cancelAuthorization(address,bytes32,bytes)")

# --- PermitSettlement --------------------------------------------------------
INTENT_TUPLE = "(address,address,address,uint256,uint256,uint256,bytes32)"
PERMIT_DATA_TUPLE = "(uint256,uint256,uint8,bytes32,bytes32)"
SETTLE = Function(f"settle({INTENT_TUPLE},bytes,{PERMIT_DATA_TUPLE})")
INTENT_STATE = Function("intentState(address,bytes32)", ("bool",))
CANCEL_INTENT = Function("cancelIntent(bytes32)")

# --- EIP-1271 / minting -------------------------------------------------------
IS_VALID_SIGNATURE = Function("isValidSignature(bytes32,bytes)", ("bytes4",))
EIP1271_MAGIC = bytes.fromhex("1626ba7e")
MINT = Function("mint(address,uint256)")
INITIALIZE = Function("initialize(address)")

# --- custom errors the payment paths can meet ---------------------------------
ERRORS: tuple[CustomError, ...] = tuple(
    CustomError(sig)
    for sig in (
        # utils/SignatureChecker
        "InvalidSignature()",
        # token/EIP3009
        "AuthorizationNotYetValid(uint256)",
        "AuthorizationExpired(uint256)",
        "AuthorizationAlreadyUsed(address,bytes32)",
        "AuthorizationAlreadyCanceled(address,bytes32)",
        "CallerNotPayee(address,address)",
        # token/ERC20, token/ERC20Permit, token/Mintable
        "ERC20InsufficientBalance(address,uint256,uint256)",
        "ERC20InsufficientAllowance(address,uint256,uint256)",
        "ERC20InvalidSender(address)",
        "ERC20InvalidReceiver(address)",
        "ERC20InvalidApprover(address)",
        "ERC20InvalidSpender(address)",
        "PermitExpired(uint256)",
        "AlreadyInitialized()",
        "NotMinter(address)",
        "InvalidMinter()",
        # PermitSettlement
        "IntentExpired(uint256)",
        "IntentNotYetValid(uint256)",
        "IntentUsed(address,bytes32)",
        "InsufficientAllowance(uint256,uint256)",
        "TransferFailed()",
    )
)
#: Solidity's `Error(string)` (revert strings, e.g. Circle's FiatToken on mainnet).
ERROR_STRING = CustomError("Error(string)")
ERRORS_BY_SELECTOR: dict[bytes, CustomError] = {e.selector: e for e in (*ERRORS, ERROR_STRING)}
