"""Failed Solana transactions as exceptions, and a program's custom error
codes as named exception classes built from its IDL.

A transport raises :class:`TransactionFailed` with what the runtime said
(the failing instruction, the custom code if any, the logs). A program
client turns it into the named error with :meth:`ProgramErrors.decode`:
``InsufficientCredits`` (code 6021, "Not enough available credits") rather
than ``custom program error: 0x1785``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pyclients.errors import PaymentError
from pyclients.solana.common.idl import ProgramIdl

_CUSTOM_IN_LOG = re.compile(r"custom program error: 0x([0-9a-fA-F]+)")


class TransactionFailed(PaymentError):
    """The cluster refused or failed a transaction."""

    reason: ClassVar[str] = "transaction_failed"

    def __init__(
        self,
        message: str,
        *,
        instruction_index: int | None = None,
        custom_code: int | None = None,
        logs: list[str] | None = None,
        error: Any = None,
    ) -> None:
        super().__init__(message)
        #: Index of the failing top-level instruction, when the runtime says.
        self.instruction_index = instruction_index
        #: ``Custom(code)`` of the failing instruction, when it is one.
        self.custom_code = custom_code
        #: Program logs of the transaction (possibly truncated by the node).
        self.logs = list(logs or [])
        #: The runtime's error object as received (solders type or JSON).
        self.error = error


class ProgramError(TransactionFailed):
    """A program refused an instruction with one of its named errors.

    Subclasses are made per IDL error; ``code``, ``error_name`` and ``msg``
    come from the IDL."""

    code: ClassVar[int] = -1
    error_name: ClassVar[str] = ""
    msg: ClassVar[str] = ""
    program: ClassVar[str] = ""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ProgramErrors:
    """The named errors of one program, as exception classes.

    ``errors.InsufficientCredits`` is a class (subclass of ``base``) usable
    in ``except`` and ``pytest.raises``; ``errors.by_code[6021]`` the same."""

    def __init__(self, idl: ProgramIdl, base: type[ProgramError]) -> None:
        self.base = base
        self.by_code: dict[int, type[ProgramError]] = {}
        self.by_name: dict[str, type[ProgramError]] = {}
        for e in idl.errors:
            cls = type(
                e.name,
                (base,),
                {
                    "code": e.code,
                    "error_name": e.name,
                    "msg": e.msg,
                    "program": idl.name,
                    "reason": f"gridpay_{idl.name}_{_snake(e.name)}",
                    "__doc__": e.msg,
                    "__module__": base.__module__,
                },
            )
            self.by_code[e.code] = cls
            self.by_name[e.name] = cls

    def __getattr__(self, name: str) -> type[ProgramError]:
        try:
            return self.by_name[name]
        except KeyError:
            raise AttributeError(name) from None

    def decode(self, failure: TransactionFailed) -> TransactionFailed:
        """The named error for a failure carrying one of this program's
        codes; the failure itself otherwise."""
        code = failure.custom_code
        if code is None:
            # Nodes sometimes only report the code in the logs.
            for line in reversed(failure.logs):
                m = _CUSTOM_IN_LOG.search(line)
                if m:
                    code = int(m.group(1), 16)
                    break
        cls = self.by_code.get(code) if code is not None else None
        if cls is None:
            return failure
        return cls(
            f"{cls.error_name} ({cls.code}): {cls.msg}",
            instruction_index=failure.instruction_index,
            custom_code=code,
            logs=failure.logs,
            error=failure.error,
        )
