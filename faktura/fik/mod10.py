"""Modulus 10 (Luhn), anchored at the RIGHT — the check digit of FI payment IDs.

Starting at the rightmost digit of the *base* (the number without its check digit), digits are
weighted 2, 1, 2, 1, ...; products of 10 or more are replaced by their digit sum; the sum is S.
The check digit is ``(10 - S mod 10) mod 10`` — always a single digit, never "10".

Because the weights are counted from the right, leading zeros never change the check digit.
This is exactly the Luhn algorithm as python-stdnum implements it (`stdnum.luhn`), which does
the arithmetic here; this module adds the FIK's digit-only input rules and error messages.

>>> calc_check_digit("00000000000001")
'8'
>>> calc_check_digit("1") == calc_check_digit("00000000000001")
True
>>> is_valid("000000000000018")
True
>>> is_valid("000000000000019")
False
"""

from __future__ import annotations

from stdnum import luhn

from faktura.fik._digits import compact as _compact
from faktura.fik._digits import require_digits
from faktura.fik.exceptions import InvalidChecksum

__all__ = ["calc_check_digit", "checksum", "is_valid", "validate"]

_FIELD = "number"


def checksum(number: str) -> int:
    """Return the Luhn sum (mod 10) of a complete number, check digit included.

    The rightmost digit has weight 1, the next weight 2, and so on. A valid number gives 0.

    >>> checksum("000000000000018")
    0
    >>> checksum("000000000000017")
    9
    """
    return int(luhn.checksum(require_digits(number, _FIELD)))


def calc_check_digit(base: str) -> str:
    """Return the check digit to append to ``base``, as a one-character string.

    >>> calc_check_digit("00000000000010")
    '9'
    >>> calc_check_digit("00404040000066")
    '9'
    >>> calc_check_digit("19")  # 9*2 -> 1+8 = 9, plus 1: S = 10: the digit is '0', not '10'
    '0'
    """
    return str(luhn.calc_check_digit(require_digits(base, _FIELD)))


def validate(number: str) -> str:
    """Return ``number`` (spaces removed) if its last digit is the right check digit, else raise.

    >>> validate("0000 0000 0000 018")
    '000000000000018'
    >>> validate("000000000000019")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidChecksum: number '000000000000019': check digit should be 8, not 9
    """
    digits = require_digits(_compact(number, _FIELD), _FIELD)
    if checksum(digits) != 0:
        expected = calc_check_digit(digits[:-1])
        raise InvalidChecksum(
            _FIELD, digits, f"check digit should be {expected}, not {digits[-1]}"
        )
    return digits


def is_valid(number: str) -> bool:
    """Return True if ``number`` is all digits and ends in its correct check digit.

    >>> is_valid("000000000000109"), is_valid("000000000000108"), is_valid("12a")
    (True, False, False)
    """
    try:
        validate(number)
    except ValueError:
        return False
    return True
