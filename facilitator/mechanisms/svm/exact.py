"""x402 ``exact`` on Solana: the payer signs a versioned transaction that the
facilitator (the fee payer named in ``extra.feePayer``) co-signs and sends.

Only this shape is accepted (x402-wire.md), in the x402 SDK's order:

0. ComputeBudget SetComputeUnitLimit (at most ``svm_max_compute_unit_limit``)
1. ComputeBudget SetComputeUnitPrice (at most ``svm_max_compute_unit_price``)
2. one SPL Token / Token-2022 ``TransferChecked`` of exactly ``amount`` of
   ``asset`` into the associated token account of ``payTo``, with a single
   signing authority (no multisig),
3..5. optional Memo instructions;

no address lookup tables, and the fee payer in no instruction's accounts: a
transaction that names it could make the facilitator pay or sign for
something else. Reason strings are the x402 SDK's where it has one.

The same signed transaction settles at most once: its message hash is the
payment key, and the payment log keeps it for good (longer than the ~120 s
a blockhash lives). The co-signed transaction's signature is known before
it is sent, so it is recorded first; a restart finds it by that signature.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.core import RPCException
from solana.rpc.models import TxOpts
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction import VersionedTransaction
from spl.token.instructions import get_associated_token_address

from facilitator.errors import INVALID_PAYLOAD, TRANSACTION_FAILED, ChainUnavailable, Refused
from facilitator.mechanisms.base import (
    Failed,
    Journal,
    Mechanism,
    Resolution,
    Settled,
    SettlementUnconfirmed,
    StillPending,
    Verified,
)

if TYPE_CHECKING:
    from facilitator.settings import FacilitatorSettings, NetworkConfig
    from facilitator.store import PaymentRecord
    from facilitator.wire import PaymentRequest

COMPUTE_BUDGET = Pubkey.from_string("ComputeBudget111111111111111111111111111111")
TOKEN = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022 = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SET_COMPUTE_UNIT_LIMIT, SET_COMPUTE_UNIT_PRICE = 2, 3
TRANSFER_CHECKED = 12
MAX_MEMO_BYTES = 256
#: SPL Token custom error 1: the source holds less than the amount.
TOKEN_INSUFFICIENT_FUNDS = 1

# --- reasons (x402 SDK names; gridpay_ for cases it has none) -----------------------
ERR_DECODE = "invalid_exact_svm_payload_transaction_could_not_be_decoded"
ERR_INSTRUCTION_COUNT = "invalid_exact_svm_payload_transaction_instructions_length"
ERR_UNKNOWN_INSTRUCTION = ("invalid_exact_svm_payload_unknown_fourth_instruction",
                           "invalid_exact_svm_payload_unknown_fifth_instruction",
                           "invalid_exact_svm_payload_unknown_sixth_instruction")
ERR_COMPUTE_LIMIT = "invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction"
ERR_COMPUTE_PRICE = "invalid_exact_svm_payload_transaction_instructions_compute_price_instruction"
ERR_COMPUTE_PRICE_TOO_HIGH = ERR_COMPUTE_PRICE + "_too_high"
ERR_NO_TRANSFER = "invalid_exact_svm_payload_no_transfer_instruction"
ERR_MINT_MISMATCH = "invalid_exact_svm_payload_mint_mismatch"
ERR_RECIPIENT_MISMATCH = "invalid_exact_svm_payload_recipient_mismatch"
ERR_AMOUNT_INSUFFICIENT = "invalid_exact_svm_payload_amount_insufficient"
ERR_FEE_PAYER_MISSING = "invalid_exact_svm_payload_missing_fee_payer"
ERR_FEE_PAYER_NOT_MANAGED = "fee_payer_not_managed_by_facilitator"
ERR_FEE_PAYER_TRANSFERRING = "invalid_exact_svm_payload_transaction_fee_payer_transferring_funds"
ERR_SIMULATION_FAILED = "transaction_simulation_failed"
ERR_INSUFFICIENT_FUNDS = "insufficient_funds"
ERR_AMOUNT_EXCEEDS = "gridpay_svm_amount_exceeds_required"
ERR_LOOKUP_TABLES = "gridpay_svm_address_lookup_tables_not_allowed"
ERR_SIGNATURE = "gridpay_svm_payer_signature_invalid"
ERR_EXPIRED = "gridpay_svm_blockhash_expired"


class Shape:
    """A payment transaction that passed the shape rules."""

    def __init__(self, tx: VersionedTransaction, payer: Pubkey, amount: int) -> None:
        self.tx = tx
        self.payer = payer
        self.amount = amount


def decode(payload: dict[str, Any]) -> VersionedTransaction:
    raw = payload.get("transaction") if isinstance(payload, dict) else None
    if not isinstance(raw, str) or not raw:
        raise Refused(INVALID_PAYLOAD, "payload.transaction must be a base64 transaction")
    try:
        return VersionedTransaction.from_bytes(base64.b64decode(raw, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise Refused(ERR_DECODE, f"payload.transaction is not a versioned transaction: {exc}")


def message_bytes(tx: VersionedTransaction) -> bytes:
    return bytes(to_bytes_versioned(tx.message))


def check_shape(tx: VersionedTransaction, *, fee_payer: Pubkey, asset: Pubkey, pay_to: Pubkey,
                amount: int, max_price: int, max_limit: int) -> Shape:
    """The shape rules above; Refused naming the first one broken."""
    msg = tx.message
    keys = list(msg.account_keys)
    if isinstance(msg, MessageV0) and msg.address_table_lookups:
        raise Refused(ERR_LOOKUP_TABLES, "address lookup tables could hide accounts; "
                      "list every account in the message")
    if not keys or keys[0] != fee_payer:
        raise Refused(ERR_FEE_PAYER_MISSING, f"the transaction's fee payer must be {fee_payer}, "
                      f"got {keys[0] if keys else 'none'}")
    ixs = list(msg.instructions)
    if not 3 <= len(ixs) <= 6:
        raise Refused(ERR_INSTRUCTION_COUNT, f"{len(ixs)} instructions; expected compute limit, "
                      "compute price, TransferChecked and up to 3 memos")
    fee_payer_index = 0
    for n, ix in enumerate(ixs):
        if fee_payer_index in bytes(ix.accounts):
            raise Refused(ERR_FEE_PAYER_TRANSFERRING, f"instruction {n} names the fee payer "
                          f"{fee_payer} among its accounts")

    def program(ix: Any) -> Pubkey:
        return keys[ix.program_id_index]

    limit, price, transfer, *memos = ixs
    data = bytes(limit.data)
    if program(limit) != COMPUTE_BUDGET or len(data) != 5 or data[0] != SET_COMPUTE_UNIT_LIMIT:
        raise Refused(ERR_COMPUTE_LIMIT, "instruction 0 must be SetComputeUnitLimit")
    units = int.from_bytes(data[1:5], "little")
    if units > max_limit:
        raise Refused(ERR_COMPUTE_LIMIT, f"compute unit limit {units} is above {max_limit}")
    data = bytes(price.data)
    if program(price) != COMPUTE_BUDGET or len(data) != 9 or data[0] != SET_COMPUTE_UNIT_PRICE:
        raise Refused(ERR_COMPUTE_PRICE, "instruction 1 must be SetComputeUnitPrice")
    micro_lamports = int.from_bytes(data[1:9], "little")
    if micro_lamports > max_price:
        raise Refused(ERR_COMPUTE_PRICE_TOO_HIGH, f"compute unit price {micro_lamports} "
                      f"micro-lamports is above the cap of {max_price}")
    for n, memo in enumerate(memos):
        if program(memo) != MEMO or len(bytes(memo.data)) > MAX_MEMO_BYTES:
            raise Refused(ERR_UNKNOWN_INSTRUCTION[n], f"instruction {n + 3} may only be a memo "
                          f"of at most {MAX_MEMO_BYTES} bytes, got program {program(memo)}")

    token_program = program(transfer)
    data = bytes(transfer.data)
    accounts = bytes(transfer.accounts)
    if token_program not in (TOKEN, TOKEN_2022) or len(data) != 10 or data[0] != TRANSFER_CHECKED:
        raise Refused(ERR_NO_TRANSFER, "instruction 2 must be an SPL Token TransferChecked")
    if len(accounts) != 4:
        raise Refused(ERR_NO_TRANSFER, f"TransferChecked with {len(accounts)} accounts: exactly "
                      "source, mint, destination and one signing authority")
    _source, mint, destination, authority = (keys[i] for i in accounts)
    if mint != asset:
        raise Refused(ERR_MINT_MISMATCH, f"transfers mint {mint}, requirements ask for {asset}")
    expected = get_associated_token_address(pay_to, asset, token_program)
    if destination != expected:
        raise Refused(ERR_RECIPIENT_MISMATCH, f"transfers to {destination}, not to {pay_to}'s "
                      f"associated token account {expected}")
    paid = int.from_bytes(data[1:9], "little")
    if paid < amount:
        raise Refused(ERR_AMOUNT_INSUFFICIENT, f"transfers {paid}, {amount} required")
    if paid > amount:
        raise Refused(ERR_AMOUNT_EXCEEDS, f"transfers {paid}, exactly {amount} required")
    if authority == fee_payer:
        raise Refused(ERR_FEE_PAYER_TRANSFERRING, "the fee payer is the transfer authority")

    # Every signer but the fee payer must have signed this very message.
    signed = message_bytes(tx)
    signers = keys[: msg.header.num_required_signatures]
    if authority not in signers:
        raise Refused(ERR_NO_TRANSFER, f"the transfer authority {authority} does not sign")
    for key, sig in zip(signers[1:], list(tx.signatures)[1:], strict=False):
        if not sig.verify(key, signed):
            raise Refused(ERR_SIGNATURE, f"{key}'s signature does not verify", payer=str(authority))
    if len(tx.signatures) != len(signers):
        raise Refused(ERR_SIGNATURE, f"{len(tx.signatures)} signatures for {len(signers)} signers")
    return Shape(tx, authority, paid)


class ExactSvm(Mechanism):
    family: ClassVar[str] = "solana"
    transfer_method: ClassVar[str] = "spl"

    def __init__(self, config: NetworkConfig, settings: FacilitatorSettings, *,
                 fee_payer: Keypair | None = None, client: AsyncClient | None = None) -> None:
        super().__init__(config, settings)
        self.fee_payer = fee_payer
        self.client = client or AsyncClient(config.rpc_url, commitment=Confirmed, timeout=10)
        self.asset = Pubkey.from_string(config.asset)

    def use_fee_payer(self, secret: bytes) -> None:
        self.fee_payer = Keypair.from_bytes(secret)

    async def start(self) -> None:
        if self.fee_payer is None:
            raise RuntimeError(f"{self.network}: no fee payer key (set "
                               "GRIDPAY_FACILITATOR__SVM_FEE_PAYER_KEY_FILE)")
        async with self._rpc():
            await self.client.get_latest_blockhash()

    async def close(self) -> None:
        await self.client.close()

    def _rpc(self) -> RpcErrors:
        return RpcErrors(self.network)

    def extra(self) -> dict[str, Any]:
        return {"feePayer": str(self.fee_payer.pubkey())} if self.fee_payer else {}

    def signers(self) -> list[str]:
        return [str(self.fee_payer.pubkey())] if self.fee_payer else []

    # -- the payment -------------------------------------------------------------------
    def payment_key(self, req: PaymentRequest) -> str:
        digest = hashlib.sha256(message_bytes(decode(req.payload))).hexdigest()
        return f"{self.network}:{digest}"

    def _shape(self, req: PaymentRequest) -> Shape:
        assert self.fee_payer is not None
        named = (req.extra or {}).get("feePayer")
        if not isinstance(named, str) or not named:
            raise Refused(ERR_FEE_PAYER_MISSING, "requirements.extra.feePayer is missing")
        if named != str(self.fee_payer.pubkey()):
            raise Refused(ERR_FEE_PAYER_NOT_MANAGED, f"fee payer {named} is not this "
                          f"facilitator's ({self.fee_payer.pubkey()})")
        try:
            pay_to = Pubkey.from_string(req.pay_to)
        except ValueError:
            raise Refused(ERR_RECIPIENT_MISMATCH, f"payTo {req.pay_to!r} is not a public key")
        return check_shape(decode(req.payload), fee_payer=self.fee_payer.pubkey(),
                           asset=self.asset, pay_to=pay_to, amount=req.amount,
                           max_price=self.settings.svm_max_compute_unit_price,
                           max_limit=self.settings.svm_max_compute_unit_limit)

    def _cosign(self, tx: VersionedTransaction) -> VersionedTransaction:
        assert self.fee_payer is not None
        sigs = list(tx.signatures)
        sigs[0] = self.fee_payer.sign_message(message_bytes(tx))
        return VersionedTransaction.populate(tx.message, sigs)

    async def verify(self, req: PaymentRequest) -> Verified:
        shape = self._shape(req)
        signed = self._cosign(shape.tx)
        async with self._rpc():
            sim = await self.client.simulate_transaction(signed, sig_verify=True)
        err = sim.value.err
        if err is not None:
            logs = list(sim.value.logs or [])
            reason = ERR_INSUFFICIENT_FUNDS if _token_error(err) == TOKEN_INSUFFICIENT_FUNDS \
                else ERR_SIMULATION_FAILED
            raise Refused(reason, f"simulation failed: {err}; logs: {logs[-3:]}",
                          payer=str(shape.payer))
        return Verified(payer=str(shape.payer), parsed=signed)

    async def settle(self, req: PaymentRequest, verified: Verified, journal: Journal) -> Settled:
        tx: VersionedTransaction = verified.parsed
        signature = str(tx.signatures[0])
        await journal.broadcast(signature, {"raw": base64.b64encode(bytes(tx)).decode()})
        try:
            async with self._rpc():
                await self.client.send_raw_transaction(
                    bytes(tx), TxOpts(skip_preflight=True, skip_confirmation=True))
        except ChainUnavailable:
            raise
        except RPCException as exc:
            raise SettlementUnconfirmed(f"the node refused {signature}: {exc}", signature) from exc
        outcome = await self._wait(tx.signatures[0], self.settings.settle_wait_seconds)
        if isinstance(outcome, Settled):
            return outcome
        if isinstance(outcome, Failed):
            raise Refused(outcome.reason, outcome.message, payer=verified.payer)
        raise SettlementUnconfirmed(outcome.message, signature)

    async def _status(self, signature: Signature) -> Resolution | None:
        async with self._rpc():
            resp = await self.client.get_signature_statuses([signature],
                                                            search_transaction_history=True)
        status = resp.value[0]
        if status is None:
            return None
        if status.err is not None:
            return Failed(TRANSACTION_FAILED, f"{signature} failed on-chain: {status.err}",
                          str(signature))
        if status.confirmation_status is None or str(status.confirmation_status) not in (
                "TransactionConfirmationStatus.Confirmed", "TransactionConfirmationStatus.Finalized"):
            return StillPending(f"{signature} is processed, not yet confirmed")
        return Settled(str(signature))

    async def _wait(self, signature: Signature, timeout: float) -> Resolution:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            outcome = await self._status(signature)
            if isinstance(outcome, Settled | Failed):
                return outcome
            if loop.time() > deadline:
                return outcome or StillPending(f"{signature} not seen within {timeout}s")
            await asyncio.sleep(0.05)

    async def resolve(self, record: PaymentRecord) -> Resolution:
        if not record.transaction:
            return Failed(TRANSACTION_FAILED, "no transaction was recorded; nothing was sent")
        signature = Signature.from_string(record.transaction)
        outcome = await self._status(signature)
        if outcome is not None:
            return outcome
        raw = (record.settlement or {}).get("raw")
        if not raw:
            return Failed(TRANSACTION_FAILED, "the sent transaction was not recorded")
        # Not seen: send the very same bytes again (same signature: it lands at
        # most once). An expired blockhash means it never can: nothing moved.
        try:
            async with self._rpc():
                await self.client.send_raw_transaction(
                    base64.b64decode(raw), TxOpts(skip_preflight=False,
                                                  skip_confirmation=True))
        except RPCException as exc:
            text = str(exc)
            if "already been processed" in text.lower() or "AlreadyProcessed" in text:
                return StillPending(f"{signature} already processed")
            if "blockhash not found" in text.lower():
                return Failed(ERR_EXPIRED, f"{signature} never landed and its blockhash "
                              "expired; nothing moved", str(signature))
            return Failed(TRANSACTION_FAILED, f"{signature} refused on resend: {text}",
                          str(signature))
        return StillPending(f"{signature} re-sent")


def _token_error(err: Any) -> int | None:
    """The custom error code of an InstructionError, if any."""
    text = str(err)
    marker = "Custom("
    if marker in text:
        try:
            return int(text.split(marker, 1)[1].split(")", 1)[0])
        except ValueError:
            return None
    return None


class RpcErrors:
    """Transport failures of the RPC become ChainUnavailable."""

    def __init__(self, network: str) -> None:
        self.network = network

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, httpx.HTTPError | SolanaRpcException | ConnectionError | TimeoutError):
            raise ChainUnavailable(self.network, f"RPC unreachable: {type(exc).__name__}: {exc}") \
                from exc
        return False



