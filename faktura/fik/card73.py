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

from faktura.fik import _payid

__all__ = _payid.NO_ID_CARD_API

CARD_TYPE = "73"
ID_LENGTH: int | None = None
"""Type 73 has no payment ID."""

validate_creditor, creditor_warnings = _payid.validate_creditor, _payid.creditor_warnings
code_line = _payid.no_id_code_line(__name__, CARD_TYPE, validate_creditor, "creditor")
