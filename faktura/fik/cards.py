"""The FI card types as one table: what each type carries, and the functions they all share.

The card types differ only in data — the two-digit type, how long the payment ID is (none for
73 and 01), and what stands in the creditor position (the 8-digit FI creditor number, or the
7-digit giro account for 01) — so each is one :class:`CardType` record in :data:`CARD_TYPES`,
and every type has the same verbs: ``payment_id``, ``calc_check_digit``, ``validate``,
``is_valid``, ``code_line``, ``validate_creditor`` and ``creditor_warnings``.

The payment ID is the numeric invoice number zero-padded on the left to ``id_length - 1``
digits, then a modulus-10 check digit (see :mod:`faktura.fik.mod10`). Invoice numbers that are
not digits, are 0, or need more digits are refused — never truncated or stripped, because that
would let two invoices share a payment ID.

>>> sorted(CARD_TYPES)
['01', '04', '15', '71', '73', '75']
>>> card71.code_line("12345678", "404040000066")
'+71<004040400000669+12345678<'
>>> card71.validate("0040 4040 0000 669"), card71.is_valid("000000000000017")
('004040400000669', False)
>>> card71.validate("000000000000017")
Traceback (most recent call last):
    ...
faktura.fik.InvalidChecksum: payment ID '000000000000017': check digit should be 8, not 7
>>> card75.payment_id("9" * 15), card75.calc_check_digit("000404040000066")
('9999999999999995', '9')
>>> card73.code_line("12345678")
'+73<+12345678<'
>>> card73.code_line("12345678", 42)
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: payment ID 42: card type 73 carries no payment ID
>>> card71.code_line("12345678")
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: payment ID: card type 71 needs an invoice number
>>> giro01.code_line("1234567")
'+01<+1234567<'
>>> giro01.code_line("12345678")
Traceback (most recent call last):
    ...
faktura.fik.InvalidLength: giro account '12345678': must be exactly 7 digits, got 8
>>> get("72")
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: card type '72': unknown; known types are 01, 04, 15, 71, 73, 75
"""

from __future__ import annotations

from dataclasses import dataclass

from faktura.fik import creditor as _creditor
from faktura.fik import mod10
from faktura.fik._digits import compact, is_digits, require_digits
from faktura.fik.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

__all__ = ["CARD_TYPES", "FIELD", "CardType", "get"]

FIELD = "card type"
PAYMENT_ID = "payment ID"
GIRO_ACCOUNT = "giro account"
GIRO_ACCOUNT_LENGTH = 7
_TYPE75_BASE_LENGTH = 15


def _invoice_digits(invoice_number: str | int) -> str:
    """The invoice number as a string of digits, refusing (never fixing) anything else."""
    if isinstance(invoice_number, bool) or not isinstance(invoice_number, str | int):
        raise InvalidFormat(PAYMENT_ID, invoice_number,
                            "the invoice number must be digits (str) or an int, "
                            f"not {type(invoice_number).__name__}")
    if isinstance(invoice_number, int):
        if invoice_number < 0:
            raise InvalidComponent(PAYMENT_ID, invoice_number,
                                   "the invoice number must be 1 or more")
        return str(invoice_number)
    if not invoice_number:
        raise InvalidFormat(PAYMENT_ID, invoice_number, "the invoice number is empty")
    if not is_digits(invoice_number):
        raise InvalidFormat(PAYMENT_ID, invoice_number, "only digits 0-9 are allowed")
    return invoice_number


def validate_giro_account(account: str) -> str:
    """Return the compact 7-digit giro account (spaces removed), or raise.

    A string is required: an ``int`` would have lost any leading zero.

    >>> validate_giro_account("012 3456")
    '0123456'
    >>> validate_giro_account("12345a7")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: giro account '12345a7': only digits 0-9 are allowed
    """
    digits = require_digits(compact(account, GIRO_ACCOUNT), GIRO_ACCOUNT)
    if len(digits) != GIRO_ACCOUNT_LENGTH:
        raise InvalidLength(GIRO_ACCOUNT, digits,
                            f"must be exactly {GIRO_ACCOUNT_LENGTH} digits, got {len(digits)}")
    return digits


