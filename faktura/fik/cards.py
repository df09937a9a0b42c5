"""The registry of card types: ``CARD_TYPES`` maps the two-digit type to its module.

Every card module has ``CARD_TYPE``, ``ID_LENGTH`` (None when the type carries no payment ID),
``code_line(creditor, invoice_number=None)``, ``validate_creditor`` and ``creditor_warnings``;
the types with a payment ID also have ``payment_id``, ``calc_check_digit``, ``validate`` and
``is_valid``.

>>> sorted(CARD_TYPES)
['01', '04', '15', '71', '73', '75']
>>> get("71").ID_LENGTH
15
>>> get("72")
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: card type '72': unknown; known types are 01, 04, 15, 71, 73, 75
"""

from __future__ import annotations

from types import ModuleType

from faktura.fik import card71, card73, card75, giro01, giro04, giro15
from faktura.fik._digits import is_digits
from faktura.fik.exceptions import InvalidComponent, InvalidFormat

__all__ = ["CARD_TYPES", "FIELD", "get"]

FIELD = "card type"

CARD_TYPES: dict[str, ModuleType] = {
    module.CARD_TYPE: module for module in (giro01, giro04, giro15, card71, card73, card75)
}


def get(card_type: str) -> ModuleType:
    """Return the module for a two-digit card type ("71"), or raise naming the card type.

    >>> get("75").CARD_TYPE
    '75'
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
