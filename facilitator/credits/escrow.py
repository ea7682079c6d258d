"""job_escrow beneath the credit ledger (Solana).

The ledger stays the one interface callers use; this module keeps it true to
the chain:

- ``EscrowIndexer`` follows the program's transactions (getSignaturesForAddress
  then getTransaction, from a stored cursor) and applies their events to the
  store once each — the reference is the signature and event index, so a
  restart or a re-scan never counts a deposit or a withdrawal twice;
- ``EscrowBacking`` locks credits ahead in chunks per active wallet (one
  ``lock_job`` per chunk, signed by the escrow's settlement authority), so a
  request draws on a chunk with no chain I/O and the facilitator never serves
  a wallet beyond what is locked on-chain for it; used credits are settled in
  batches (``settle_jobs``), which returns each chunk's unused remainder to
  the wallet; a chunk nothing was drawn from is refunded.

A chunk is drawn on only until ``expiry_margin_seconds`` before its lock
expires (after expiry anyone may refund it) and is settled well before that.
Every chain write is recorded before it is sent; what a crash leaves is
resolved against the chain on start (``recover``).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature

from facilitator.settings import EscrowCreditsSettings
from facilitator.store import EscrowChunk, Store, utcnow
from pyclients.solana.common.errors import TransactionFailed
from pyclients.solana.escrow import (
    CreditAccount,
    EscrowClient,
    EscrowError,
    EscrowProgram,
    Settlement,
    errors as escrow_errors,
)

if TYPE_CHECKING:
    from solana.rpc.async_api import AsyncClient

log = logging.getLogger("gridpay.facilitator.escrow")

#: Job ids of chunks carry this bit (and 62 random ones), so they never meet
#: the ids of jobs locked one per request.
CHUNK_JOB_TAG = 1 << 62
PAGE = 1000


def chunk_job_id() -> int:
    return CHUNK_JOB_TAG | secrets.randbits(62)


def solana_wallet(wallet: str) -> Pubkey | None:
    try:
        return Pubkey.from_string(wallet)
    except ValueError:
        return None  # an EVM wallet: it has no job_escrow account


@dataclass(frozen=True)
class EscrowSource:
    """Where the escrow is and who may lock and settle in it."""

    rpc_url: str
    authority: bytes  #: 64-byte keypair of the config's settlement authority
    program_id: str | None = None
    worker: str | None = None


# --- the indexer ----------------------------------------------------------------------------
class EscrowIndexer:
    """Applies job_escrow's events to the store, in chain order, once each."""

    def __init__(self, store: Store, rpc: AsyncClient, program: EscrowProgram, *,
                 on_change: Callable[[str], None] | None = None,
                 commitment: str = "finalized") -> None:
        from solana.rpc.commitment import Commitment

        self.store = store
        self.rpc = rpc
        self.program = program
        self.on_change = on_change
        self.commitment = Commitment(commitment)
        self.cursor_name = f"job_escrow:{program.program_id}"

    async def poll(self) -> int:
        """Apply every program transaction newer than the cursor; returns how many."""
        cursor = await asyncio.to_thread(self.store.cursor, self.cursor_name)
        until = Signature.from_string(cursor) if cursor else None
        found: list[Any] = []
        before = None
        while True:
            resp = await self.rpc.get_signatures_for_address(
                self.program.program_id, before=before, until=until, limit=PAGE,
                commitment=self.commitment)
            found += resp.value
            if len(resp.value) < PAGE:
                break
            before = resp.value[-1].signature
        applied = 0
        for info in reversed(found):  # oldest first
            if info.err is None:
                if not await self._apply(info.signature):
                    break  # not readable yet: resume here next time
                applied += 1
            await asyncio.to_thread(self.store.set_cursor, self.cursor_name,
                                    str(info.signature))
        return applied

    async def reindex(self) -> int:
        """Forget the cursor and apply the whole history again (references
        make every event count once)."""
        await asyncio.to_thread(self.store.set_cursor, self.cursor_name, "")
        return await self.poll()

    async def _apply(self, signature: Signature) -> bool:
        resp = await self.rpc.get_transaction(signature, commitment=self.commitment,
                                              max_supported_transaction_version=0)
        tx = resp.value
        if tx is None or tx.transaction.meta is None:
            return False
        logs = list(tx.transaction.meta.log_messages or [])
        for i, (name, data) in enumerate(self.program.events(logs)):
            ref = f"escrow:{signature}:{i}"
            if name in ("CreditsDeposited", "CreditsWithdrawn"):
                wallet = str(data["wallet"])
                credit = str(self.program.credit_address(Pubkey.from_string(wallet)))
                await asyncio.to_thread(self.store.remember_escrow_wallet, credit, wallet)
                kind = "deposit" if name == "CreditsDeposited" else "withdraw"
                changed = await asyncio.to_thread(self.store.apply_escrow_event, kind, wallet,
                                                  int(data["credits"]), reference=ref)
            elif name in ("JobSettled", "JobRefunded"):
                wallet = await self._wallet(str(data["credit"]))
                if wallet is None:
                    log.warning("%s of job %s in %s: credit account %s unknown and closed",
                                name, data["job_id"], signature, data["credit"])
                    continue
                kind = "settled" if name == "JobSettled" else "refunded"
                used = int(data["used_credits"] if kind == "settled" else data["credits"])
                changed = await asyncio.to_thread(
                    self.store.apply_escrow_event, kind, wallet, used, reference=ref,
                    job_id=int(data["job_id"]), transaction=str(signature))
            else:
                continue  # locks move nothing the ledger counts; fees are the treasury's
            if changed and self.on_change is not None:
                self.on_change(wallet)
        return True

    async def _wallet(self, credit: str) -> str | None:
        wallet = await asyncio.to_thread(self.store.escrow_wallet, credit)
        if wallet is not None:
            return wallet
        resp = await self.rpc.get_account_info(Pubkey.from_string(credit))
        if resp.value is None:
            return None
        wallet = str(CreditAccount.decode(bytes(resp.value.data)).wallet)
        await asyncio.to_thread(self.store.remember_escrow_wallet, credit, wallet)
        return wallet


