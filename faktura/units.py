"""Units of measure: the printed unit of a line (BT-130) → Uniconta's ItemUnit and UN/ECE code.

One table for every projection: the PDF prints the unit as the source system wrote it, the
Uniconta order line gets the ItemUnit name (`_Unit`), the e-invoice the UN/ECE
Recommendation 20 code (`unitCode`). A unit that is not in the table is refused, naming the
line (`lines.N.unit`, counted from 0), before anything is sent: posting it without a unit
would give the line the item's own unit (often Hours) in Uniconta. A line without a unit
takes the item's unit in Uniconta and code C62 ("one") in an e-invoice.

Units are matched without regard to case, surrounding spaces or a final full stop.

>>> lookup("Timer")
Unit(uniconta='Hours', rec20='HUR', oioubl='')
>>> lookup("stk."), lookup(" DAGE ")
(Unit(uniconta='Pcs', rec20='H87', oioubl='C62'), Unit(uniconta='Days', rec20='DAY', oioubl=''))
>>> lookup("km")
Traceback (most recent call last):
    ...
faktura.units.UnknownUnit: is not a unit the integration knows; use one of: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faktura.errors import Problem, field_path


@dataclass(frozen=True)
class Unit:
    uniconta: str | None  # Uniconta ItemUnit name; None: the item's own unit
    rec20: str  # UN/ECE Recommendation 20 code (the current edition: Peppol BIS 3)
    oioubl: str = ""  # the code in OIOUBL 2.1's older edition, where it differs


HOURS = Unit("Hours", "HUR")
PIECES = Unit("Pcs", "H87", oioubl="C62")  # OIOUBL's code list has no H87
DAYS = Unit("Days", "DAY")
MINUTES = Unit("Minutes", "MIN")
QUANTITY = Unit("Qty", "C62")
CARTONS = Unit("Cartons", "XCT", oioubl="CT")  # Peppol: Rec 21 "carton" with its X prefix
NO_UNIT = Unit(None, "C62")

#: Printed unit (lower case, no final full stop) → unit. Danish first, then English.
UNITS: dict[str, Unit] = {
    "timer": HOURS, "time": HOURS, "t": HOURS, "hours": HOURS, "hour": HOURS, "h": HOURS,
    "hrs": HOURS,
    "stk": PIECES, "styk": PIECES, "pcs": PIECES, "piece": PIECES, "pieces": PIECES,
    "dage": DAYS, "dag": DAYS, "days": DAYS, "day": DAYS,
    "minutter": MINUTES, "minut": MINUTES, "min": MINUTES, "minutes": MINUTES,
    "antal": QUANTITY, "qty": QUANTITY,
    "kasser": CARTONS, "kasse": CARTONS, "cartons": CARTONS, "carton": CARTONS,
}
SUGGESTED = "timer, stk., dage, minutter, antal, kasser (or their English names)"
#: A JSON Schema `pattern` of the units in the table (as written, Capitalised or in capitals,
#: with or without a final full stop), or a blank unit.
UNIT_PATTERN = "^(|(" + "|".join(sorted({form for key in UNITS for form in (
    key, key.capitalize(), key.upper())})) + ")\\.?)$"


class UnknownUnit(ValueError):
    """A unit that is not in the table."""


def _key(unit: str) -> str:
    return unit.strip().lower().removesuffix(".")


def find(unit: str | None) -> Unit | None:
    """The unit for a printed unit, `NO_UNIT` for a blank one, None if it is unknown."""
    if unit is None or not unit.strip():
        return NO_UNIT
    return UNITS.get(_key(unit))


def lookup(unit: str | None) -> Unit:
    """The unit for a printed unit; `NO_UNIT` for a blank one; `UnknownUnit` if unknown."""
    found = find(unit)
    if found is None:
        raise UnknownUnit(f"is not a unit the integration knows; use one of: {SUGGESTED}")
    return found


def problems(invoice: Any) -> list[Problem]:
    """A problem for every item line of a `faktura.model.Invoice` with an unknown unit."""
    found = []
    for index, line in enumerate(invoice.lines):
        if line.is_text:
            continue
        try:
            lookup(line.unit)
        except UnknownUnit as error:
            found.append(Problem(field_path("lines", index, "unit"), str(error)))
    return found
