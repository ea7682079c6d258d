"""The error base every client shares.

A payment that is refused raises a subclass of :class:`PaymentError`. Its
``reason`` is the x402 error reason string a facilitator puts on the wire
(``invalidReason`` / ``errorReason``); its message says, for a person, what
exactly was wrong.
"""

from __future__ import annotations

from typing import ClassVar


class PaymentError(Exception):
    """A payment was refused or could not be carried out."""

    #: x402 error reason (snake_case); subclasses override it.
    reason: ClassVar[str] = "unexpected_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"
