"""FI payment codes (FIK, "Fælles Indbetalingskort"): card types, payment IDs, code lines.

In the style of python-stdnum: one small module per concern, each with ``validate`` /
``is_valid`` (and ``compact`` / ``format`` / ``calc_check_digit`` where they make sense):

* :mod:`faktura.fik.mod10` — the right-anchored modulus-10 (Luhn) check digit;
* :mod:`faktura.fik.creditor` — the 8-digit creditor number (hard rule) and its soft warnings;
* :mod:`faktura.fik.cards` — the card types as one table of records (``card71``, ``card73``,
  ``card75``, ``giro01``, ``giro04``, ``giro15``, all in :data:`CARD_TYPES`), each with the
  same verbs (``payment_id``, ``calc_check_digit``, ``validate``, ``is_valid``, ``code_line``);
* :mod:`faktura.fik.codeline` — parsing and formatting ``+71<000000000000018+12345678<``.

Every error is a :class:`FikError` (a :class:`ValueError`) whose message names the field:

* :class:`InvalidFormat` — not digits, or a malformed line;
* :class:`InvalidLength` — too long to fit, or not the exact length;
* :class:`InvalidChecksum` — wrong check digit;
* :class:`InvalidComponent` — well formed but not allowed (payment ID 0, unknown card type).

>>> code_line("71", "12345678", 1)
'+71<000000000000018+12345678<'
>>> code_line("73", "12345678")
'+73<+12345678<'
>>> code_line("71", "12345678", "12a4")
Traceback (most recent call last):
    ...
faktura.fik.InvalidFormat: payment ID '12a4': only digits 0-9 are allowed
"""

from __future__ import annotations

from faktura.fik import cards, codeline, creditor, mod10
from faktura.fik.cards import CARD_TYPES, CardType, card71, card73, card75, giro01, giro04, giro15
from faktura.fik.codeline import CodeLine
from faktura.fik.exceptions import (
    FikError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

__all__ = [
    "CARD_TYPES",
    "CardType",
    "CodeLine",
    "FikError",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "card71",
    "card73",
    "card75",
    "cards",
    "code_line",
    "codeline",
    "creditor",
    "giro01",
    "giro04",
    "giro15",
    "mod10",
]


def code_line(
    card_type: str, creditor: str | int, invoice_number: str | int | None = None
) -> str:
    """Return the canonical code line for an invoice: the card type's ``code_line``.

    ``invoice_number`` is required for 71, 75, 04 and 15, and must be None for 73 and 01.
    For 01 ``creditor`` is the 7-digit giro account.

    >>> code_line("75", "12345678", 1)
    '+75<0000000000000018+12345678<'
    >>> code_line("99", "12345678", 1)
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: card type '99': unknown; known types are 01, 04, 15, 71, 73, 75
    """
    return cards.get(card_type).code_line(creditor, invoice_number)
