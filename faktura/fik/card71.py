"""Card type 71 (FI): the default for invoices; a 15-digit payment ID.

The payer enters card type, payment ID, creditor number and amount in net or mobile
banking (or scans the code line). The amount is not part of the code line. The payment ID is
the invoice number zero-padded to 14 digits plus a modulus-10 check digit; a longer invoice
number is refused (card type 75 holds 15).

>>> code_line("12345678", "404040000066")
'+71<004040400000669+12345678<'
>>> validate("0040 4040 0000 669"), is_valid("000000000000017")
('004040400000669', False)
>>> validate("000000000000017")
Traceback (most recent call last):
    ...
faktura.fik.InvalidChecksum: payment ID '000000000000017': check digit should be 8, not 7
"""

from faktura.fik import _payid

__all__ = _payid.NUMERIC_CARD_API

CARD_TYPE = "71"
ID_LENGTH = 15
"""Digits in the payment ID, check digit included."""

(payment_id, calc_check_digit, validate, is_valid, code_line, validate_creditor,
 creditor_warnings) = _payid.numeric_card(__name__, CARD_TYPE, ID_LENGTH)
