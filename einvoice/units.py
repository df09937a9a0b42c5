"""Units of measure: the unit printed on an invoice line → its UN/ECE Recommendation 20 code.

One table, one answer per format. The two formats validate against different editions of the
code list: Peppol BIS 3 uses the current Recommendation 20 (kilometre is KMT), OIOUBL 2.1 an
older edition (kilometre is KTM; it lacks H87 "piece", so pieces are C62 "one" in both).

A printed unit that is not in the table is refused, naming the line's unit field: guessing
C62 "one" for it would state a wrong quantity in the buyer's system. A line with no unit at all
is a count of one-offs and gets C62; so do the explicitly listed piece-like units.

>>> unit_code("timer", "peppol"), unit_code("Stk.", "oioubl"), unit_code("km", "oioubl")
('HUR', 'C62', 'KTM')
>>> unit_code("furlong", "peppol")
Traceback (most recent call last):
    ...
ValueError: is not a unit the e-invoice knows (use one of: timer, min, dage, ...)
"""

from __future__ import annotations

from typing import Literal

Format = Literal["oioubl", "peppol"]

#: (printed units, Peppol code, OIOUBL code). Keys are compared in lower case.
_TABLE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("timer", "time", "t", "hours", "hour", "hrs", "h"), "HUR", "HUR"),
    (("min", "min.", "minut", "minutter", "minutes"), "MIN", "MIN"),
    (("dage", "dag", "days", "day"), "DAY", "DAY"),
    (("uger", "uge", "weeks", "week"), "WEE", "WEE"),
    (("måneder", "måned", "md.", "mdr.", "months", "month"), "MON", "MON"),
    (("år", "years", "year"), "ANN", "ANN"),
    (("km", "kilometer", "kilometre"), "KMT", "KTM"),
    (("m", "meter", "metre"), "MTR", "MTR"),
    (("m2", "m²", "kvm"), "MTK", "MTK"),
    (("kg",), "KGM", "KGM"),
    (("l", "liter", "litre"), "LTR", "LTR"),
    (("sæt", "set"), "SET", "SET"),
    # Piece-like units: a count of things.
    (("stk.", "stk", "styk", "pcs", "pc", "piece", "pieces", "ea", "each", "antal", ""),
     "C62", "C62"),
)

UNIT_CODES: dict[str, dict[Format, str]] = {
    name: {"peppol": peppol, "oioubl": oioubl}
    for names, peppol, oioubl in _TABLE for name in names
}


def unit_code(unit: str | None, fmt: Format) -> str:
    """BT-130: the code for a printed unit (blank: C62), or ValueError for an unknown unit."""
    key = (unit or "").strip().lower()
    if key not in UNIT_CODES:
        known = ", ".join(names[0] for names, _, _ in _TABLE)
        raise ValueError(f"is not a unit the e-invoice knows (use one of: {known})")
    return UNIT_CODES[key][fmt]
