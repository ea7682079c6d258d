"""Test helpers: balances, an RPC that fails on demand, signed payloads and
request bodies."""

from __future__ import annotations

import asyncio
from typing import Any


from facilitator.service import Facilitator

from pyclients.evm import abi
from pyclients.evm.chain import EvmChain
from pyclients.evm.eip3009 import Eip3009
from pyclients.evm.permit import PermitPayment


async def balances(chain: EvmChain, token: str, *who: str) -> list[int]:
    return list(await asyncio.gather(*(chain.read(token, abi.BALANCE_OF, w) for w in who)))


class FlakyProxy:
    """A TCP proxy to ``target`` on a loopback port that can go down (new and
    open connections are cut) and come back: an RPC outage on demand."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.up = True
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FlakyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def down(self) -> None:
        self.up = False
        for writer in list(self._open):
            writer.close()

    async def close(self) -> None:
        self.down()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._open.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while self.up and (data := await src.read(65536)):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._open.difference_update((writer, up_writer))


# --- EVM payments as tests write them ---------------------------------------------------
def requirements(service: Facilitator, world: Any, name: str, *, amount: int | None = None,
                 pay_to: str | None = None) -> dict[str, Any]:
    dep = world.deployments[name]
    mech = next(m for m in service.registry.mechanisms if m.network == dep.network)
    return {"scheme": "exact", "network": dep.network, "asset": dep.token.address,
            "amount": str(amount if amount is not None else 10 ** (dep.token.decimals - 2)),
            "payTo": pay_to or world.payee(name).address, "maxTimeoutSeconds": 120,
            "extra": mech.extra()}


def body(req: dict[str, Any], payload: dict[str, Any], version: int = 2) -> dict[str, Any]:
    return {"x402Version": version, "paymentRequirements": req,
            "paymentPayload": {"x402Version": version, "accepted": req, "payload": payload}}


async def signed(world: Any, name: str, *, signer: Any = None, payer: str | None = None,
                 to: str | None = None, value: int | None = None, valid_after: int | None = None,
                 valid_before: int | None = None, path: Any = None,
                 nonce: bytes | None = None) -> dict[str, Any]:
    dep, chain = world.deployments[name], world.chains[name]
    path = path or await (Eip3009.at(chain, dep.token.address)
                          if dep.token.transfer_method == "eip3009"
                          else PermitPayment.at(chain, dep.token.address, dep.permit_settlement))
    signer = signer or world.payer(name)
    now = await chain.now()
    kwargs: dict[str, Any] = dict(to=to or world.payee(name).address,
                                  value=10 ** (dep.token.decimals - 2) if value is None else value,
                                  valid_after=now - 600 if valid_after is None else valid_after,
                                  valid_before=now + 120 if valid_before is None else valid_before,
                                  payer=payer, nonce=nonce)
    if isinstance(path, PermitPayment):
        kwargs["permit_nonce"] = await chain.read(dep.token.address, abi.NONCES,
                                                  payer or signer.address)
    return path.sign(signer, **kwargs).to_payload()


async def rpc(chain: EvmChain, method: str, *params: Any) -> Any:
    response = await chain.w3.provider.make_request(method, list(params))
    assert "error" not in response, response
    return response["result"]


# --- Solana payments ---------------------------------------------------------------------
def svm_payment(blockhash: Any, payer: Any, pay_to: Any, amount: int, fee_payer: Any, *,
                mint: Any = None, destination: Any = None, price: int = 1, limit: int = 20_000,
                extra: list[Any] | None = None, memo: bytes | None = b"gridpay-test",
                authority: Any = None, source: Any = None) -> str:
    """A payment transaction as the x402 SVM client builds it (compute limit,
    compute price, TransferChecked, memo), signed by the payer only, with knobs
    for the attacks; base64."""
    import base64

    from solders.instruction import AccountMeta, Instruction
    from solders.message import MessageV0
    from solders.signature import Signature
    from solders.transaction import VersionedTransaction
    from spl.token.constants import TOKEN_PROGRAM_ID

    from facilitator.mechanisms.svm.exact import COMPUTE_BUDGET, MEMO
    from localnet.solana_chain import USDC_MINT, associated_token_address

    mint = mint or USDC_MINT
    authority = authority or payer.pubkey()
    ixs = [
        Instruction(COMPUTE_BUDGET, bytes([2]) + limit.to_bytes(4, "little"), []),
        Instruction(COMPUTE_BUDGET, bytes([3]) + price.to_bytes(8, "little"), []),
        Instruction(TOKEN_PROGRAM_ID, bytes([12]) + amount.to_bytes(8, "little") + bytes([6]), [
            AccountMeta(source or associated_token_address(authority, mint), False, True),
            AccountMeta(mint, False, False),
            AccountMeta(destination or associated_token_address(pay_to, mint), False, True),
            AccountMeta(authority, True, False)]),
        *(extra or []),
    ]
    if memo is not None:
        ixs.append(Instruction(MEMO, memo, []))
    message = MessageV0.try_compile(fee_payer, ixs, [], blockhash)
    tx = VersionedTransaction.populate(message, [Signature.default()] * message.header.num_required_signatures)
    keys = list(message.account_keys)
    from solders.message import to_bytes_versioned

    sigs = list(tx.signatures)
    if payer.pubkey() in keys:
        sigs[keys.index(payer.pubkey())] = payer.sign_message(bytes(to_bytes_versioned(message)))
    return base64.b64encode(bytes(VersionedTransaction.populate(message, sigs))).decode()
