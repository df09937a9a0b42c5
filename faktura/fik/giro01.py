"""Card type 01 (giro): no payment ID; a 7-digit giro account instead of a creditor number.

Our reading of the reference (which only says "giro account (7 digits) instead of creditor
number"): the code line keeps the FI shape with the giro account in the creditor position,
``+01<+AAAAAAA<``, and the account must be exactly 7 digits (leading zeros included, no
padding to 8). The creditor-number soft rule (starts with 8, modulus 11) does not apply to
giro accounts, so :func:`creditor_warnings` is always empty.

>>> code_line("1234567")
'+01<+1234567<'
>>> code_line("12345678")
Traceback (most recent call last):
    ...
faktura.fik.InvalidLength: giro account '12345678': must be exactly 7 digits, got 8
"""

from __future__ import annotations

from faktura.fik import _payid
from faktura.fik._digits import compact as _compact
from faktura.fik._digits import require_digits
from faktura.fik.exceptions import InvalidLength

__all__ = [
    "ACCOUNT_LENGTH",
    "CARD_TYPE",
    "ID_LENGTH",
    "code_line",
    "creditor_warnings",
    "validate_account",
    "validate_creditor",
]

CARD_TYPE = "01"
ID_LENGTH: int | None = None
"""Type 01 has no payment ID."""
ACCOUNT_LENGTH = 7
FIELD = "giro account"


def validate_account(account: str) -> str:
    """Return the compact 7-digit giro account (spaces removed), or raise.

    A string is required: an ``int`` would have lost any leading zero.

    >>> validate_account("012 3456")
    '0123456'
    >>> validate_account("12345a7")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: giro account '12345a7': only digits 0-9 are allowed
    """
    digits = require_digits(_compact(account, FIELD), FIELD)
    if len(digits) != ACCOUNT_LENGTH:
        raise InvalidLength(
            FIELD, digits, f"must be exactly {ACCOUNT_LENGTH} digits, got {len(digits)}"
        )
    return digits


validate_creditor = validate_account
"""For type 01 the creditor position holds the giro account (same interface as other types)."""


def creditor_warnings(number: str) -> list[str]:
    """Validate the giro account; there are no soft rules for it, so the list is empty.

    >>> creditor_warnings("1234567")
    []
    """
    validate_account(number)
    return []


code_line = _payid.no_id_code_line(__name__, CARD_TYPE, validate_account, "account")
