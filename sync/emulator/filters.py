"""The ``filter.<Field>=<value>`` grammar (§2.4): Uniconta's PropValuePair values plus ``OR``.

* Field: ``filter.X`` or ``filter[X]``; ``X`` is a ``_field`` or property name, any case; also
  ``RowId``. An unknown field or a value that does not fit the member's type ⇒ ``Invalid filter``.
* Value: alternatives separated by `` OR `` (rmja) or ``;`` (Uniconta); each alternative is exact
  ``v``, closed range ``a..b`` or open range ``a..`` / ``..b`` (inclusive bounds).
* Dates: ``d/M-yyyy`` (Danish style) or ISO ``yyyy-MM-dd``; dates compare by calendar day.
* Strings compare case-insensitively (SQL Server's default collation); several filters AND.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync.emulator.entities import EntitySpec, FieldSpec, Kind
from sync.emulator.errors import INVALID_FILTER, BadRequest
from sync.emulator.wire import coerce, parse_iso_date

_FILTER_KEY = re.compile(r"^filter(?:\.(?P<dot>.+)|\[(?P<br>.+)\])$", re.IGNORECASE)
_DANISH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})-(\d{4})\s*$")
_ROW_ID = FieldSpec("RowId", None, Kind.INT)

Row = dict[str, Any]


@dataclass(frozen=True)
class Alternative:
    """One OR-alternative: exact value (``low is high``) or an inclusive range."""

    low: Any
    high: Any
    exact: bool


@dataclass(frozen=True)
class Predicate:
    """One ``filter.X=...`` parameter."""

    spec: FieldSpec
    alternatives: tuple[Alternative, ...]

    def __call__(self, row: Row) -> bool:
        value = _comparable(self.spec, row.get(self.spec.prop))
        for alt in self.alternatives:
            if alt.exact:
                if value == alt.low:
                    return True
                continue
            if value is None:
                continue
            if alt.low is not None and value < alt.low:
                continue
            if alt.high is not None and value > alt.high:
                continue
            return True
        return False


def _comparable(spec: FieldSpec, value: Any) -> Any:
    if spec.kind is Kind.STR:
        return (value or "").lower()
    if spec.kind is Kind.DATE:
        return value[:10] if value else None
    if spec.kind is Kind.FLOAT:
        return float(value or 0.0)
    return value


def _parse_value(spec: FieldSpec, text: str) -> Any:
    """Convert one bound/exact value to the comparable form of ``spec``."""
    if spec.kind is Kind.DATE:
        match = _DANISH_DATE.match(text)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                parsed: datetime | None = datetime(year, month, day)
            else:
                parsed = parse_iso_date(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise BadRequest(INVALID_FILTER)
        return parsed.strftime("%Y-%m-%d")
    try:
        value = coerce(spec, text.strip() if spec.kind is not Kind.STR else text)
    except BadRequest:
        raise BadRequest(INVALID_FILTER) from None
    return _comparable(spec, value)


def _parse_alternative(spec: FieldSpec, text: str) -> Alternative:
    if ".." in text:
        low_text, high_text = text.split("..", 1)
        low = _parse_value(spec, low_text) if low_text.strip() else None
        high = _parse_value(spec, high_text) if high_text.strip() else None
        if low is None and high is None:
            raise BadRequest(INVALID_FILTER)
        return Alternative(low, high, exact=False)
    value = _parse_value(spec, text)
    return Alternative(value, value, exact=True)


def resolve_field(entity: EntitySpec, name: str) -> FieldSpec:
    """The member a filter names, or ``Invalid filter``."""
    if name.lower() in ("rowid", "_rowid"):
        return _ROW_ID
    spec = entity.lookup(name)
    if spec is None:
        raise BadRequest(INVALID_FILTER)
    return spec


def parse_predicate(entity: EntitySpec, name: str, value: str) -> Predicate:
    """Build the predicate of one ``filter.<name>=<value>`` parameter."""
    spec = resolve_field(entity, name)
    parts = [p for chunk in value.split(" OR ") for p in chunk.split(";")]
    alternatives = tuple(_parse_alternative(spec, p) for p in parts)
    return Predicate(spec, alternatives)


def parse_filters(entity: EntitySpec, params: Iterable[tuple[str, str]]) -> list[Predicate]:
    """All ``filter.X`` / ``filter[X]`` parameters of a query string (others are ignored)."""
    predicates = []
    for key, value in params:
        match = _FILTER_KEY.match(key)
        if match:
            name = match.group("dot") or match.group("br")
            predicates.append(parse_predicate(entity, name, value))
    return predicates


def apply_filters(rows: Iterable[Row], predicates: list[Predicate]) -> list[Row]:
    """Rows satisfying every predicate (AND)."""
    return [row for row in rows if all(p(row) for p in predicates)]
