"""Deploy gridpay's EVM contracts onto a chain and fund the development accounts.

Works on any node reached through :class:`pyclients.evm.chain.EvmChain`: an
anvil process (tokens placed at their real mainnet addresses with
``anvil_setCode``), or the in-process eth-tester chain of :func:`in_process_chain`
with a chain id the caller chooses.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3.providers import AsyncEthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

from pyclients.evm import abi
from pyclients.evm.chain import EvmChain, lean_web3
from pyclients.evm.eip3009 import Eip3009
from pyclients.evm.payment import PaymentPath
from pyclients.evm.permit import PermitPayment
from pyclients.evm.relayer import Relayer

#: anvil's default mnemonic: `gridpay evm up` and the in-process chain share accounts.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNT_COUNT = 10
#: Whole tokens minted to each development account.
DEV_MINT_TOKENS = 1_000_000


@dataclass(frozen=True)
class NetworkSpec:
    """One local EVM network: its chain id, token contract and payment method."""

    name: str
    chain_id: int
    token_contract: str
    #: Mainnet address the token is placed at (None: wherever it deploys).
    token_address: str | None
    #: x402 ``extra.assetTransferMethod``.
    transfer_method: str


NETWORKS: dict[str, NetworkSpec] = {
    spec.name: spec
    for spec in (
        NetworkSpec(
            "base", 8453, "FiatTokenUSDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "eip3009"
        ),
        NetworkSpec("megaeth", 4326, "MegaUSD", None, "gridpay-permit"),
        NetworkSpec(
            "bsc", 56, "USD1", "0x8d0D000Ee44948FC98c9B98A4FA4921476f08B0d", "gridpay-permit"
        ),
    )
}


@dataclass(frozen=True)
class TokenInfo:
    address: str
    symbol: str
    decimals: int
    name: str
    version: str
    transfer_method: str


@dataclass(frozen=True)
class DevAccount:
    address: str
    private_key: str

    def account(self) -> LocalAccount:
        return Account.from_key(self.private_key)


@dataclass(frozen=True)
class ChainDeployment:
    """Everything a client needs about one local chain (an endpoints.json entry)."""

    name: str
    chain_id: int
    network: str
    token: TokenInfo
    permit_settlement: str
    accounts: tuple[DevAccount, ...]
    rpc_url: str | None = None
    pid: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("name")
        out.pop("extra")
        out["accounts"] = [asdict(a) for a in self.accounts]
        return out

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> ChainDeployment:
        return cls(
            name=name,
            chain_id=int(data["chain_id"]),
            network=data["network"],
            token=TokenInfo(**data["token"]),
            permit_settlement=data["permit_settlement"],
            accounts=tuple(DevAccount(**a) for a in data["accounts"]),
            rpc_url=data.get("rpc_url"),
            pid=data.get("pid"),
        )

    def dev_account(self, index: int) -> LocalAccount:
        return self.accounts[index].account()


@lru_cache(maxsize=1)
def dev_accounts() -> tuple[DevAccount, ...]:
    """anvil's default accounts (index 0 deploys, mints and relays by convention)."""
    Account.enable_unaudited_hdwallet_features()
    out = []
    for i in range(DEV_ACCOUNT_COUNT):
        acct = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{i}")
        out.append(DevAccount(acct.address, "0x" + bytes(acct.key).hex()))
    return tuple(out)


async def deploy_contract(relayer: Relayer, name: str, *args: Any) -> str:
    """Deploy contract ``name`` from ``target/contracts`` (built if stale); its address."""
    from toolchain.solc import load_artifact

    artifact = load_artifact(name)
    ctor = next((e for e in artifact.abi if e["type"] == "constructor"), None)
    types = [i["type"] for i in ctor["inputs"]] if ctor else []
    if len(types) != len(args):
        raise TypeError(f"{name} constructor takes {len(types)} arguments, got {len(args)}")
    init_code = bytes.fromhex(artifact.bytecode[2:]) + (encode(types, list(args)) if types else b"")
    receipt = await relayer.transact(None, init_code, action=f"deploy {name}")
    return to_checksum_address(receipt["contractAddress"])


