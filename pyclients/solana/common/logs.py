"""Program logs: which program wrote each line, events, compute units.

The runtime frames every invocation with ``Program <id> invoke [depth]`` and
``Program <id> success|failed``; ``sol_log_data`` lines (``Program data:``)
and ``consumed N of M compute units`` lines belong to the innermost open
invocation. Tracking that stack attributes events and compute units to the
right program, CPIs included.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from solders.pubkey import Pubkey

from pyclients.solana.common.idl import ProgramIdl

_INVOKE = re.compile(r"^Program (\w+) invoke \[(\d+)\]$")
_END = re.compile(r"^Program (\w+) (success|failed)")
_DATA = "Program data: "
_CONSUMED = re.compile(r"^Program (\w+) consumed (\d+) of (\d+) compute units$")


@dataclass(frozen=True)
class Invocation:
    """Compute units one invocation consumed (its CPIs included)."""

    program: str
    depth: int
    compute_units: int


def _walk(logs: Iterable[str]) -> Iterable[tuple[str, str, int | None]]:
    """(owner program, line, depth) for every log line."""
    stack: list[str] = []
    for line in logs:
        m = _INVOKE.match(line)
        if m:
            stack.append(m.group(1))
            yield m.group(1), line, len(stack)
            continue
        yield (stack[-1] if stack else ""), line, len(stack)
        if _END.match(line) and stack:
            stack.pop()


def events(idl: ProgramIdl, logs: Iterable[str], program_id: Pubkey | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The program's events, in order, decoded with its IDL."""
    owner_id = str(program_id or idl.address)
    out = []
    for owner, line, _ in _walk(logs):
        if owner == owner_id and line.startswith(_DATA):
            for chunk in line[len(_DATA) :].split():
                decoded = idl.decode_event(base64.b64decode(chunk))
                if decoded is not None:
                    out.append(decoded)
    return out


def invocations(logs: Iterable[str]) -> list[Invocation]:
    """Compute units per invocation, in the order the invocations finished."""
    out = []
    for _, line, depth in _walk(logs):
        m = _CONSUMED.match(line)
        if m:
            out.append(Invocation(m.group(1), depth or 0, int(m.group(2))))
    return out


def program_units(logs: Iterable[str], program_id: Pubkey) -> int:
    """Compute units a program's top-level invocations consumed (their CPIs
    included; other instructions of the transaction not)."""
    target = str(program_id)
    return sum(i.compute_units for i in invocations(logs) if i.depth == 1 and i.program == target)
