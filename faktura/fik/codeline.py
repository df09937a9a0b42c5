"""The FI code line ``+KK<payment ID+creditor<``: parse, validate and format.

The canonical form has no spaces; :func:`parse` accepts spaces anywhere (as printed or typed
with grouping). Types 73 and 01 have no payment ID (``+73<+12345678<``); for type 01 the
creditor position holds the 7-digit giro account.

>>> line = parse("+71< 000000000000018 +12345678<")
>>> line
CodeLine(card_type='71', payment_id='000000000000018', creditor='12345678')
>>> str(line)
'+71<000000000000018+12345678<'
>>> validate("+71<000000000000019+12345678<")
Traceback (most recent call last):
    ...
faktura.fik.InvalidChecksum: payment ID '000000000000019': check digit should be 8, not 9
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faktura.fik import cards
from faktura.fik._digits import compact as _compact
from faktura.fik.exceptions import InvalidComponent, InvalidFormat, InvalidLength

__all__ = ["CodeLine", "format", "is_valid", "parse", "validate"]

FIELD = "code line"
_SHAPE = re.compile(r"\+([^+<]*)<([^+<]*)\+([^+<]*)<")
_EXPECTED = "expected +KK<payment ID+creditor number<, e.g. +71<000000000000018+12345678<"


@dataclass(frozen=True)
class CodeLine:
    """A valid, parsed code line. Constructing one validates and compacts the parts.

    ``payment_id`` is None for types without one (73, 01); ``creditor`` is the 8-digit creditor
    number, or for type 01 the 7-digit giro account.

    >>> CodeLine("75", "0000 0000 0000 0018", "12345678").payment_id
    '0000000000000018'
    >>> CodeLine("73", None, "12345678")
    CodeLine(card_type='73', payment_id=None, creditor='12345678')
    """

    card_type: str
    payment_id: str | None
    creditor: str

    def __post_init__(self) -> None:
        card = cards.get(self.card_type)
        if card.ID_LENGTH is None:
            if self.payment_id is not None:
                problem = f"card type {card.CARD_TYPE} carries no payment ID"
                raise InvalidComponent("payment ID", self.payment_id, problem)
            payment_id = None
        elif self.payment_id is None:
            raise InvalidLength(
                "payment ID",
                None,
                f"card type {card.CARD_TYPE} needs a {card.ID_LENGTH}-digit payment ID, none given",
            )
        else:
            payment_id = card.validate(self.payment_id)
        object.__setattr__(self, "payment_id", payment_id)
        object.__setattr__(self, "creditor", card.validate_creditor(self.creditor))

    def __str__(self) -> str:
        return f"+{self.card_type}<{self.payment_id or ''}+{self.creditor}<"


def parse(line: str) -> CodeLine:
    """Parse and validate a code line (spaces allowed anywhere), or raise with the reason.

    >>> parse("+73<+12345678<").payment_id is None
    True
    >>> parse("+71<000000000000018+1234567<")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidLength: creditor number '1234567': must be exactly 8 digits, got 7
    >>> parse("71<000000000000018+12345678")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidFormat: code line '71<000000000000018+12345678':
        expected +KK<payment ID+creditor number<, e.g. +71<000000000000018+12345678<
    """
    compact = _compact(line, FIELD)
    if not compact:
        raise InvalidFormat(FIELD, line, "is empty")
    match = _SHAPE.fullmatch(compact)
    if match is None:
        raise InvalidFormat(FIELD, line, _EXPECTED)
    card_type, payment_id, creditor = match.groups()
    return CodeLine(card_type, payment_id or None, creditor)


def validate(line: str) -> str:
    """Return the canonical (space-free) form of a valid code line, else raise with the reason.

    >>> validate("+75< 0000 0000 0000 0018 +12345678<")
    '+75<0000000000000018+12345678<'
    >>> validate("+72<+12345678<")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: card type '72': unknown; known types are 01, 04, 15, 71, 73, 75
    """
    return str(parse(line))


def is_valid(line: str) -> bool:
    """Return True if ``line`` is a valid code line.

    >>> is_valid("+71<004040400000669+12345678<"), is_valid("+71<004040400000668+12345678<")
    (True, False)
    """
    try:
        parse(line)
    except ValueError:
        return False
    return True


def format(card_type: str, payment_id: str | None, creditor: str | int) -> str:
    """Return the canonical code line for already computed parts, validating each of them.

    Use this to print a stored payment ID; to derive one from an invoice number, use
    :func:`faktura.fik.code_line`.

    >>> format("71", "004040400000669", "12345678")
    '+71<004040400000669+12345678<'
    >>> format("01", None, "1234567")
    '+01<+1234567<'
    """
    return str(CodeLine(card_type, payment_id, creditor))
