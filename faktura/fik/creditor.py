"""FI creditor number (kreditornummer): the payee's 8-digit number from its FI agreement.

Hard rule (an error): exactly 8 digits. Soft rule (a warning only): every real FI creditor
number found in public material starts with 8 and passes modulus 11 with weights
2,7,6,5,4,3,2,1. No specification states the soft rule, and the placeholder ``12345678`` from
the seed guide fails it, so it is reported by :func:`warnings` and never raised.

>>> validate("1234 5678")
'12345678'
>>> warnings("80000006")
[]
>>> len(warnings("12345678"))
2
>>> validate("1234567")
Traceback (most recent call last):
    ...
faktura.fik.InvalidLength: creditor number '1234567': must be exactly 8 digits, got 7
"""

from __future__ import annotations

from faktura.fik._digits import compact as _compact
from faktura.fik._digits import require_digits
from faktura.fik.exceptions import InvalidFormat, InvalidLength

__all__ = ["LENGTH", "compact", "format", "is_valid", "validate", "warnings"]

FIELD = "creditor number"
LENGTH = 8
_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def compact(number: str | int) -> str:
    """Return the number without spaces; an ``int`` (e.g. from a settings file) becomes a string.

    Nothing but spaces is removed: other characters are left for :func:`validate` to refuse.

    >>> compact(" 1234 5678 ")
    '12345678'
    >>> compact(12345678)
    '12345678'
    """
    if isinstance(number, int) and not isinstance(number, bool):
        if number < 0:
            raise InvalidFormat(FIELD, number, "only digits 0-9 are allowed")
        return str(number)
    return _compact(number, FIELD)


def validate(number: str | int) -> str:
    """Return the compact creditor number if it is exactly 8 digits, else raise.

    >>> validate("12345678")
    '12345678'
    >>> validate("1234567a")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: creditor number '1234567a': only digits 0-9 are allowed
    """
    digits = require_digits(compact(number), FIELD)
    if len(digits) != LENGTH:
        raise InvalidLength(FIELD, digits, f"must be exactly {LENGTH} digits, got {len(digits)}")
    return digits


def is_valid(number: str | int) -> bool:
    """Return True if the hard rule holds (exactly 8 digits); the soft rule does not count.

    >>> is_valid("12345678"), is_valid("123456789"), is_valid("")
    (True, False, False)
    """
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str | int) -> str:
    """Return the creditor number as printed on the slip: the 8 digits, no spaces.

    >>> format(" 8000 0006")
    '80000006'
    """
    return validate(number)


def warnings(number: str | int) -> list[str]:
    """Return human-readable warnings for a creditor number that breaks the soft rule.

    Raises like :func:`validate` if the hard rule fails. An empty list means no doubts.

    >>> warnings("80000006")
    []
    >>> for w in warnings("12345678"):
    ...     print(w)  # doctest: +NORMALIZE_WHITESPACE
    creditor number '12345678': does not start with 8, unlike every known FI creditor number
    creditor number '12345678': fails the modulus-11 check (weights 2,7,6,5,4,3,2,1)
        that known FI creditor numbers pass
    """
    digits = validate(number)
    found = []
    if not digits.startswith("8"):
        found.append(
            f"{FIELD} '{digits}': does not start with 8, unlike every known FI creditor number"
        )
    if sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11 != 0:
        found.append(
            f"{FIELD} '{digits}': fails the modulus-11 check (weights 2,7,6,5,4,3,2,1)"
            " that known FI creditor numbers pass"
        )
    return found
