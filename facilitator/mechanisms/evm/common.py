"""What the two EVM mechanisms share: a chain and a relayer from ``pyclients``,
the mapping of its typed errors onto the engine's, and the settle/resolve flow.

A path differs only in its payload class, its ``pyclients`` payment path, and
the on-chain replay key (EIP-3009 ``authorizationState`` / PermitSettlement
``intentState``) that says whether a payment has happened whatever became of
our own transaction.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.exceptions import TransactionNotFound

from facilitator.errors import (
    INVALID_PAYMENT_REQUIREMENTS,
    TRANSACTION_FAILED,
    ChainUnavailable,
    Refused,
)
from facilitator.mechanisms.base import (
    Failed,
    Journal,
    Mechanism,
    Resend,
    Resolution,
    Settled,
    SettlementUnconfirmed,
    StillPending,
    Verified,
)
from pyclients.evm.batched import FastChain, RpcError
from pyclients.evm.chain import EvmChain
from pyclients.evm.errors import (
    NONCE_ALREADY_USED,
    VALID_BEFORE,
    EvmPaymentError,
    InvalidPayload,
    RelayerError,
    SettlementFailed,
)
from pyclients.evm.payment import PaymentPath, Requirements
from pyclients.evm.relayer import Relayer

if TYPE_CHECKING:
    from facilitator.settings import FacilitatorSettings, NetworkConfig
    from facilitator.store import PaymentRecord
    from facilitator.wire import PaymentRequest

#: Blocks searched backwards for the event of a settlement whose hash is unknown.
LOG_SEARCH_BLOCKS = 50_000


@contextmanager
def chain_errors(network: str) -> Iterator[None]:
    """pyclients' refusals become Refused (their reason goes on the wire); an
    unreachable node becomes ChainUnavailable."""
    try:
        yield
    except (SettlementFailed, RelayerError):
        raise  # the caller decides: these happen at or after the send
    except EvmPaymentError as exc:
        raise Refused(exc.reason, exc.message) from exc
    except (aiohttp.ClientError, TimeoutError, ConnectionError) as exc:
        raise ChainUnavailable(network, f"RPC unreachable: {type(exc).__name__}: {exc}") from exc
    except RpcError as exc:
        raise ChainUnavailable(network, f"RPC refused a read: {exc}") from exc


class EvmMechanism(Mechanism):
    """x402 ``exact`` on an EVM chain through one ``pyclients`` payment path."""

    family: ClassVar[str] = "eip155"
    replay_reason: ClassVar[str] = NONCE_ALREADY_USED

    def __init__(self, config: NetworkConfig, settings: FacilitatorSettings, *,
                 relayer_key: str | None = None, chain: EvmChain | None = None) -> None:
        super().__init__(config, settings)
        self._relayer_key = relayer_key
        self.chain = chain or FastChain(config.rpc_url)
        self.path: PaymentPath[Any] | None = None
        self.relayer: Relayer | None = None
        self.account: LocalAccount | None = (
            Account.from_key(relayer_key) if relayer_key else None)

    def use_relayer_key(self, key: str) -> None:
        self.account = Account.from_key(key)

    async def start(self) -> None:
        if self.account is None:
            raise RuntimeError(f"{self.network}: no relayer key (set "
                               "GRIDPAY_FACILITATOR__EVM_RELAYER_KEY_FILE)")
        with chain_errors(self.network):
            chain_network = await self.chain.network()
            if chain_network != self.network:
                raise RuntimeError(f"{self.config.rpc_url} is {chain_network}, "
                                   f"configured as {self.network}")
            self.path = await self.open_path()
        self.relayer = Relayer(self.chain, self.account,
                               receipt_timeout=self.settings.claim_lease_seconds / 2)

    async def close(self) -> None:
        await self.chain.close()

    @abstractmethod
    async def open_path(self) -> PaymentPath[Any]:
        """The pyclients payment path for the configured token."""

    @abstractmethod
    def parse(self, payload: dict[str, Any]) -> Any:
        """The signed payload (pyclients' own type); InvalidPayload if malformed."""

    @abstractmethod
    def replay_id(self, parsed: Any) -> tuple[str, str, bytes]:
        """(contract, payer, nonce): the chain's one-use key of the payment."""

    @abstractmethod
    async def used_on_chain(self, parsed: Any) -> bool:
        """Whether the replay key is spent (settled or cancelled)."""

    @abstractmethod
    async def find_settlement(self, parsed: Any, from_block: int) -> str | None:
        """The transaction that spent the replay key, from the contract's event."""

    @abstractmethod
    def valid_before(self, parsed: Any) -> int:
        """Last moment (exclusive) the payment can be settled."""

    # -- Mechanism -------------------------------------------------------------------
    @staticmethod
    def same_asset(a: str, b: str) -> bool:
        return a.lower() == b.lower()

    def signers(self) -> list[str]:
        return [self.account.address] if self.account else []

    def check_requirements(self, req: PaymentRequest) -> None:
        super().check_requirements(req)
        method = (req.extra or {}).get("assetTransferMethod")
        if method not in self.accepted_methods():
            raise Refused(INVALID_PAYMENT_REQUIREMENTS,
                          f"extra.assetTransferMethod {method!r} is not how {self.config.asset} "
                          f"is paid on {self.network}; use {self.accepted_methods()[-1]!r}")

    def accepted_methods(self) -> tuple[str | None, ...]:
        return (self.transfer_method,)

    def _parse(self, req: PaymentRequest) -> Any:
        try:
            return self.parse(req.payload)
        except InvalidPayload as exc:
            raise Refused(exc.reason, exc.message) from exc

    def payment_key(self, req: PaymentRequest) -> str:
        contract, payer, nonce = self.replay_id(self._parse(req))
        digest = hashlib.sha256(f"{contract}:{payer}:{nonce.hex()}".lower().encode()).hexdigest()
        return f"{self.network}:{digest}"

    def _ready(self) -> tuple[PaymentPath[Any], Relayer]:
        if self.path is None or self.relayer is None:
            raise RuntimeError(f"{self.network} mechanism used before start()")
        return self.path, self.relayer

    async def verify(self, req: PaymentRequest) -> Verified:
        path, relayer = self._ready()
        parsed = self._parse(req)
        requirements = Requirements.from_x402(req.requirements_v2(self.network))
        payer = path.payer_of(parsed)
        try:
            with chain_errors(self.network):
                await path.verify(parsed, requirements)
                # what the chain itself would say, as the relayer that will send it
                to, data, action = path.settle_call(parsed)
                if isinstance(self.chain, FastChain):
                    await self.chain.simulate(relayer.address, to, data, action=action)
                else:
                    await relayer.simulate(to, data, action=action)
        except Refused as exc:
            exc.payer = payer
            raise
        return Verified(payer=payer, parsed=parsed)

    async def settle(self, req: PaymentRequest, verified: Verified, journal: Journal) -> Settled:
        path, relayer = self._ready()
        parsed = verified.parsed
        to, data, action = path.settle_call(parsed)
        with chain_errors(self.network):
            from_block = int(await self.chain.w3.eth.block_number)
        await journal.sending({"relayer": relayer.address, "from_block": from_block})
        try:
            with chain_errors(self.network):
                # verify() simulated a moment ago; transact estimates gas, which
                # reverts too if the state changed since
                receipt = await relayer.transact(to, data, action=action, simulate=False)
        except RelayerError as exc:
            raise Refused(exc.reason, exc.message, payer=verified.payer) from exc
        except SettlementFailed as exc:
            # Mined and reverted, or not mined in time: the chain decides.
            outcome = await self._outcome(parsed, exc.tx_hash, from_block)
            if isinstance(outcome, Settled):
                return outcome
            if isinstance(outcome, Failed):
                raise Refused(outcome.reason, outcome.message, payer=verified.payer) from exc
            raise SettlementUnconfirmed(exc.message, exc.tx_hash) from exc
        return Settled("0x" + bytes(receipt["transactionHash"]).hex())

    async def resolve(self, record: PaymentRecord) -> Resolution:
        settlement = record.settlement or {}
        request = settlement.get("request") or {}
        try:
            parsed = self.parse(request.get("payload") or {})
        except InvalidPayload as exc:
            return Failed(exc.reason, f"logged payload is unreadable: {exc.message}")
        outcome = await self._outcome(parsed, record.transaction,
                                      int(settlement.get("from_block", 0)))
        relayer = settlement.get("relayer")
        if isinstance(outcome, Resend) and record.transaction is None and relayer:
            # The id of what was sent is unknown. While the relayer has
            # transactions waiting, ours may be among them: wait, never send twice.
            with chain_errors(self.network):
                waiting = (await self.chain.w3.eth.get_transaction_count(relayer, "pending")
                           - await self.chain.w3.eth.get_transaction_count(relayer, "latest"))
            if waiting > 0:
                return StillPending(f"{relayer} has {waiting} transaction(s) waiting to be mined")
        return outcome

    async def _outcome(self, parsed: Any, tx_hash: str | None, from_block: int) -> Resolution:
        """What the chain says of a payment we may have sent as ``tx_hash``."""
        with chain_errors(self.network):
            if await self.used_on_chain(parsed):
                # Spent: by our transaction, or by anyone's with the same
                # signature (a front-runner still paid the payee exactly).
                found = await self.find_settlement(parsed, from_block)
                if found is None:
                    return Failed(TRANSACTION_FAILED, "the authorization was spent without a "
                                  "settlement event: cancelled by the payer", tx_hash)
                return Settled(found)
            pending = False
            if tx_hash is not None:
                try:
                    receipt = await self.chain.w3.eth.get_transaction_receipt(tx_hash)
                except TransactionNotFound:
                    receipt = None
                if receipt is not None and receipt["status"] != 1:
                    return Failed(TRANSACTION_FAILED, f"{tx_hash} reverted in block "
                                  f"{receipt['blockNumber']}; nothing moved", tx_hash)
                if receipt is None:
                    try:
                        await self.chain.w3.eth.get_transaction(tx_hash)
                        pending = True
                    except TransactionNotFound:
                        pending = False
            now = await self.chain.now()
        if pending:
            return StillPending(f"{tx_hash} is waiting to be mined")
        if now >= self.valid_before(parsed):
            return Failed(VALID_BEFORE, "expired before it was settled; nothing moved", tx_hash)
        return Resend("nothing reached the chain and the payment is still valid")

    async def logs(self, address: str, topics: list[Any], from_block: int) -> list[Any]:
        latest = int(await self.chain.w3.eth.block_number)
        start = max(0, min(from_block, latest) if from_block else latest - LOG_SEARCH_BLOCKS)
        return list(await self.chain.w3.eth.get_logs(
            {"address": address, "topics": topics, "fromBlock": start, "toBlock": latest}))


def topic_address(address: str) -> str:
    return "0x" + "00" * 12 + address.lower().removeprefix("0x")