# --- chunks -----------------------------------------------------------------------------------
class EscrowBacking:
    """Chunks locked ahead in job_escrow, settled in batches (see module doc)."""

    def __init__(self, store: Store, settings: EscrowCreditsSettings, client: EscrowClient,
                 authority: Keypair, *, worker: Pubkey | None = None,
                 on_change: Callable[[str], None] | None = None) -> None:
        rpc = getattr(client.transport, "client", None)
        if rpc is None:
            raise ValueError("the escrow backing needs a JSON-RPC transport (its indexer "
                             "reads transaction history)")
        self.store = store
        self.settings = settings
        self.client = client
        self.authority = authority
        self.worker = worker or authority.pubkey()
        self.on_change = on_change
        self.indexer = EscrowIndexer(store, rpc, client.program, on_change=on_change)
        self.job_timeout = 0
        self._wallet_locks: dict[str, asyncio.Lock] = {}
        self._ahead: dict[str, asyncio.Task[Any]] = {}
        self._loops: list[asyncio.Task[Any]] = []
        self._settling = asyncio.Lock()
        self._stop = asyncio.Event()

    @classmethod
    def connect(cls, store: Store, settings: EscrowCreditsSettings, source: EscrowSource, *,
                on_change: Callable[[str], None] | None = None) -> EscrowBacking:
        from pyclients.solana.common.transport import RpcTransport

        program = EscrowProgram(Pubkey.from_string(source.program_id)) if source.program_id \
            else EscrowProgram()
        client = EscrowClient(RpcTransport(source.rpc_url), program)
        worker = Pubkey.from_string(source.worker) if source.worker else None
        return cls(store, settings, client, Keypair.from_bytes(source.authority), worker=worker,
                   on_change=on_change)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Check the escrow names us its settlement authority, resolve what a
        previous run left, catch up with the chain, then run the loops."""
        cfg = await self.client.config(refresh=True)
        if cfg.settlement_authority != self.authority.pubkey():
            raise ValueError(f"job_escrow's settlement authority is {cfg.settlement_authority}, "
                             f"not this facilitator's key {self.authority.pubkey()}")
        self.job_timeout = cfg.job_timeout
        if self.settings.expiry_margin_seconds >= self.job_timeout:
            raise ValueError(f"expiry_margin_seconds ({self.settings.expiry_margin_seconds}) "
                             f"must be below job_escrow's job timeout ({self.job_timeout} s)")
        await self.recover()
        await self.indexer.poll()
        # Chunks a previous run left open are settled now, before anything
        # else may refund them (their use would then go unpaid).
        await self.settle(everything=True)
        self._loops = [asyncio.create_task(self._every(self.settings.index_interval_seconds,
                                                       self.indexer.poll)),
                       asyncio.create_task(self._every(self.settings.settle_interval_seconds,
                                                       self.settle))]

    async def close(self) -> None:
        """Stop the loops, settle every chunk (used part paid, rest freed)."""
        self._stop.set()  # each loop finishes its pass: no chain write cut in half
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        await self.drain()
        try:
            await self.settle(everything=True)
            await self.indexer.poll()
        except Exception as exc:  # noqa: BLE001 - the chunks stay recorded for the next start
            log.warning("could not settle chunks on close: %s", exc)
        closer = getattr(self.client.transport, "close", None)
        if closer is not None:
            await closer()

    async def _every(self, seconds: float, fn: Callable[[], Any]) -> None:
        while True:
            try:
                await asyncio.wait_for(self._stop.wait(), seconds)
                return
            except TimeoutError:
                pass
            try:
                await fn()
            except Exception as exc:  # noqa: BLE001 - an RPC hiccup must not stop the loop
                log.warning("%s failed: %s", getattr(fn, "__name__", fn), exc)

    async def recover(self) -> None:
        """Chunks whose lock was sent by a run that died: open if the job
        account exists, failed if it does not."""
        for chunk in await asyncio.to_thread(self.store.chunks, status=("locking",)):
            job = await self.client.job(Pubkey.from_string(chunk.wallet), chunk.job_id)
            if job is None:
                await asyncio.to_thread(self.store.close_chunk, chunk.id, "failed")
            else:
                await self._open(chunk, job.expires_at, None)

    # -- locking ahead ------------------------------------------------------------------------
    async def lock(self, wallet: str, need: int, *, ahead: bool = False) -> bool:
        """Make ``need`` credits ready for ``wallet``: unless they already are
        (a concurrent request's lock landed), lock a chunk of ``chunk_credits``
        (less if the wallet has less, more if the shortage is larger). Ahead of
        time (``ahead``), any chunk at all is worth locking. False when the
        wallet's available credits on-chain cannot cover the shortage."""
        key = solana_wallet(wallet)
        if key is None or need <= 0:
            return False
        mutex = self._wallet_locks.setdefault(wallet, asyncio.Lock())
        async with mutex:
            view = await asyncio.to_thread(self.store.spendable, wallet)
            ready = (view.ready or 0) if view is not None else 0
            if ready >= need:
                return True
            at_least = 1 if ahead else need - ready
            available = (await self.client.balance(key)).available
            size = min(available, max(self.settings.chunk_credits, at_least))
            if size < at_least:
                return False
            chunk = await asyncio.to_thread(self.store.begin_chunk, wallet, chunk_job_id(),
                                            str(self.worker), size)
            try:
                res = await self.client.lock_job(self.authority, key, job_id=chunk.job_id,
                                                 max_credits=size, worker=self.worker)
            except EscrowError as exc:  # refused: nothing was locked
                await asyncio.to_thread(self.store.close_chunk, chunk.id, "failed")
                log.info("lock of %s credits for %s refused: %s", size, wallet, exc)
                return False
            except TransactionFailed as exc:  # refused by the runtime: nothing landed
                await asyncio.to_thread(self.store.close_chunk, chunk.id, "failed")
                log.warning("lock of %s credits for %s failed: %s", size, wallet, exc)
                return False
            expires = next(int(d["expires_at"]) for n, d in self.client.program.events(res.logs)
                           if n == "JobLocked")
            await self._open(chunk, expires, str(res.signature))
            return True

    async def _open(self, chunk: EscrowChunk, expires_at: int, lock_tx: str | None) -> None:
        # Measure the remaining lifetime on the chain's clock, not ours.
        left = expires_at - await self.client.transport.unix_timestamp()
        usable = utcnow() + timedelta(seconds=left - self.settings.expiry_margin_seconds)
        await asyncio.to_thread(self.store.open_chunk, chunk.id, expires_at=expires_at,
                                usable_until=usable, lock_tx=lock_tx)
        if self.on_change is not None:
            self.on_change(chunk.wallet)

    def ahead(self, wallet: str) -> None:
        """Lock the next chunk in the background (one at a time per wallet)."""
        if wallet in self._ahead or solana_wallet(wallet) is None:
            return
        task = asyncio.create_task(self.lock(wallet, self.settings.low_water_credits,
                                             ahead=True))
        self._ahead[wallet] = task
        task.add_done_callback(lambda t: self._done_ahead(wallet, t))

    async def drain(self) -> None:
        """Wait for the locks ahead in flight (a lock half-sent is worse than a
        wait: it would leave a row for ``recover``)."""
        while self._ahead:
            await asyncio.gather(*self._ahead.values(), return_exceptions=True)

    def _done_ahead(self, wallet: str, task: asyncio.Task[Any]) -> None:
        self._ahead.pop(wallet, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("lock ahead for %s failed: %s", wallet, task.exception())

    # -- settling -----------------------------------------------------------------------------
    async def settle(self, *, everything: bool = False) -> int:
        """Settle the chunks that are due (all with ``everything``): used
        credits in ``settle_jobs`` batches, unused chunks refunded. Returns how
        many chunks closed."""
        async with self._settling:
            now = utcnow()
            after = timedelta(seconds=self.settings.settle_after_seconds)
            due = [c for c in await asyncio.to_thread(self.store.chunks,
                                                      status=("open", "settling"))
                   if everything or c.status == "settling" or c.remaining == 0
                   or c.usable_until is None or now >= c.usable_until
                   or now - c.created_at >= after]
            if not due:
                return 0
            frozen = await asyncio.to_thread(self.store.freeze_chunks, [c.id for c in due])
            used = [c for c in frozen if c.used > 0]
            closed = 0
            size = self.settings.settle_batch
            for batch in (used[i:i + size] for i in range(0, len(used), size)):
                closed += await self._settle_batch(batch)
            for chunk in (c for c in frozen if c.used == 0):
                closed += await self._refund(chunk)
            # still drawing: lock the next chunk before a request has to wait for it
            active = set() if everything else {c.wallet for c in frozen if c.used > 0}
        for wallet in active:
            view = await asyncio.to_thread(self.store.spendable, wallet)
            if view is not None and view.ready is not None and view.unlocked \
                    and view.ready < self.settings.low_water_credits:
                self.ahead(wallet)
        return closed

    async def _settle_batch(self, batch: list[EscrowChunk]) -> int:
        try:
            res = await self.client.settle_jobs(self.authority, [
                Settlement(Pubkey.from_string(c.wallet), c.job_id, c.used) for c in batch])
        except (EscrowError, TransactionFailed) as exc:
            if len(batch) == 1:
                return await self._settle_failed(batch[0], exc)
            # one bad job fails the batch: settle them one by one to isolate it
            return sum([await self._settle_batch([c]) for c in batch])
        for c in batch:
            await asyncio.to_thread(self.store.close_chunk, c.id, "settled",
                                    close_tx=str(res.signature))
            if self.on_change is not None:
                self.on_change(c.wallet)
        return len(batch)

    async def _settle_failed(self, chunk: EscrowChunk, exc: Exception) -> int:
        if isinstance(exc, escrow_errors.JobNotOpen):
            # Already closed on-chain (our earlier settle landed, or someone
            # refunded it after expiry): the indexer applies whichever it was.
            await self.indexer.poll()
            return 0
        log.error("settling chunk %s of %s (%s credits used) failed: %s", chunk.job_id,
                  chunk.wallet, chunk.used, exc)
        return 0

    async def _refund(self, chunk: EscrowChunk) -> int:
        try:
            res = await self.client.refund_job(self.authority, Pubkey.from_string(chunk.wallet),
                                               job_id=chunk.job_id)
        except (EscrowError, TransactionFailed) as exc:
            return await self._settle_failed(chunk, exc)
        await asyncio.to_thread(self.store.close_chunk, chunk.id, "refunded",
                                close_tx=str(res.signature))
        if self.on_change is not None:
            self.on_change(chunk.wallet)
        return 1
