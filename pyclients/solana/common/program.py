"""The plumbing every program client shares, so ``escrow`` and ``staking``
keep only what is theirs (seeds, instructions, account fields, flows).

- :class:`IdlAccount`: an account dataclass decoded through its program's IDL;
- :class:`ProgramBuilder`: one deployment's program id, its config PDA and
  vault (the config's associated token account, the convention both
  programs follow), instructions built from the IDL, events in logs;
- :class:`ProgramClient`: the async client's transport, cached config,
  account reads and sends that raise the program's named errors;
- :class:`LocalDeployment`: a program loaded into an in-process
  :class:`LocalChain` with its client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from pyclients.solana.common import logs as _logs
from pyclients.solana.common.errors import ProgramErrors, TransactionFailed
from pyclients.solana.common.idl import ProgramIdl
from pyclients.solana.common.litesvm import START_TIME, LocalChain
from pyclients.solana.common.pda import find_pda
from pyclients.solana.common.token import TokenAccount, associated_token_address, create_ata_idempotent
from pyclients.solana.common.transport import Transport, TxResult

#: Seed of the config PDA in both programs.
CONFIG_SEED = b"config"

_A = TypeVar("_A", bound="IdlAccount")


class IdlAccount:
    """Base of a frozen dataclass whose fields are an IDL account's fields
    (``IDL`` and ``IDL_NAME`` set by the subclass)."""

    IDL: ClassVar[ProgramIdl]
    IDL_NAME: ClassVar[str]

    @classmethod
    def decode(cls: type[_A], data: bytes) -> _A:
        """Decodes account data (discriminator and exact size checked)."""
        values = cls.IDL.decode_account(cls.IDL_NAME, bytes(data))
        # Arrays come back as lists; tuples keep the dataclass hashable.
        return cls(**{f.name: _frozen(values[f.name]) for f in fields(cls)})  # type: ignore[call-arg, arg-type]

    @classmethod
    def size(cls) -> int:
        return cls.IDL.account_size(cls.IDL_NAME)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class ProgramBuilder:
    """PDAs and instruction builders for one deployment (``IDL`` set by the
    subclass; ``program_id`` defaults to the address the IDL declares)."""

    IDL: ClassVar[ProgramIdl]

    def __init__(self, program_id: Pubkey | None = None) -> None:
        self.program_id = program_id or self.IDL.address

    def config_address(self) -> Pubkey:
        return find_pda([CONFIG_SEED], self.program_id)[0]

    def vault_address(self, mint: Pubkey) -> Pubkey:
        """The vault: the config PDA's associated token account."""
        return associated_token_address(self.config_address(), mint)

    def create_vault(self, payer: Pubkey, mint: Pubkey) -> Instruction:
        """Creates the vault (idempotent); put it before ``initialize``."""
        return create_ata_idempotent(payer, self.config_address(), mint)

    def _ix(self, name: str, accounts: dict[str, Pubkey], args: dict[str, Any] | None = None,
            remaining: tuple[AccountMeta, ...] = ()) -> Instruction:
        return self.IDL.instruction(name, accounts, args, program_id=self.program_id, remaining=remaining)

    def events(self, logs: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """This program's events in a transaction's logs."""
        return _logs.events(self.IDL, logs, self.program_id)


_P = TypeVar("_P", bound=ProgramBuilder)
_C = TypeVar("_C", bound=IdlAccount)


class ProgramClient(Generic[_P, _C]):
    """Async client over any :class:`Transport` (RPC URL or LiteSVM).

    Subclasses set ``PROGRAM`` (the builder made when none is given),
    ``CONFIG`` (the config account), ``ERRORS`` (the program's named errors)
    and ``NAME``. Every write returns the landed :class:`TxResult`
    (signature, compute units, logs) and raises the named error when the
    program refuses."""

    PROGRAM: ClassVar[type[ProgramBuilder]]
    CONFIG: ClassVar[type[IdlAccount]]
    ERRORS: ClassVar[ProgramErrors]
    NAME: ClassVar[str]

    def __init__(self, transport: Transport, program: _P | None = None) -> None:
        self.transport = transport
        self.program: _P = program or self.PROGRAM()  # type: ignore[assignment]
        self._config: _C | None = None

    async def config(self, *, refresh: bool = False) -> _C:
        """The config account, read once and again when ``refresh``."""
        if self._config is None or refresh:
            account = await self.transport.get_account(self.program.config_address())
            if account is None:
                raise TransactionFailed(f"{self.NAME} is not initialized (no config account)")
            self._config = self.CONFIG.decode(account.data)  # type: ignore[assignment]
        assert self._config is not None
        return self._config

    async def _account(self, address: Pubkey, kind: type[_A]) -> _A | None:
        """The account at ``address`` decoded as ``kind``; None if it does not exist."""
        account = await self.transport.get_account(address)
        return None if account is None else kind.decode(account.data)

    async def token_balance(self, token_account: Pubkey) -> int:
        account = await self.transport.get_account(token_account)
        return 0 if account is None else TokenAccount.decode(bytes(account.data)).amount

    async def _send(self, ixs: Sequence[Instruction], signers: Sequence[Keypair],
                    payer: Keypair | None = None) -> TxResult:
        try:
            return await self.transport.send(ixs, signers, payer=payer)
        except TransactionFailed as exc:
            raise self.ERRORS.decode(exc) from exc

    def _check_program_key(self, program_key: Keypair) -> None:
        """``initialize`` is co-signed by the keypair the program was deployed at."""
        if program_key.pubkey() != self.program.program_id:
            raise ValueError(f"program_key {program_key.pubkey()} is not the program's key {self.program.program_id}")

    async def _send_admin(self, ixs: Sequence[Instruction], signers: Sequence[Keypair]) -> TxResult:
        """Sends what changes the config; the cached copy is dropped."""
        result = await self._send(ixs, signers)
        self._config = None
        return result


@dataclass
class LocalDeployment:
    """A program deployed in an in-process LiteSVM (a :class:`LocalChain`
    whose mint plays the program's token), with its client."""

    chain: LocalChain
    client: Any

    @staticmethod
    async def start_chain(so_path: Path | str, program_id: Pubkey, *, decimals: int,
                          start_time: int | None = None) -> LocalChain:
        """A fresh chain with the ``.so`` at ``so_path`` loaded at ``program_id``."""
        chain = await LocalChain.start(decimals=decimals, start_time=START_TIME if start_time is None else start_time)
        chain.svm.add_program_from_file(program_id, Path(so_path))
        return chain

    @property
    def program(self) -> Any:
        return self.client.program

    @property
    def mint(self) -> Pubkey:
        return self.chain.mint

    @property
    def vault(self) -> Pubkey:
        return self.program.vault_address(self.chain.mint)
