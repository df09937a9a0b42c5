"""Wire-format helpers for the Uniconta gateway contract (reference §2.4, §2.5, §3.10).

Pure functions, no I/O:

* filter values in Uniconta's ``PropValuePair`` grammar (exact, ``a..b`` ranges, ``a;b``
  lists, dates as ``d/M-yyyy``): :func:`format_filter_value`, :func:`between`,
  :func:`one_of`, :func:`format_filter_date`, :func:`filter_params`;
* reading rows that carry both spellings (``"InvoiceNumber"`` and ``"_InvoiceNumber"``):
  :func:`field`;
* the ``Currencies`` enum (``_Currency`` is written as a byte, DKK = 9):
  :func:`currency_code_to_byte`, :func:`byte_to_currency_code`;
* JSON encoding of request bodies (``Decimal`` -> number, dates -> ``yyyy-MM-ddTHH:mm:ss``,
  ``_Currency`` codes -> bytes): :func:`to_wire`; decoding helpers :func:`to_decimal`,
  :func:`parse_wire_date`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.uniconta.errors import ConfigurationError

__all__ = [
    "CURRENCIES",
    "MAX_OR_VALUES",
    "OneOf",
    "Range",
    "between",
    "byte_to_currency_code",
    "check_field_name",
    "currency_code_to_byte",
    "field",
    "filter_params",
    "format_filter_date",
    "format_filter_value",
    "one_of",
    "parse_wire_date",
    "split_large_lists",
    "to_decimal",
    "to_wire",
]

#: Uniconta rejects more than this many alternatives in one filter (reference §2.4, §5).
MAX_OR_VALUES = 40

#: ``Uniconta.Common.Currencies`` (2018 DLL, reference §3.10). Newer versions append more.
CURRENCIES: dict[str, int] = {
    "XXX": 0, "USD": 1, "EUR": 2, "GBP": 3, "CHF": 4, "JPY": 5, "CAD": 6, "AUD": 7,
    "NZD": 8, "DKK": 9, "SEK": 10, "NOK": 11, "SGD": 12, "RUB": 13, "TRY": 14, "HKD": 15,
    "ZAR": 16, "MXN": 17, "CZK": 18, "HUF": 19, "PLN": 20, "ISK": 21, "AED": 22, "CNY": 23,
    "INR": 24,
}  # fmt: skip
_BYTE_TO_CODE: dict[int, str] = {v: k for k, v in CURRENCIES.items()}

#: Field names whose value is a ``Currencies`` byte on the wire.
_CURRENCY_FIELD_RE = re.compile(r"^_Currency\d?$", re.IGNORECASE)
_FIELD_NAME_RE = re.compile(r"^_?[A-Za-z][A-Za-z0-9_]*$")
_UNSET_DATE = "0001-01-01"

#: Property -> backing-field spellings that are not simply ``"_" + property`` (reference §3).
_ALIASES: dict[str, tuple[str, ...]] = {
    "Account": ("_DCAccount",),
    "DCAccount": ("_DCAccount", "Account"),
    "CompanyRegNo": ("_LegalIdent",),
    "LegalIdent": ("CompanyRegNo",),
    "Mobile": ("Mobil", "_Mobil"),
    "Mobil": ("Mobile",),
    "JournalPostedId": ("JournalPostedlId",),  # PostingResult's real typo
    "CompanyId": ("PrimaryKeyId",),
    "Name": ("CompanyName",),
    **{f"Dimension{i}": (f"_Dim{i}", f"Dim{i}") for i in range(1, 6)},
    **{f"Dim{i}": (f"_Dim{i}", f"Dimension{i}") for i in range(1, 6)},
}


# --------------------------------------------------------------------------- currencies


def currency_code_to_byte(code: str | int) -> int:
    """Return the ``Currencies`` byte for an ISO code (``"DKK"`` -> 9).

    An ``int`` that is a known byte is returned unchanged.  Raises
    :class:`~sync.uniconta.errors.ConfigurationError` for an unknown code.
    """
    if isinstance(code, bool):
        raise ConfigurationError(f"invalid currency {code!r}")
    if isinstance(code, int):
        byte_to_currency_code(code)  # validates
        return code
    key = str(code).strip().upper()
    try:
        return CURRENCIES[key]
    except KeyError:
        raise ConfigurationError(
            f"unknown currency code {code!r}: Uniconta's Currencies enum knows "
            f"{', '.join(sorted(CURRENCIES))}"
        ) from None


def byte_to_currency_code(value: int | str) -> str:
    """Return the ISO code for a ``Currencies`` byte (9 -> ``"DKK"``).

    Accepts a numeric string too.  Raises :class:`~sync.uniconta.errors.ConfigurationError` for an
    unknown byte.
    """
    try:
        number = int(value)
        return _BYTE_TO_CODE[number]
    except (KeyError, TypeError, ValueError):
        raise ConfigurationError(
            f"unknown Currencies value {value!r} (known: 0..{max(_BYTE_TO_CODE)})"
        ) from None


# --------------------------------------------------------------------------- reading rows


def field(row: Mapping[str, Any] | None, name: str, default: Any = None) -> Any:
    """Read ``name`` from a gateway row, tolerating both wire spellings.

    The PascalCase property (``"InvoiceNumber"``) is preferred, then the backing field
    (``"_InvoiceNumber"``), then known aliases (``Account`` <-> ``_DCAccount``,
    ``CompanyRegNo`` <-> ``_LegalIdent``, ``DimensionN`` <-> ``_DimN``...), then a
    case-insensitive match.  The first non-``None`` value wins; ``default`` otherwise.
    """
    if not row:
        return default
    bare = name[1:] if name.startswith("_") else name
    candidates = [name, bare if name.startswith("_") else f"_{name}", *_ALIASES.get(bare, ())]
    for key in candidates:
        value = row.get(key)
        if value is not None:
            return value
    lowered = {c.lower() for c in candidates}
    for key, value in row.items():
        if value is not None and isinstance(key, str) and key.lower() in lowered:
            return value
    return default


def to_decimal(value: Any) -> Decimal | None:
    """Convert a JSON number (or numeric string) to ``Decimal`` without binary noise.

    ``8906.25`` -> ``Decimal("8906.25")``; ``None``/``""`` -> ``None``.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None


