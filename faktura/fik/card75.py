"""Card type 75 (FI): a 16-digit payment ID plus an optional message.

Used when 14 digits are too few for the invoice number, or when a message is wanted. The
message travels outside the code line (printed on the slip, or typed in net banking), so
:func:`code_line` takes no message and the line is the same with or without one.

>>> code_line("12345678", 1)
'+75<0000000000000018+12345678<'
>>> payment_id("9" * 15), calc_check_digit("000404040000066")
('9999999999999995', '9')
"""

from faktura.fik import _payid

__all__ = _payid.NUMERIC_CARD_API

CARD_TYPE = "75"
ID_LENGTH = 16
"""Digits in the payment ID, check digit included."""

(payment_id, calc_check_digit, validate, is_valid, code_line, validate_creditor,
 creditor_warnings) = _payid.numeric_card(__name__, CARD_TYPE, ID_LENGTH)
