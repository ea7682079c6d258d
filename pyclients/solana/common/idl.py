"""A program's Anchor IDL (current format, spec 0.1.0) as the one source of
truth for its interface: discriminators, argument and account layouts,
account metas and error codes all come from the JSON checked in beside the
program.

The codec here covers the borsh types gridpay's programs use (integers,
``bool``, ``pubkey``, fixed arrays, ``vec``, ``option``, defined structs); the
tests check it byte for byte against anchorpy's coder.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

_INTS: dict[str, struct.Struct] = {
    "u8": struct.Struct("<B"),
    "i8": struct.Struct("<b"),
    "u16": struct.Struct("<H"),
    "i16": struct.Struct("<h"),
    "u32": struct.Struct("<I"),
    "i32": struct.Struct("<i"),
    "u64": struct.Struct("<Q"),
    "i64": struct.Struct("<q"),
}
_U32 = _INTS["u32"]


class IdlError(ValueError):
    """The IDL does not describe what was asked, or a value does not fit it."""


@dataclass(frozen=True)
class IdlAccountItem:
    """One account of an instruction, as the IDL lists it."""

    name: str
    writable: bool
    signer: bool
    address: Pubkey | None
    docs: tuple[str, ...]


@dataclass(frozen=True)
class IdlInstruction:
    name: str
    discriminator: bytes
    accounts: tuple[IdlAccountItem, ...]
    args: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class IdlErrorCode:
    code: int
    name: str
    msg: str


class ProgramIdl:
    """A parsed IDL with a borsh codec for its types."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.name: str = raw["metadata"]["name"]
        self.address = Pubkey.from_string(raw["address"])
        self.types: dict[str, Any] = {t["name"]: t for t in raw.get("types", [])}
        self.instructions: dict[str, IdlInstruction] = {}
        for ix in raw["instructions"]:
            accounts = tuple(
                IdlAccountItem(
                    name=a["name"],
                    writable=bool(a.get("writable", False)),
                    signer=bool(a.get("signer", False)),
                    address=Pubkey.from_string(a["address"]) if "address" in a else None,
                    docs=tuple(a.get("docs", ())),
                )
                for a in ix["accounts"]
            )
            self.instructions[ix["name"]] = IdlInstruction(
                name=ix["name"],
                discriminator=bytes(ix["discriminator"]),
                accounts=accounts,
                args=tuple((arg["name"], arg["type"]) for arg in ix["args"]),
            )
        self.account_discriminators: dict[str, bytes] = {
            a["name"]: bytes(a["discriminator"]) for a in raw.get("accounts", [])
        }
        self.event_discriminators: dict[str, bytes] = {
            e["name"]: bytes(e["discriminator"]) for e in raw.get("events", [])
        }
        self.errors: tuple[IdlErrorCode, ...] = tuple(
            IdlErrorCode(code=e["code"], name=e["name"], msg=e.get("msg", ""))
            for e in raw.get("errors", [])
        )

    @classmethod
    def load(cls, path: Path | str) -> ProgramIdl:
        return cls(json.loads(Path(path).read_text()))

    @cached_property
    def _events_by_discriminator(self) -> dict[bytes, str]:
        return {d: n for n, d in self.event_discriminators.items()}

    # --- instructions ----------------------------------------------------

    def instruction(
        self,
        name: str,
        accounts: Mapping[str, Pubkey],
        args: Mapping[str, Any] | None = None,
        *,
        program_id: Pubkey | None = None,
        remaining: tuple[AccountMeta, ...] = (),
    ) -> Instruction:
        """Builds an instruction from named accounts and arguments; accounts
        with a fixed address in the IDL (programs) may be omitted."""
        ix = self._instruction(name)
        metas = []
        for item in ix.accounts:
            key = accounts.get(item.name, item.address)
            if key is None:
                raise IdlError(f"{name}: account {item.name!r} is required")
            metas.append(AccountMeta(key, is_signer=item.signer, is_writable=item.writable))
        unknown = set(accounts) - {a.name for a in ix.accounts}
        if unknown:
            raise IdlError(f"{name}: unknown accounts {sorted(unknown)}")
        data = self.encode_args(name, args or {})
        return Instruction(program_id or self.address, data, metas + list(remaining))

    def encode_args(self, name: str, args: Mapping[str, Any]) -> bytes:
        """Discriminator followed by the borsh-encoded arguments."""
        ix = self._instruction(name)
        missing = [n for n, _ in ix.args if n not in args]
        extra = set(args) - {n for n, _ in ix.args}
        if missing or extra:
            raise IdlError(f"{name}: missing args {missing}, unknown args {sorted(extra)}")
        out = bytearray(ix.discriminator)
        for arg_name, ty in ix.args:
            try:
                self._encode(ty, args[arg_name], out)
            except (struct.error, TypeError, ValueError) as exc:
                raise IdlError(f"{name}: argument {arg_name!r}: {exc}") from exc
        return bytes(out)

    def decode_args(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """The instruction name and arguments of instruction data."""
        for ix in self.instructions.values():
            if data[: len(ix.discriminator)] == ix.discriminator:
                view = memoryview(data)
                at = len(ix.discriminator)
                values = {}
                for arg_name, ty in ix.args:
                    values[arg_name], at = self._decode(ty, view, at)
                if at != len(data):
                    raise IdlError(f"{ix.name}: {len(data) - at} trailing bytes")
                return ix.name, values
        raise IdlError("unknown instruction discriminator")

    def _instruction(self, name: str) -> IdlInstruction:
        try:
            return self.instructions[name]
        except KeyError:
            raise IdlError(f"no instruction {name!r} in the {self.name} IDL") from None

    # --- accounts and events ---------------------------------------------

    def decode_account(self, name: str, data: bytes) -> dict[str, Any]:
        """Fields of an account's data; checks discriminator and exact size."""
        disc = self.account_discriminators.get(name)
        if disc is None:
            raise IdlError(f"no account {name!r} in the {self.name} IDL")
        if data[:8] != disc:
            raise IdlError(f"data is not a {name} account (discriminator {data[:8].hex()})")
        fields, at = self._decode_struct(name, memoryview(data), 8)
        if at != len(data):
            raise IdlError(f"{name}: {len(data)} bytes, layout has {at}")
        return fields

    def encode_account(self, name: str, fields: Mapping[str, Any]) -> bytes:
        out = bytearray(self.account_discriminators[name])
        self._encode_struct(name, fields, out)
        return bytes(out)

    def account_size(self, name: str) -> int:
        """Bytes of a fixed-size account, discriminator included."""
        return 8 + self._fixed_size({"defined": {"name": name}})

    def encode_event(self, name: str, fields: Mapping[str, Any]) -> bytes:
        out = bytearray(self.event_discriminators[name])
        self._encode_struct(name, fields, out)
        return bytes(out)

    def decode_event(self, data: bytes) -> tuple[str, dict[str, Any]] | None:
        """An event logged with ``sol_log_data`` (discriminator + fields),
        or None when the bytes are not one of this program's events."""
        name = self._events_by_discriminator.get(bytes(data[:8]))
        if name is None:
            return None
        fields, at = self._decode_struct(name, memoryview(data), 8)
        if at != len(data):
            raise IdlError(f"event {name}: {len(data) - at} trailing bytes")
        return name, fields

    # --- borsh -----------------------------------------------------------

    def _struct_fields(self, name: str) -> list[dict[str, Any]]:
        try:
            ty = self.types[name]["type"]
        except KeyError:
            raise IdlError(f"no type {name!r} in the {self.name} IDL") from None
        if ty["kind"] != "struct":
            raise IdlError(f"type {name} is a {ty['kind']}, only structs are supported")
        return ty["fields"]

    def _encode_struct(self, name: str, value: Mapping[str, Any], out: bytearray) -> None:
        for field in self._struct_fields(name):
            self._encode(field["type"], value[field["name"]], out)

    def _decode_struct(self, name: str, view: memoryview, at: int) -> tuple[dict[str, Any], int]:
        fields = {}
        for field in self._struct_fields(name):
            fields[field["name"]], at = self._decode(field["type"], view, at)
        return fields, at

    def _encode(self, ty: Any, value: Any, out: bytearray) -> None:
        if isinstance(ty, str):
            if ty in _INTS:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"{ty} needs an int, got {value!r}")
                out += _INTS[ty].pack(value)
            elif ty == "bool":
                if not isinstance(value, bool):
                    raise TypeError(f"bool needs a bool, got {value!r}")
                out.append(int(value))
            elif ty == "pubkey":
                out += bytes(value if isinstance(value, Pubkey) else Pubkey.from_string(value))
            elif ty == "bytes":
                out += _U32.pack(len(value)) + bytes(value)
            else:
                raise IdlError(f"unsupported type {ty!r}")
        elif "array" in ty:
            inner, n = ty["array"]
            if len(value) != n:
                raise ValueError(f"array needs {n} items, got {len(value)}")
            for v in value:
                self._encode(inner, v, out)
        elif "vec" in ty:
            out += _U32.pack(len(value))
            for v in value:
                self._encode(ty["vec"], v, out)
        elif "option" in ty:
            if value is None:
                out.append(0)
            else:
                out.append(1)
                self._encode(ty["option"], value, out)
        elif "defined" in ty:
            self._encode_struct(_defined_name(ty), value, out)
        else:
            raise IdlError(f"unsupported type {ty!r}")

    def _decode(self, ty: Any, view: memoryview, at: int) -> tuple[Any, int]:
        if isinstance(ty, str):
            if ty in _INTS:
                s = _INTS[ty]
                _need(view, at, s.size)
                return s.unpack_from(view, at)[0], at + s.size
            if ty == "bool":
                _need(view, at, 1)
                if view[at] > 1:
                    raise IdlError(f"invalid bool byte {view[at]}")
                return view[at] == 1, at + 1
            if ty == "pubkey":
                _need(view, at, 32)
                return Pubkey.from_bytes(bytes(view[at : at + 32])), at + 32
            if ty == "bytes":
                (n,), at = _U32.unpack_from(view, at), at + 4
                _need(view, at, n)
                return bytes(view[at : at + n]), at + n
            raise IdlError(f"unsupported type {ty!r}")
        if "array" in ty:
            inner, n = ty["array"]
            items = []
            for _ in range(n):
                item, at = self._decode(inner, view, at)
                items.append(item)
            return items, at
        if "vec" in ty:
            _need(view, at, 4)
            (n,) = _U32.unpack_from(view, at)
            at += 4
            items = []
            for _ in range(n):
                item, at = self._decode(ty["vec"], view, at)
                items.append(item)
            return items, at
        if "option" in ty:
            _need(view, at, 1)
            if view[at] == 0:
                return None, at + 1
            return self._decode(ty["option"], view, at + 1)
        if "defined" in ty:
            return self._decode_struct(_defined_name(ty), view, at)
        raise IdlError(f"unsupported type {ty!r}")

    def _fixed_size(self, ty: Any) -> int:
        if isinstance(ty, str):
            if ty in _INTS:
                return _INTS[ty].size
            if ty == "bool":
                return 1
            if ty == "pubkey":
                return 32
            raise IdlError(f"{ty} has no fixed size")
        if "array" in ty:
            inner, n = ty["array"]
            return n * self._fixed_size(inner)
        if "defined" in ty:
            return sum(self._fixed_size(f["type"]) for f in self._struct_fields(_defined_name(ty)))
        raise IdlError(f"{ty} has no fixed size")


def _defined_name(ty: Mapping[str, Any]) -> str:
    d = ty["defined"]
    return d if isinstance(d, str) else d["name"]


def _need(view: memoryview, at: int, n: int) -> None:
    if at + n > len(view):
        raise IdlError(f"data ends at {len(view)} bytes, field needs {at + n}")
