"""Card type 15 (giro): a 16-digit numeric payment ID plus a text field.

Our reading of the reference: the line has the FI shape ``+15<ID+CCCCCCCC<`` with the
8-digit number in the creditor position. The text field is printed on the slip only and is
never part of the code line, so :func:`code_line` takes no text.

>>> code_line("12345678", "404040000066")
'+15<0004040400000669+12345678<'
>>> validate("0000000000000018"), creditor_warnings("80000006")
('0000000000000018', [])
"""

from faktura.fik import _payid

__all__ = _payid.NUMERIC_CARD_API

CARD_TYPE = "15"
ID_LENGTH = 16
"""Digits in the payment ID, check digit included."""

(payment_id, calc_check_digit, validate, is_valid, code_line, validate_creditor,
 creditor_warnings) = _payid.numeric_card(__name__, CARD_TYPE, ID_LENGTH)
