"""JSON in and out, the way rmja/unicontarest's Newtonsoft settings produce and accept it (§2.5).

Input: each member may be named by its property (``Account``), its backing field (``_Account``)
or an alias, case-insensitively; unknown keys are ignored; a value that cannot be converted raises
:class:`BadRequest` (400 text, the emulator's stand-in for the upstream unhandled 500).

Output: every modelled member under both its ``_Field`` and ``Property`` name, plus ``RowId``,
``CompanyId``, ``KeyStr`` and ``KeyName``; enums as names; ``_Currency`` as the numeric
``Currencies`` byte and ``Currency`` as the ISO code; dates as ``yyyy-MM-ddTHH:mm:ss`` with unset
dates ``0001-01-01T00:00:00``.

Stored rows are plain dicts keyed by property name with canonical Python values: ``str | None``,
``int``, ``float``, ``bool``, date strings ``yyyy-MM-ddTHH:mm:ss`` (or ``None``), enum member
names and currency codes.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from sync.emulator.entities import EntitySpec, FieldSpec, Kind
from sync.emulator.enums import CURRENCIES
from sync.emulator.errors import BadRequest

UNSET_DATE = "0001-01-01T00:00:00"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)

_CLR_TYPE = {
    Kind.INT: "integer",
    Kind.FLOAT: "double",
    Kind.BOOL: "boolean",
    Kind.DATE: "DateTime",
}


def format_date(value: date | datetime) -> str:
    """``2024-05-31T00:00:00`` for a date or datetime."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.strftime(DATE_FORMAT)


def parse_iso_date(text: str) -> datetime | None:
    """Parse ``yyyy-MM-dd[THH:mm[:ss[.fff]]][Z|±hh:mm]``; ``None`` when it does not match."""
    match = _ISO_DATE.match(text.strip())
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def default_value(spec: FieldSpec) -> Any:
    """The value an unset member has in the store."""
    if spec.kind is Kind.INT:
        return 0
    if spec.kind is Kind.FLOAT:
        return 0.0
    if spec.kind is Kind.BOOL:
        return False
    if spec.kind is Kind.ENUM:
        assert spec.enum is not None
        return spec.enum.default
    return None  # STR, DATE, CURRENCY


def _fail(spec: FieldSpec, raw: Any, key: str) -> BadRequest:
    if spec.kind in _CLR_TYPE and isinstance(raw, str):
        clr = _CLR_TYPE[spec.kind]
        return BadRequest(f"Could not convert string to {clr}: {raw}. Path '{key}'.")
    type_name = spec.enum.name if spec.enum else _CLR_TYPE.get(spec.kind, "String")
    return BadRequest(f"Error converting value {raw!r} to type '{type_name}'. Path '{key}'.")


def coerce(spec: FieldSpec, raw: Any, key: str | None = None) -> Any:
    """Convert one JSON value to the canonical stored value of ``spec`` or raise BadRequest."""
    key = key or spec.field or spec.prop
    if raw is None:
        return default_value(spec)
    if isinstance(raw, dict | list):
        raise _fail(spec, raw, key)
    kind = spec.kind
    if kind is Kind.STR:
        if isinstance(raw, bool):
            return "True" if raw else "False"
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw)
    if kind is Kind.INT:
        if isinstance(raw, bool):
            raise _fail(spec, raw, key)
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
            return int(raw)
        raise _fail(spec, raw, key)
    if kind is Kind.FLOAT:
        if isinstance(raw, bool):
            raise _fail(spec, raw, key)
        if isinstance(raw, int | float):
            return float(raw)
        if isinstance(raw, str):
            try:
                value = float(raw.strip())
            except ValueError:
                raise _fail(spec, raw, key) from None
            if math.isfinite(value):
                return value
        raise _fail(spec, raw, key)
    if kind is Kind.BOOL:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise _fail(spec, raw, key)
    if kind is Kind.DATE:
        if isinstance(raw, str):
            if raw.strip() in ("", UNSET_DATE):
                return None
            parsed = parse_iso_date(raw)
            if parsed is not None:
                return None if parsed.year == 1 else format_date(parsed)
        raise _fail(spec, raw, key)
    if kind in (Kind.ENUM, Kind.CURRENCY):
        assert spec.enum is not None
        if kind is Kind.CURRENCY and raw in ("", 0, "0"):
            return None
        member = spec.enum.parse(raw)
        if member is None:
            raise _fail(spec, raw, key)
        return member
    raise AssertionError(kind)  # pragma: no cover


def decode_object(entity: EntitySpec, payload: Any) -> dict[str, Any]:
    """Map a JSON object onto ``{prop: value}`` for the members it names (writable ones only)."""
    if not isinstance(payload, dict):
        raise BadRequest("Object or array is expected")
    out: dict[str, Any] = {}
    for key, raw in payload.items():
        spec = entity.lookup(str(key))
        if spec is None or spec.readonly:
            continue
        out[spec.prop] = coerce(spec, raw, str(key))
    return out


def blank_row(entity: EntitySpec) -> dict[str, Any]:
    """A row with every member at its default value."""
    return {spec.prop: default_value(spec) for spec in entity.fields}


def _emit(spec: FieldSpec, value: Any) -> tuple[Any, Any]:
    """(backing-field value, property value) for output."""
    if spec.kind is Kind.DATE:
        text = value or UNSET_DATE
        return text, text
    if spec.kind is Kind.CURRENCY:
        if not value:
            return 0, None
        return CURRENCIES.members[value], value
    if value is None and spec.kind is not Kind.STR:
        value = default_value(spec)
    return value, value


def key_str(entity: EntitySpec, row: dict[str, Any]) -> str:
    """The primary key as a string (``KeyStr``)."""
    value = row.get(entity.key)
    return "" if value is None else str(value)


def encode_row(entity: EntitySpec, row: dict[str, Any], company_id: int) -> dict[str, Any]:
    """Serialize a stored row like the gateway does (both spellings, metadata members)."""
    out: dict[str, Any] = {
        "RowId": row.get("RowId", 0),
        "CompanyId": company_id,
        "KeyStr": key_str(entity, row),
        "KeyName": str(row.get(entity.key_name) or "") if entity.key_name else "",
    }
    for spec in entity.fields:
        field_value, prop_value = _emit(spec, row.get(spec.prop))
        if spec.field:
            out[spec.field] = field_value
        out[spec.prop] = prop_value
    return out