def parse_wire_date(value: Any) -> dt.date | None:
    """Parse a wire date (``"2024-05-31T00:00:00"``); the unset ``0001-01-01`` -> ``None``."""
    if not value or not isinstance(value, str) or value.startswith(_UNSET_DATE):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None


# --------------------------------------------------------------------------- writing bodies


def to_wire(value: Any, *, key: str | None = None) -> Any:
    """Convert Python values to the JSON the gateway binds (Newtonsoft, reference §2.5).

    * ``Decimal`` -> number; ``date`` -> ``"yyyy-MM-ddT00:00:00"``; ``datetime`` ->
      ``"yyyy-MM-ddTHH:mm:ss"`` (wall clock, offset dropped);
    * ``IntEnum`` -> its number, other ``Enum`` -> its member name (Uniconta enums by name);
    * a string under a ``_Currency``/``_CurrencyN`` key -> the ``Currencies`` byte.
    """
    if isinstance(value, Mapping):
        return {str(k): to_wire(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if key is not None and _CURRENCY_FIELD_RE.match(key) and isinstance(value, str):
        return currency_code_to_byte(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ConfigurationError(f"cannot send non-finite number {value} for {key or 'value'}")
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%dT00:00:00")
    if isinstance(value, enum.IntEnum):
        return int(value)
    if isinstance(value, enum.Enum):
        return value.name
    raise ConfigurationError(
        f"cannot encode {type(value).__name__} for {key or 'value'} as gateway JSON"
    )


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Range:
    """A filter range ``start..end``; either end may be ``None`` (open range)."""

    start: Any = None
    end: Any = None

    def __post_init__(self) -> None:
        if self.start is None and self.end is None:
            raise ConfigurationError("a filter range needs at least one end")


@dataclass(frozen=True)
class OneOf:
    """A filter list ``a;b;c`` (any of the values)."""

    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ConfigurationError("a filter list needs at least one value")


def between(start: Any = None, end: Any = None) -> Range:
    """Range filter: ``between(1000, 1999)`` -> ``"1000..1999"``; open ends allowed."""
    return Range(start, end)


def one_of(*values: Any) -> OneOf:
    """List filter: ``one_of("1001", "1002")`` -> ``"1001;1002"``."""
    return OneOf(tuple(values))


def format_filter_date(value: dt.date) -> str:
    """Danish filter date ``d/M-yyyy`` (``date(2018, 1, 5)`` -> ``"5/1-2018"``)."""
    return f"{value.day}/{value.month}-{value.year:04d}"


def _format_scalar(value: Any) -> str:
    if value is None:
        raise ConfigurationError("a filter value cannot be None")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):  # datetime too: filters compare dates
        return format_filter_date(value)
    if isinstance(value, enum.IntEnum):
        return str(int(value))
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = to_decimal(value)
        if number is None or not number.is_finite():
            raise ConfigurationError(f"invalid numeric filter value {value!r}")
        return format(number, "f")
    text = str(value)
    if not text.strip():
        raise ConfigurationError("a filter value cannot be blank")
    for token in (";", "..", " OR "):
        if token in text:
            raise ConfigurationError(
                f"filter value {text!r} contains {token!r}, which the filter grammar reads as "
                "a list/range; use between()/one_of() or filter on another field"
            )
    return text


def format_filter_value(value: Any) -> str:
    """Format one filter value in the ``PropValuePair`` grammar (reference §2.4).

    scalar -> exact; :class:`Range` / ``between`` -> ``a..b``, ``a..``, ``..b``;
    :class:`OneOf` / ``one_of`` / list / tuple / set -> ``a;b;c``; ``date`` -> ``d/M-yyyy``;
    ``bool`` -> ``true``/``false``; numbers with ``.`` as decimal separator.
    """
    if isinstance(value, Range):
        start = "" if value.start is None else _format_scalar(value.start)
        end = "" if value.end is None else _format_scalar(value.end)
        return f"{start}..{end}"
    values = _list_values(value)
    if values is not None:
        if not values:
            raise ConfigurationError("a filter list needs at least one value")
        if len(values) > MAX_OR_VALUES:
            raise ConfigurationError(
                f"a filter list may hold at most {MAX_OR_VALUES} values (got {len(values)})"
            )
        return ";".join(_format_scalar(v) for v in values)
    return _format_scalar(value)


def _list_values(value: Any) -> list[Any] | None:
    """The alternatives of a list-like filter value, or ``None`` for a scalar/range."""
    if isinstance(value, OneOf):
        return list(value.values)
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return None


def check_field_name(name: str) -> str:
    """Validate a filter/patch field name (``Account`` or ``_Account``)."""
    if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
        raise ConfigurationError(f"invalid field name {name!r}")
    return name


def filter_params(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Turn ``{"Account": "1001", "Date": between(d1, d2)}`` into query parameters.

    >>> filter_params({"Account": "1001"})
    [('filter.Account', '1001')]
    """
    return [
        (f"filter.{check_field_name(name)}", format_filter_value(value))
        for name, value in filters.items()
    ]


def split_large_lists(
    filters: Mapping[str, Any], chunk: int = MAX_OR_VALUES
) -> list[dict[str, Any]]:
    """Split a filter set whose one list exceeds ``chunk`` values into several filter sets.

    Only one list-valued filter may be that long (the split would otherwise multiply).
    """
    big = [name for name, v in filters.items() if len(_list_values(v) or ()) > chunk]
    if not big:
        return [dict(filters)]
    if len(big) > 1:
        raise ConfigurationError(
            f"only one filter list may exceed {chunk} values; got {', '.join(big)}"
        )
    name = big[0]
    values = _dedupe(_list_values(filters[name]) or [])
    return [
        {**filters, name: OneOf(tuple(values[i : i + chunk]))} for i in range(0, len(values), chunk)
    ]


def _dedupe(values: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    out: list[Any] = []
    for v in values:
        key = _format_scalar(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out
