"""A contract's EIP-712 domain, read from the chain (EIP-5267), never hard-coded.

Tokens placed at another address, deployed on another chain id or upgraded to
another version then sign and verify correctly without a configuration change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from eth_utils import keccak, to_checksum_address

from pyclients.evm import abi
from pyclients.evm.eip712 import word_address, word_uint
from pyclients.evm.errors import DomainUnavailable

if TYPE_CHECKING:
    from pyclients.evm.chain import EvmChain

# EIP-5267 `fields` bits: which members the domain has, in this order.
_FIELD_NAME, _FIELD_VERSION, _FIELD_CHAIN_ID, _FIELD_CONTRACT, _FIELD_SALT = (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class Eip712Domain:
    """The EIP-712 domain as a contract reports it through ``eip712Domain()``."""

    fields: int
    name: str
    version: str
    chain_id: int
    verifying_contract: str
    salt: bytes = b"\x00" * 32

    @classmethod
    def from_eip5267(cls, result: tuple) -> Eip712Domain:
        """From the decoded ``eip712Domain()`` return tuple; ValueError when it uses
        EIP-5267 extensions (no gridpay token does, and their meaning is per-contract)."""
        fields, name, version, chain_id, contract, salt, extensions = result
        if extensions:
            raise ValueError(f"EIP-712 domain extensions {list(extensions)} are not supported")
        return cls(
            fields=fields[0] if isinstance(fields, bytes) else int(fields),
            name=name,
            version=version,
            chain_id=int(chain_id),
            verifying_contract=to_checksum_address(contract),
            salt=bytes(salt),
        )

    @cached_property
    def encoded_type(self) -> str:
        members = [
            (_FIELD_NAME, "string name"),
            (_FIELD_VERSION, "string version"),
            (_FIELD_CHAIN_ID, "uint256 chainId"),
            (_FIELD_CONTRACT, "address verifyingContract"),
            (_FIELD_SALT, "bytes32 salt"),
        ]
        return "EIP712Domain(" + ",".join(m for bit, m in members if self.fields & bit) + ")"

    @cached_property
    def separator(self) -> bytes:
        """The domain separator: hashStruct(EIP712Domain) over the present fields."""
        words = [keccak(text=self.encoded_type)]
        if self.fields & _FIELD_NAME:
            words.append(keccak(text=self.name))
        if self.fields & _FIELD_VERSION:
            words.append(keccak(text=self.version))
        if self.fields & _FIELD_CHAIN_ID:
            words.append(word_uint(self.chain_id))
        if self.fields & _FIELD_CONTRACT:
            words.append(word_address(self.verifying_contract))
        if self.fields & _FIELD_SALT:
            words.append(self.salt)
        return keccak(b"".join(words))

    def as_typed_data(self) -> dict:
        """The domain as eth-account's typed-data encoder takes it (for interop)."""
        out: dict = {}
        if self.fields & _FIELD_NAME:
            out["name"] = self.name
        if self.fields & _FIELD_VERSION:
            out["version"] = self.version
        if self.fields & _FIELD_CHAIN_ID:
            out["chainId"] = self.chain_id
        if self.fields & _FIELD_CONTRACT:
            out["verifyingContract"] = self.verifying_contract
        if self.fields & _FIELD_SALT:
            out["salt"] = self.salt
        return out


async def read_domain(chain: EvmChain, contract: str) -> Eip712Domain:
    """Read ``contract``'s domain through EIP-5267 ``eip712Domain()``.

    DomainUnavailable when the contract does not implement it, or reports a
    chain id other than the node's (a signature for it would never verify).
    """
    try:
        domain = Eip712Domain.from_eip5267(await chain.call(contract, abi.EIP712_DOMAIN))
    except (abi.Reverted, ValueError) as exc:
        raise DomainUnavailable(f"{contract} reports no usable EIP-712 domain: {exc}") from exc
    if domain.fields & _FIELD_CHAIN_ID and domain.chain_id != await chain.chain_id():
        raise DomainUnavailable(
            f"{contract} reports chainId {domain.chain_id}, "
            f"but the node is chain {await chain.chain_id()}"
        )
    return domain