async def deploy_network(
    chain: EvmChain,
    spec: NetworkSpec,
    *,
    place_at_mainnet_address: bool,
    accounts: tuple[DevAccount, ...] | None = None,
) -> ChainDeployment:
    """Deploy ``spec``'s token and a PermitSettlement, make account 0 the minter and
    mint DEV_MINT_TOKENS to every account. ``place_at_mainnet_address`` needs
    anvil (``anvil_setCode``)."""
    accounts = accounts or dev_accounts()
    relayer = Relayer(chain, accounts[0].account())
    chain_id = await chain.chain_id()
    if chain_id != spec.chain_id and place_at_mainnet_address:
        raise ValueError(f"{spec.name} is chain {spec.chain_id}, the node reports {chain_id}")

    token = await deploy_contract(relayer, spec.token_contract)
    if place_at_mainnet_address and spec.token_address:
        # The code of a deployed instance carries its immutables; EIP712.sol rebuilds
        # the domain separator when address(this) differs from the cached one.
        code = await chain.w3.eth.get_code(token)
        await _rpc(chain, "anvil_setCode", [spec.token_address, "0x" + bytes(code).hex()])
        token = to_checksum_address(spec.token_address)
    await relayer.transact(token, abi.INITIALIZE.encode(relayer.address), action="initialize")
    settlement = await deploy_contract(relayer, "PermitSettlement")

    name, symbol, decimals, domain = await asyncio.gather(
        chain.read(token, abi.NAME),
        chain.read(token, abi.SYMBOL),
        chain.read(token, abi.DECIMALS),
        chain.domain(token),
    )
    amount = DEV_MINT_TOKENS * 10**decimals
    await asyncio.gather(
        *(
            relayer.transact(token, abi.MINT.encode(a.address, amount), action="mint")
            for a in accounts
        )
    )
    return ChainDeployment(
        name=spec.name,
        chain_id=chain_id,
        network=f"eip155:{chain_id}",
        token=TokenInfo(
            address=token,
            symbol=symbol,
            decimals=decimals,
            name=name,
            version=domain.version,
            transfer_method=spec.transfer_method,
        ),
        permit_settlement=settlement,
        accounts=accounts,
    )


async def _rpc(chain: EvmChain, method: str, params: list[Any]) -> Any:
    response = await chain.w3.provider.make_request(method, params)
    if "error" in response:
        raise RuntimeError(f"{method} failed: {response['error']}")
    return response.get("result")


# --- the in-process chain (eth-tester + py-evm) ----------------------------------
class _Revert(Exception):
    def __init__(self, data: bytes) -> None:
        super().__init__("execution reverted")
        self.data = data


def _backend_class() -> type:
    from eth_tester import PyEVMBackend
    from eth_tester.exceptions import TransactionFailed

    class RevertDataBackend(PyEVMBackend):
        """eth-tester flattens custom-error revert data into a string; keep the bytes
        so reverts look as they do on a node (JSON-RPC error with ``data``)."""

        _last_revert: bytes = b""

        def is_eip838_error(self, error: Exception) -> bool:
            args = getattr(error, "args", ())
            self._last_revert = args[0] if args and isinstance(args[0], bytes) else b""
            return super().is_eip838_error(error)

        def call(self, transaction: dict, block_number: str = "latest") -> bytes:
            self._last_revert = b""
            try:
                return super().call(transaction, block_number)
            except TransactionFailed:
                raise _Revert(self._last_revert) from None

        def estimate_gas(self, transaction: dict, block_number: str = "latest") -> int:
            try:
                return super().estimate_gas(transaction, block_number)
            except TransactionFailed as exc:  # wraps py-evm's Revert(data)
                inner = exc.args[0] if exc.args else None
                data = getattr(inner, "args", (b"",))[0] if inner is not None else b""
                raise _Revert(data if isinstance(data, bytes) else b"") from None

    return RevertDataBackend


class InProcessProvider(AsyncEthereumTesterProvider):
    """eth-tester behind web3's async provider, reporting ``chain_id`` (eth-tester's
    is fixed unless both py-evm's chain class and the RPC answer are overridden)."""

    def __init__(self, chain_id: int) -> None:
        super().__init__()
        from eth_tester import EthereumTester

        backend = _backend_class().from_mnemonic(
            DEV_MNEMONIC, num_accounts=DEV_ACCOUNT_COUNT, hd_path=DEV_HD_PATH
        )
        type(backend.chain).chain_id = chain_id  # the class is made per backend
        self.ethereum_tester = EthereumTester(backend)
        self.api_endpoints = {
            **API_ENDPOINTS,
            "eth": {**API_ENDPOINTS["eth"], "chainId": static_return(chain_id)},
        }

    async def disconnect(self) -> None:
        """Nothing to close: the chain lives in this process."""

    async def make_request(self, method: Any, params: Any) -> Any:
        try:
            return await super().make_request(method, params)
        except _Revert as exc:
            return {
                "jsonrpc": "2.0",
                "id": 0,
                "error": {
                    "code": 3,
                    "message": "execution reverted",
                    "data": "0x" + exc.data.hex(),
                },
            }


def in_process_chain(chain_id: int) -> EvmChain:
    """A fresh in-process chain whose DEV accounts hold ether."""
    return EvmChain(lean_web3(InProcessProvider(chain_id)))


async def deploy_in_process(
    spec: NetworkSpec,
    chain_id: int | None = None,
) -> tuple[EvmChain, ChainDeployment]:
    """An in-process chain (``chain_id`` defaults to the spec's) with ``spec`` deployed."""
    chain = in_process_chain(chain_id or spec.chain_id)
    return chain, await deploy_network(chain, spec, place_at_mainnet_address=False)


async def payment_path(chain: EvmChain, dep: ChainDeployment) -> PaymentPath:
    """The pyclients payment path for ``dep``'s token (EIP-3009, or the permit path)."""
    if dep.token.transfer_method == "eip3009":
        return await Eip3009.at(chain, dep.token.address)
    return await PermitPayment.at(chain, dep.token.address, dep.permit_settlement)
