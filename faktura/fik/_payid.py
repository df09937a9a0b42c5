"""Private: the logic shared by the card-type modules (``card71`` ... ``giro15``).

Each public card module is only its constants and a short docstring; its functions are made
here by :func:`numeric_card` (types 71, 75, 04, 15: a numeric payment ID of ``ID_LENGTH``
digits) or :func:`no_id_code_line` (types 73 and 01: no payment ID), so all card types share
one implementation, one set of rules and identical error messages.

The payment ID is the numeric invoice number zero-padded on the left to ``ID_LENGTH - 1``
digits, then a modulus-10 check digit (see :mod:`faktura.fik.mod10`). Invoice numbers that are
not digits, are 0, or need more digits are refused — never truncated or stripped, because that
would let two invoices share a payment ID.

>>> payment_id("0023", 15, "71")
'000000000000232'
>>> payment_id("12a4", 15, "71")
Traceback (most recent call last):
    ...
faktura.fik.InvalidFormat: payment ID '12a4': only digits 0-9 are allowed
>>> payment_id(0, 16, "75")
Traceback (most recent call last):
    ...
faktura.fik.InvalidComponent: payment ID 0: invoice number 0 cannot be paid by FI
>>> calc_check_digit("404040000066", 15, "71")
'9'
>>> is_valid("000000000000018", 15, "71"), is_valid("000000000000017", 15, "71")
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faktura.fik import creditor as _creditor
from faktura.fik import mod10
from faktura.fik._digits import compact, is_digits, require_digits
from faktura.fik.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

FIELD = "payment ID"
_TYPE75_BASE_LENGTH = 15

NUMERIC_CARD_API = (
    "CARD_TYPE",
    "ID_LENGTH",
    "calc_check_digit",
    "code_line",
    "creditor_warnings",
    "is_valid",
    "payment_id",
    "validate",
    "validate_creditor",
)
"""The ``__all__`` of a card module with a payment ID (71, 75, 04, 15)."""

NO_ID_CARD_API = ("CARD_TYPE", "ID_LENGTH", "code_line", "creditor_warnings", "validate_creditor")
"""The ``__all__`` of a card module without a payment ID (73; 01 adds its account names)."""

validate_creditor = _creditor.validate
creditor_warnings = _creditor.warnings


def _invoice_digits(invoice_number: str | int) -> str:
    """The invoice number as a string of digits, refusing (never fixing) anything else."""
    if isinstance(invoice_number, bool) or not isinstance(invoice_number, str | int):
        raise InvalidFormat(
            FIELD,
            invoice_number,
            "the invoice number must be digits (str) or an int, "
            f"not {type(invoice_number).__name__}",
        )
    if isinstance(invoice_number, int):
        if invoice_number < 0:
            raise InvalidComponent(FIELD, invoice_number, "the invoice number must be 1 or more")
        return str(invoice_number)
    if not invoice_number:
        raise InvalidFormat(FIELD, invoice_number, "the invoice number is empty")
    if not is_digits(invoice_number):
        raise InvalidFormat(FIELD, invoice_number, "only digits 0-9 are allowed")
    return invoice_number


def payment_id(invoice_number: str | int, id_length: int, card_type: str) -> str:
    """Zero-pad the invoice number to ``id_length - 1`` digits and append the check digit."""
    digits = _invoice_digits(invoice_number)
    significant = digits.lstrip("0")  # numeric value: "0023" is invoice 23
    if not significant:
        raise InvalidComponent(FIELD, invoice_number, "invoice number 0 cannot be paid by FI")
    base_length = id_length - 1
    if len(significant) > base_length:
        problem = (
            f"the invoice number has {len(significant)} digits, "
            f"a type {card_type} payment ID holds at most {base_length}"
        )
        if card_type == "71" and len(significant) <= _TYPE75_BASE_LENGTH:
            problem += f"; card type 75 holds up to {_TYPE75_BASE_LENGTH}"
        raise InvalidLength(FIELD, invoice_number, problem)
    base = significant.zfill(base_length)
    return base + mod10.calc_check_digit(base)


def calc_check_digit(base: str, id_length: int, card_type: str) -> str:
    """The check digit for a base of at most ``id_length - 1`` digits."""
    digits = require_digits(compact(base, FIELD), FIELD)
    if len(digits) > id_length - 1:
        raise InvalidLength(
            FIELD,
            base,
            f"a type {card_type} base has at most {id_length - 1} digits, got {len(digits)}",
        )
    return mod10.calc_check_digit(digits)


def validate(value: str, id_length: int, card_type: str) -> str:
    """Return the compact payment ID if it is exactly right for the card type, else raise."""
    digits = require_digits(compact(value, FIELD), FIELD)
    if len(digits) != id_length:
        raise InvalidLength(
            FIELD,
            digits,
            f"a type {card_type} payment ID has exactly {id_length} digits, got {len(digits)}",
        )
    if mod10.checksum(digits) != 0:
        expected = mod10.calc_check_digit(digits[:-1])
        raise InvalidChecksum(
            FIELD, digits, f"check digit should be {expected}, not {digits[-1]}"
        )
    if not digits[:-1].lstrip("0"):
        raise InvalidComponent(FIELD, digits, "payment ID 0 is not allowed")
    return digits


def is_valid(value: str, id_length: int, card_type: str) -> bool:
    """True if :func:`validate` accepts ``value``."""
    try:
        validate(value, id_length, card_type)
    except ValueError:
        return False
    return True


def _publish(module: str, name: str, function: Callable[..., Any], doc: str) -> Any:
    """Present a generated function as the card module's own (help, repr, pickle, docs)."""
    function.__module__ = module
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


