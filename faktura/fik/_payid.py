"""Private: numeric payment IDs shared by card types 71, 75, 04 and 15.

The public, documented entry points are the functions of each card module (``card71`` ...),
which call these with their own ``ID_LENGTH`` and ``CARD_TYPE``.
"""

from __future__ import annotations

from faktura.fik import mod10
from faktura.fik._digits import compact, is_digits, require_digits
from faktura.fik.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

FIELD = "payment ID"
_TYPE75_BASE_LENGTH = 15


def _invoice_digits(invoice_number: str | int) -> str:
    """The invoice number as a string of digits, refusing (never fixing) anything else."""
    if isinstance(invoice_number, bool) or not isinstance(invoice_number, str | int):
        raise InvalidFormat(
            FIELD,
            invoice_number,
            "the invoice number must be digits (str) or an int, "
            f"not {type(invoice_number).__name__}",
        )
    if isinstance(invoice_number, int):
        if invoice_number < 0:
            raise InvalidComponent(FIELD, invoice_number, "the invoice number must be 1 or more")
        return str(invoice_number)
    if not invoice_number:
        raise InvalidFormat(FIELD, invoice_number, "the invoice number is empty")
    if not is_digits(invoice_number):
        raise InvalidFormat(FIELD, invoice_number, "only digits 0-9 are allowed")
    return invoice_number


def payment_id(invoice_number: str | int, id_length: int, card_type: str) -> str:
    """Zero-pad the invoice number to ``id_length - 1`` digits and append the check digit."""
    digits = _invoice_digits(invoice_number)
    significant = digits.lstrip("0")  # numeric value: "0023" is invoice 23
    if not significant:
        raise InvalidComponent(FIELD, invoice_number, "invoice number 0 cannot be paid by FI")
    base_length = id_length - 1
    if len(significant) > base_length:
        problem = (
            f"the invoice number has {len(significant)} digits, "
            f"a type {card_type} payment ID holds at most {base_length}"
        )
        if card_type == "71" and len(significant) <= _TYPE75_BASE_LENGTH:
            problem += f"; card type 75 holds up to {_TYPE75_BASE_LENGTH}"
        raise InvalidLength(FIELD, invoice_number, problem)
    base = significant.zfill(base_length)
    return base + mod10.calc_check_digit(base)


def calc_check_digit(base: str, id_length: int, card_type: str) -> str:
    """The check digit for a base of at most ``id_length - 1`` digits."""
    digits = require_digits(compact(base, FIELD), FIELD)
    if len(digits) > id_length - 1:
        raise InvalidLength(
            FIELD,
            base,
            f"a type {card_type} base has at most {id_length - 1} digits, got {len(digits)}",
        )
    return mod10.calc_check_digit(digits)


def validate(value: str, id_length: int, card_type: str) -> str:
    """Return the compact payment ID if it is exactly right for the card type, else raise."""
    digits = require_digits(compact(value, FIELD), FIELD)
    if len(digits) != id_length:
        raise InvalidLength(
            FIELD,
            digits,
            f"a type {card_type} payment ID has exactly {id_length} digits, got {len(digits)}",
        )
    if mod10.checksum(digits) != 0:
        expected = mod10.calc_check_digit(digits[:-1])
        raise InvalidChecksum(
            FIELD, digits, f"check digit should be {expected}, not {digits[-1]}"
        )
    if not digits[:-1].lstrip("0"):
        raise InvalidComponent(FIELD, digits, "payment ID 0 is not allowed")
    return digits


def is_valid(value: str, id_length: int, card_type: str) -> bool:
    try:
        validate(value, id_length, card_type)
    except ValueError:
        return False
    return True
