"""Card type 04 (giro): a 16-digit payment ID.

Our reading of the reference: the line has the FI shape ``+04<ID+CCCCCCCC<`` with the
8-digit number in the creditor position (the reference only says 01 uses a giro account
instead). Only type 01 is documented as carrying a 7-digit giro account.

>>> code_line("12345678", 1)
'+04<0000000000000018+12345678<'
>>> code_line("12345678")
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: payment ID: card type 04 needs an invoice number
"""

from faktura.fik import _payid

__all__ = _payid.NUMERIC_CARD_API

CARD_TYPE = "04"
ID_LENGTH = 16
"""Digits in the payment ID, check digit included."""

(payment_id, calc_check_digit, validate, is_valid, code_line, validate_creditor,
 creditor_warnings) = _payid.numeric_card(__name__, CARD_TYPE, ID_LENGTH)
