"""Card type 15 (giro): a 16-digit numeric payment ID plus a text field.

Our reading of the reference: the line has the FI shape ``+15<ID+CCCCCCCC<`` with the
8-digit number in the creditor position. The text field is printed on the slip only and is
never part of the code line, so :func:`code_line` takes no text.

The payment ID is 16 digits: the numeric invoice number zero-padded on the left to 15
digits, then a modulus-10 check digit (see :mod:`faktura.fik.mod10`). Invoice numbers that are
not digits, are 0, or need more than 15 digits are refused — never truncated or stripped,
because that would let two invoices share a payment ID.

>>> code_line("12345678", 1)
'+15<0000000000000018+12345678<'
>>> validate("0000000000000018")
'0000000000000018'
"""

from __future__ import annotations

from faktura.fik import _payid
from faktura.fik import creditor as _creditor
from faktura.fik.exceptions import InvalidComponent

__all__ = [
    "CARD_TYPE",
    "ID_LENGTH",
    "calc_check_digit",
    "code_line",
    "creditor_warnings",
    "is_valid",
    "payment_id",
    "validate",
    "validate_creditor",
]

CARD_TYPE = "15"
ID_LENGTH = 16
"""Digits in the payment ID, check digit included."""


def payment_id(invoice_number: str | int) -> str:
    """Return the 16-digit payment ID for a numeric invoice number.

    >>> payment_id(1)
    '0000000000000018'
    >>> payment_id("404040000066")
    '0004040400000669'
    >>> payment_id("12a4")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: payment ID '12a4': only digits 0-9 are allowed
    >>> payment_id(0)
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: payment ID 0: invoice number 0 cannot be paid by FI
    """
    return _payid.payment_id(invoice_number, ID_LENGTH, CARD_TYPE)


def calc_check_digit(base: str) -> str:
    """Return the check digit for a base of up to 15 digits (leading zeros do not matter).

    >>> calc_check_digit("000404040000066")
    '9'
    >>> calc_check_digit("404040000066")
    '9'
    """
    return _payid.calc_check_digit(base, ID_LENGTH, CARD_TYPE)


def validate(payment_id: str) -> str:
    """Return the compact payment ID (spaces removed) if it is a valid type 15 ID, else raise.

    It must be exactly 16 digits with a correct check digit, and not 0.

    >>> validate("0004 0404 0000 0669")
    '0004040400000669'
    >>> validate("0000000000000017")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidChecksum: payment ID '0000000000000017': check digit should be 8, not 7
    """
    return _payid.validate(payment_id, ID_LENGTH, CARD_TYPE)


def is_valid(payment_id: str) -> bool:
    """Return True if ``payment_id`` is a valid type 15 payment ID.

    >>> is_valid("0000000000000018"), is_valid("0000000000000017"), is_valid("18")
    (True, False, False)
    """
    return _payid.is_valid(payment_id, ID_LENGTH, CARD_TYPE)


def validate_creditor(number: str | int) -> str:
    """Return the compact 8-digit creditor number, or raise (see :mod:`faktura.fik.creditor`).

    >>> validate_creditor("1234 5678")
    '12345678'
    """
    return _creditor.validate(number)


def creditor_warnings(number: str | int) -> list[str]:
    """Return the soft-rule warnings for the creditor number (never raises for the soft rule).

    >>> creditor_warnings("80000006")
    []
    """
    return _creditor.warnings(number)


def code_line(creditor: str | int, invoice_number: str | int | None = None) -> str:
    """Return the canonical code line ``+15<payment ID+creditor<``, without spaces.

    The invoice number is required for this card type.
    Any text to the payee stays off the line.

    >>> code_line("12345678", "404040000066")
    '+15<0004040400000669+12345678<'
    >>> code_line("12345678")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: payment ID: card type 15 needs an invoice number
    """
    if invoice_number is None:
        raise InvalidComponent(
            _payid.FIELD, None, f"card type {CARD_TYPE} needs an invoice number"
        )
    return f"+{CARD_TYPE}<{payment_id(invoice_number)}+{validate_creditor(creditor)}<"
