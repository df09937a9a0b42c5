"""Card type 73 (FI): no payment ID; the payer writes a message to the payee instead.

The code line carries only the card type and the 8-digit creditor number. Passing an invoice
number is an error rather than silently ignored, so a mistaken card type shows up at once.

>>> code_line("12345678")
'+73<+12345678<'
>>> code_line("12345678", 42)
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: payment ID 42: card type 73 carries no payment ID
"""

from __future__ import annotations

from faktura.fik import creditor as _creditor
from faktura.fik.exceptions import InvalidComponent

__all__ = ["CARD_TYPE", "ID_LENGTH", "code_line", "creditor_warnings", "validate_creditor"]

CARD_TYPE = "73"
ID_LENGTH: int | None = None
"""Type 73 has no payment ID."""


def validate_creditor(number: str | int) -> str:
    """Return the compact 8-digit creditor number, or raise (see :mod:`faktura.fik.creditor`).

    >>> validate_creditor(12345678)
    '12345678'
    """
    return _creditor.validate(number)


def creditor_warnings(number: str | int) -> list[str]:
    """Return the soft-rule warnings for the creditor number.

    >>> creditor_warnings("80000006")
    []
    """
    return _creditor.warnings(number)


def code_line(creditor: str | int, invoice_number: str | int | None = None) -> str:
    """Return the canonical code line ``+73<+creditor<``; ``invoice_number`` must be None.

    >>> code_line(" 8000 0006 ")
    '+73<+80000006<'
    """
    if invoice_number is not None:
        raise InvalidComponent(
            "payment ID", invoice_number, f"card type {CARD_TYPE} carries no payment ID"
        )
    return f"+{CARD_TYPE}<+{validate_creditor(creditor)}<"
