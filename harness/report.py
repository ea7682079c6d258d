"""What `gridpay demo` shows and writes: one row per step (tokens, cost in
credits and USDC, transactions, balances before and after) and the
conservation checks. Money stays integer; decimal strings are for display."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

USDC_PER_CREDIT = 10_000


def units(amount: int, decimals: int) -> str:
    """Base units as a decimal string (display only)."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    return f"{sign}{whole:,}" + (f".{frac:0{decimals}d}".rstrip("0") if frac else "")


@dataclass
class BalanceChange:
    who: str
    asset: str
    decimals: int
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "delta": self.delta,
                "before_decimal": units(self.before, self.decimals),
                "after_decimal": units(self.after, self.decimals)}


@dataclass
class Step:
    name: str
    detail: str = ""
    tokens: int | None = None
    credits: int | None = None
    #: USDC base units the step cost or moved (credits × 10,000, or an x402 amount)
    usdc: int | None = None
    transactions: list[str] = field(default_factory=list)
    balances: list[BalanceChange] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    ok: bool = True

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["balances"] = [b.to_json() for b in self.balances]
        out["usdc_decimal"] = units(self.usdc, 6) if self.usdc is not None else None
        return out


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    model: str
    steps: list[Step] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "ok": self.ok, "steps": [s.to_json() for s in self.steps],
                "checks": [asdict(c) for c in self.checks]}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        return path

    def render(self, console: Console) -> None:
        table = Table(title=f"gridpay demo — {self.model}", show_lines=True)
        for col in ("step", "tokens", "credits", "USDC", "transactions", "balances"):
            table.add_column(col, overflow="fold")
        for s in self.steps:
            table.add_row(
                ("[green]✓[/] " if s.ok else "[red]✗[/] ") + s.name
                + (f"\n[dim]{s.detail}[/]" if s.detail else ""),
                "" if s.tokens is None else f"{s.tokens:,}",
                "" if s.credits is None else f"{s.credits:,}",
                "" if s.usdc is None else units(s.usdc, 6),
                "\n".join(short(t) for t in s.transactions),
                "\n".join(f"{b.who} {b.asset}: {units(b.before, b.decimals)} → "
                          f"{units(b.after, b.decimals)}" for b in s.balances))
        console.print(table)
        checks = Table(title="conservation and billing checks")
        checks.add_column("check")
        checks.add_column("result")
        for c in self.checks:
            checks.add_row(c.name, ("[green]ok[/] " if c.ok else "[red]FAILED[/] ") + c.detail)
        console.print(checks)


def short(tx: str) -> str:
    return tx if len(tx) <= 20 else f"{tx[:10]}…{tx[-6:]}"
