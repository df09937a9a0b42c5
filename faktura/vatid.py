"""The buyer's VAT identifier (BT-48): a Danish CVR number or a foreign VAT number.

An invoice prints a Danish CVR number as its 8 digits under "CVR-nr." and any other VAT
number with its country prefix under "Momsnr." / "VAT no.". Which one a number is follows
from the number itself: a ``DK`` prefix, or no prefix on a Danish customer, is a CVR number;
a prefix of another EU member state (``EL`` for Greece, ``XI`` for Northern Ireland) makes it
an EU VAT number, which is what reverse charge needs. A number without a prefix on a foreign
customer gets the customer's country as prefix where that is an EU member state.

Nothing here refuses a number: the identifier is printed as the source system has it.

>>> compact(" dk 12 34 56 78 ")
'DK12345678'
>>> kind("DK12345678", "DK"), printed("DK12345678", "DK")
('cvr', '12345678')
>>> kind("12345678", "DK"), printed("12345678", "DK")
('cvr', '12345678')
>>> kind("SE556677889901", "SE"), printed("SE556677889901", "SE")
('eu', 'SE556677889901')
>>> kind("556677889901", "SE"), printed("556677889901", "SE")
('eu', 'SE556677889901')
>>> kind("094123456", "GR"), printed("094123456", "GR")
('eu', 'EL094123456')
>>> kind("NO123456789MVA", "NO"), printed("NO123456789MVA", "NO")
('other', 'NO123456789MVA')
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["cvr", "eu", "other"]

#: VAT number prefixes of the EU member states (Greece is EL; XI is Northern Ireland).
EU_PREFIXES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
})
#: ISO 3166 country code → VAT prefix where they differ.
_PREFIX_OF_COUNTRY = {"GR": "EL"}


def compact(number: str) -> str:
    """The number without spaces, dots or dashes, upper case."""
    return "".join(c for c in number if c not in " .-").upper()


def _prefix(number: str) -> str | None:
    head = number[:2]
    return head if len(head) == 2 and head.isalpha() else None


def kind(number: str, country_code: str) -> Kind:
    """'cvr' for a Danish CVR number, 'eu' for another EU VAT number, else 'other'."""
    number = compact(number)
    prefix = _prefix(number) or _PREFIX_OF_COUNTRY.get(country_code, country_code)
    if prefix == "DK":
        return "cvr"
    return "eu" if prefix in EU_PREFIXES else "other"


def printed(number: str, country_code: str) -> str:
    """The number as printed: a CVR number's digits, any other number with its prefix."""
    number = compact(number)
    which = kind(number, country_code)
    if which == "cvr":
        return number.removeprefix("DK")
    if which == "eu" and _prefix(number) is None:
        return _PREFIX_OF_COUNTRY.get(country_code, country_code) + number
    return number