def numeric_card(module: str, card_type: str, id_length: int) -> tuple[Callable[..., Any], ...]:
    """The public functions of a card module whose payment ID has ``id_length`` digits.

    Returns ``payment_id, calc_check_digit, validate, is_valid, code_line, validate_creditor,
    creditor_warnings`` in that order, bound to ``card_type`` and ``id_length``; ``module`` is
    the card module's ``__name__``.

    >>> payment_id_, _, validate_, _, code_line_, _, _ = numeric_card("demo", "75", 16)
    >>> payment_id_("404040000066"), validate_("0004 0404 0000 0669")
    ('0004040400000669', '0004040400000669')
    >>> code_line_("12345678")
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: payment ID: card type 75 needs an invoice number
    """
    base_length = id_length - 1

    def card_payment_id(invoice_number: str | int) -> str:
        return payment_id(invoice_number, id_length, card_type)

    def card_calc_check_digit(base: str) -> str:
        return calc_check_digit(base, id_length, card_type)

    def card_validate(payment_id: str) -> str:
        return validate(payment_id, id_length, card_type)

    def card_is_valid(payment_id: str) -> bool:
        return is_valid(payment_id, id_length, card_type)

    def card_code_line(creditor: str | int, invoice_number: str | int | None = None) -> str:
        if invoice_number is None:
            raise InvalidComponent(FIELD, None, f"card type {card_type} needs an invoice number")
        digits = payment_id(invoice_number, id_length, card_type)
        return f"+{card_type}<{digits}+{validate_creditor(creditor)}<"

    return (
        _publish(
            module,
            "payment_id",
            card_payment_id,
            f"Return the {id_length}-digit payment ID for a numeric invoice number.\n\n"
            f"The invoice number (digits, or an int) is zero-padded on the left to "
            f"{base_length} digits and a modulus-10 check digit is appended. Invoice numbers "
            f"that are not digits, are 0, or need more than {base_length} digits are refused "
            "— never truncated or stripped.",
        ),
        _publish(
            module,
            "calc_check_digit",
            card_calc_check_digit,
            f"Return the check digit for a base of up to {base_length} digits "
            "(leading zeros do not matter).",
        ),
        _publish(
            module,
            "validate",
            card_validate,
            f"Return the compact payment ID (spaces removed) if it is a valid type {card_type} "
            f"ID, else raise.\n\nIt must be exactly {id_length} digits with a correct check "
            "digit, and not 0.",
        ),
        _publish(
            module,
            "is_valid",
            card_is_valid,
            f"Return True if ``payment_id`` is a valid type {card_type} payment ID.",
        ),
        _publish(
            module,
            "code_line",
            card_code_line,
            f"Return the canonical code line ``+{card_type}<payment ID+creditor<``, without "
            "spaces.\n\nThe invoice number is required for this card type.",
        ),
        validate_creditor,
        creditor_warnings,
    )


def no_id_code_line(
    module: str, card_type: str, validate_position: Callable[[Any], str], position: str
) -> Callable[..., str]:
    """The ``code_line`` of a card type without a payment ID: ``+TT<+<position><``.

    ``validate_position`` checks what stands in the creditor position (``position`` names it
    in the docstring).

    >>> code_line = no_id_code_line("demo", "73", validate_creditor, "creditor")
    >>> code_line(" 8000 0006 ")
    '+73<+80000006<'
    >>> code_line("12345678", 42)
    Traceback (most recent call last):
        ...
    faktura.fik.InvalidComponent: payment ID 42: card type 73 carries no payment ID
    """

    def code_line(creditor: str | int, invoice_number: str | int | None = None) -> str:
        if invoice_number is not None:
            raise InvalidComponent(
                FIELD, invoice_number, f"card type {card_type} carries no payment ID"
            )
        return f"+{card_type}<+{validate_position(creditor)}<"

    return _publish(
        module,
        "code_line",
        code_line,
        f"Return the canonical code line ``+{card_type}<+{position}<``; ``invoice_number`` "
        f"must be None: type {card_type} carries no payment ID.",
    )
