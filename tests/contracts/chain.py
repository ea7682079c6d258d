"""An in-process EVM (eth-tester + py-evm) with a chosen chain id, and helpers to
deploy gridpay's contracts on it and to read the custom error a call reverts with."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

from eth_abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS

from toolchain.solc import build_contracts, load_artifact


@dataclass
class Chain:
    """eth-tester chain whose `block.chainid` and `eth_chainId` both report `chain_id`.

    eth-tester hard-codes its chain id in two places (the py-evm chain class, read by
    the CHAINID opcode, and web3's static `eth_chainId` endpoint); both are overridden
    so EIP-712 domains on-chain and off-chain agree, as on a real network."""

    w3: Web3
    tester: EthereumTester
    backend: PyEVMBackend
    accounts: list[LocalAccount]  # funded and unlocked in eth-tester

    @classmethod
    def start(cls, chain_id: int) -> Chain:
        backend = PyEVMBackend()
        tester = EthereumTester(backend)
        endpoints = {namespace: dict(calls) for namespace, calls in API_ENDPOINTS.items()}
        chain = cls(
            w3=Web3(EthereumTesterProvider(tester, api_endpoints=endpoints)),
            tester=tester,
            backend=backend,
            accounts=[Account.from_key(k.to_bytes()) for k in backend.account_keys],
        )
        chain.set_chain_id(chain_id)
        return chain

    def set_chain_id(self, chain_id: int) -> None:
        """Switch the chain id from the next call on (like a fork switching networks)."""
        self.backend.chain.chain_id = chain_id
        self.w3.provider.api_endpoints["eth"]["chainId"] = lambda *_: chain_id
        assert self.w3.eth.chain_id == chain_id

    def set_code(self, address: str, code: bytes) -> None:
        """Put `code` at `address` and mine a block, as `anvil_setCode` does."""
        chain = self.backend.chain
        state = chain.get_vm().state
        state.set_code(bytes.fromhex(address.removeprefix("0x")), code)
        state.persist()
        chain.header = chain.header.copy(state_root=state.state_root)
        self.tester.mine_blocks(1)

    def deploy(self, name: str, *args: Any, sender: LocalAccount) -> Contract:
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.send(factory.constructor(*args), sender)
        return self.w3.eth.contract(address=receipt.contractAddress, abi=artifact.abi)

    def at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=address, abi=load_artifact(name).abi)

    def send(self, call: Any, sender: LocalAccount, *, gas: int | None = None) -> Any:
        """Transact and return the receipt; a revert raises TransactionFailed (before
        sending when gas is estimated; given `gas`, the mined receipt must succeed)."""
        tx: dict[str, Any] = {"from": sender.address}
        if gas is not None:
            tx["gas"] = gas  # skips estimation: one EVM execution instead of two
        tx_hash = call.transact(tx)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt.status == 1
        return receipt

    @staticmethod
    def events(contract: Contract, event: str, receipt: Any) -> list[Any]:
        """`event` logs of `contract` in `receipt` (other contracts' logs skipped)."""
        return list(getattr(contract.events, event)().process_receipt(receipt, errors=DISCARD))

    def timestamp(self) -> int:
        """Timestamp of the latest block; the next block's is strictly greater."""
        return self.w3.eth.get_block("latest").timestamp


@cache
def _error_abis() -> dict[bytes, tuple[str, list[str]]]:
    """selector -> (error name, argument types) over every contract: a revert may come
    from a token called by the settlement contract or by a wallet."""
    build_contracts()
    from toolchain.solc.artifacts import default_out_dir

    errors: dict[bytes, tuple[str, list[str]]] = {}
    for path in default_out_dir().glob("*.json"):
        if path.name.startswith("."):
            continue
        for item in load_artifact(path.stem, build=False).abi:
            if item["type"] == "error":
                types = [i["type"] for i in item["inputs"]]
                signature = f"{item['name']}({','.join(types)})"
                errors[keccak(text=signature)[:4]] = (item["name"], types)
    return errors


def revert_data(exc: TransactionFailed) -> bytes:
    """The raw revert data: eth-tester puts it into the message as a bytes literal."""
    message = str(exc.args[0])
    literal = message.removeprefix("execution reverted: ")
    data = ast.literal_eval(literal)
    assert isinstance(data, bytes), f"no revert data in {message!r}"
    return data


def decode_revert(exc: TransactionFailed) -> tuple[str, tuple[Any, ...]]:
    data = revert_data(exc)
    name, types = _error_abis()[data[:4]]
    values = abi_decode(types, data[4:])
    return name, tuple(
        Web3.to_checksum_address(v) if t == "address" else v for t, v in zip(types, values)
    )


def reverts(action: Callable[[], Any]) -> tuple[str, tuple[Any, ...]]:
    """Run `action`, which must revert; return the custom error's (name, args)."""
    try:
        action()
    except TransactionFailed as exc:
        return decode_revert(exc)
    raise AssertionError("expected a revert, but the call succeeded")