@dataclass(frozen=True)
class CardType:
    """One FI card type: its code, payment-ID length and what the creditor position holds."""

    CARD_TYPE: str  # "71"
    ID_LENGTH: int | None  # digits in the payment ID, check digit included; None: no ID
    system: str  # "FI" or "giro"
    description: str
    giro_account: bool = False  # 01: a 7-digit giro account stands in the creditor position

    @property
    def carries_payment_id(self) -> bool:
        return self.ID_LENGTH is not None

    @property
    def invoice_digits(self) -> int | None:
        """How many digits of an invoice number a payment ID holds (None: it carries none).

        >>> card71.invoice_digits, card75.invoice_digits, card73.invoice_digits
        (14, 15, None)
        """
        return None if self.ID_LENGTH is None else self.ID_LENGTH - 1

    def _id_length(self) -> int:
        if self.ID_LENGTH is None:
            raise InvalidComponent(PAYMENT_ID, None,
                                   f"card type {self.CARD_TYPE} carries no payment ID")
        return self.ID_LENGTH

    def payment_id(self, invoice_number: str | int) -> str:
        """The payment ID: the invoice number zero-padded to ``ID_LENGTH - 1`` digits plus the
        check digit. Not digits, 0, or too many digits: refused, never truncated."""
        id_length = self._id_length()
        significant = _invoice_digits(invoice_number).lstrip("0")  # "0023" is invoice 23
        if not significant:
            raise InvalidComponent(PAYMENT_ID, invoice_number,
                                   "invoice number 0 cannot be paid by FI")
        base_length = id_length - 1
        if len(significant) > base_length:
            problem = (f"the invoice number has {len(significant)} digits, "
                       f"a type {self.CARD_TYPE} payment ID holds at most {base_length}")
            if self.CARD_TYPE == "71" and len(significant) <= _TYPE75_BASE_LENGTH:
                problem += f"; card type 75 holds up to {_TYPE75_BASE_LENGTH}"
            raise InvalidLength(PAYMENT_ID, invoice_number, problem)
        base = significant.zfill(base_length)
        return base + mod10.calc_check_digit(base)

    def calc_check_digit(self, base: str) -> str:
        """The check digit for a base of at most ``ID_LENGTH - 1`` digits."""
        id_length = self._id_length()
        digits = require_digits(compact(base, PAYMENT_ID), PAYMENT_ID)
        if len(digits) > id_length - 1:
            raise InvalidLength(PAYMENT_ID, base, f"a type {self.CARD_TYPE} base has at most"
                                f" {id_length - 1} digits, got {len(digits)}")
        return mod10.calc_check_digit(digits)

    def validate(self, payment_id: str) -> str:
        """The compact payment ID if it is exactly right for the card type, else raise."""
        id_length = self._id_length()
        digits = require_digits(compact(payment_id, PAYMENT_ID), PAYMENT_ID)
        if len(digits) != id_length:
            raise InvalidLength(PAYMENT_ID, digits, f"a type {self.CARD_TYPE} payment ID has"
                                f" exactly {id_length} digits, got {len(digits)}")
        if mod10.checksum(digits) != 0:
            expected = mod10.calc_check_digit(digits[:-1])
            raise InvalidChecksum(PAYMENT_ID, digits,
                                  f"check digit should be {expected}, not {digits[-1]}")
        if not digits[:-1].lstrip("0"):
            raise InvalidComponent(PAYMENT_ID, digits, "payment ID 0 is not allowed")
        return digits

    def is_valid(self, payment_id: str) -> bool:
        """True if :meth:`validate` accepts ``payment_id``."""
        try:
            self.validate(payment_id)
        except ValueError:
            return False
        return True

    def validate_creditor(self, number: str | int) -> str:
        """What stands in the creditor position: the creditor number, or the giro account."""
        if self.giro_account:
            return validate_giro_account(number)  # type: ignore[arg-type]
        return _creditor.validate(number)

    def creditor_warnings(self, number: str | int) -> list[str]:
        """Soft-rule warnings for the creditor number (none for a giro account)."""
        if self.giro_account:
            validate_giro_account(number)  # type: ignore[arg-type]
            return []
        return _creditor.warnings(number)

    def code_line(self, creditor: str | int, invoice_number: str | int | None = None) -> str:
        """The canonical code line ``+TT<payment ID+creditor<`` (``+TT<+creditor<`` without
        a payment ID), without spaces."""
        if self.ID_LENGTH is None:
            if invoice_number is not None:
                raise InvalidComponent(PAYMENT_ID, invoice_number,
                                       f"card type {self.CARD_TYPE} carries no payment ID")
            return f"+{self.CARD_TYPE}<+{self.validate_creditor(creditor)}<"
        if invoice_number is None:
            raise InvalidComponent(PAYMENT_ID, None,
                                   f"card type {self.CARD_TYPE} needs an invoice number")
        digits = self.payment_id(invoice_number)
        return f"+{self.CARD_TYPE}<{digits}+{self.validate_creditor(creditor)}<"


card71 = CardType("71", 15, "FI", "the default for invoices; a 15-digit payment ID")
card73 = CardType("73", None, "FI", "no payment ID; the payer writes a message instead")
card75 = CardType("75", 16, "FI", "a 16-digit payment ID plus an optional message")
giro01 = CardType("01", None, "giro", "no payment ID; a 7-digit giro account", giro_account=True)
giro04 = CardType("04", 16, "giro", "a 16-digit payment ID")
giro15 = CardType("15", 16, "giro", "a 16-digit payment ID plus a text field")

#: Every card type by its two-digit code.
CARD_TYPES: dict[str, CardType] = {
    card.CARD_TYPE: card for card in (giro01, giro04, giro15, card71, card73, card75)
}


def get(card_type: str) -> CardType:
    """The card type for a two-digit code ("71"), or raise naming the card type.

    >>> get("75").ID_LENGTH
    16
    >>> get("7l")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: card type '7l': must be two digits, e.g. '71'
    """
    if not isinstance(card_type, str) or len(card_type) != 2 or not is_digits(card_type):
        raise InvalidFormat(FIELD, card_type, "must be two digits, e.g. '71'")
    try:
        return CARD_TYPES[card_type]
    except KeyError:
        known = ", ".join(sorted(CARD_TYPES))
        raise InvalidComponent(FIELD, card_type, f"unknown; known types are {known}") from None
