"""Checked identifiers: CVR, VAT numbers, GLN (EAN), IBAN and BIC, as they enter the model.

Each `validate_*` function returns the identifier in its compact, canonical form or raises
`InvalidIdentifier` (a `ValueError`) saying what is wrong — never repeating the value, which
may be a mistyped secret. The checks are python-stdnum's (check digits, lengths, country
formats); this module decides the forms the product stores:

* a CVR number is 8 digits, no ``DK`` prefix (BT-30/BT-31 print it with ``DK`` where needed);
* a VAT number (BT-48) keeps its country prefix: a Danish one is ``DK`` + the CVR number,
  whether it was given as ``DK12345674``, ``DK 12 34 56 74`` or ``12345674``; an EU one is
  checked by `stdnum.eu.vat`, any other by `stdnum.vatin`;
* a GLN (EAN location number, BT-49) is 13 digits with its check digit.

>>> validate_cvr("DK 1234 5674")
'12345674'
>>> validate_vat_number("12 34 56 74"), validate_vat_number("se 5560360793 01")
('DK12345674', 'SE556036079301')
>>> validate_vat_number("hello world")
Traceback (most recent call last):
    ...
faktura.identifiers.InvalidIdentifier: is not a valid VAT number: its country code is unknown
>>> is_valid_gln("5790001234560"), is_valid_gln("5790001234567")
(True, False)
>>> format_iban("dk5912340012345678")
'DK59 1234 0012 3456 78'
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from stdnum import bic, ean, iban, vatin
from stdnum.dk import cvr
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

__all__ = [
    "InvalidIdentifier",
    "format_iban",
    "is_valid_cvr",
    "is_valid_gln",
    "is_valid_vat_number",
    "validate_bic",
    "validate_cvr",
    "validate_gln",
    "validate_iban",
    "validate_vat_number",
]


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check digits."""


_REASONS: tuple[tuple[type[ValidationError], str], ...] = (
    (InvalidChecksum, "its check digits are wrong"),
    (InvalidLength, "it has the wrong number of characters"),
    (InvalidComponent, "its country code is unknown"),
    (InvalidFormat, "it has characters that do not belong in it"),
)


def _reason(error: ValidationError) -> str:
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "it does not have the right form"


def _check(module: ModuleType, number: str, what: str) -> str:
    try:
        return str(module.validate(number))
    except ValidationError as error:
        raise InvalidIdentifier(f"is not a valid {what}: {_reason(error)}") from None


def validate_cvr(number: str) -> str:
    """The CVR number (8 digits, modulus 11), with spaces and a ``DK`` prefix removed.

    >>> validate_cvr("31415926")
    '31415926'
    >>> validate_cvr("31415925")
    Traceback (most recent call last):
        ...
    faktura.identifiers.InvalidIdentifier: is not a valid CVR number: its check digits are wrong
    """
    compact = "".join(number.split()).upper().removeprefix("DK")
    return _check(cvr, compact, "CVR number")


def validate_vat_number(number: str) -> str:
    """BT-48: a VAT number with its country prefix; a bare 8-digit number is a Danish CVR.

    >>> validate_vat_number("DK 12 34 56 78")
    Traceback (most recent call last):
        ...
    faktura.identifiers.InvalidIdentifier: is not a valid VAT number: its check digits are wrong
    >>> validate_vat_number("NO 974 760 673 MVA")
    'NO974760673MVA'
    """
    compact = "".join(number.split()).upper().replace("-", "").replace(".", "")
    if compact.isdigit() or compact.startswith("DK"):
        try:
            return "DK" + validate_cvr(compact)
        except InvalidIdentifier as error:
            raise InvalidIdentifier(str(error).replace("CVR number", "VAT number")) from None
    module = eu_vat if compact[:2].lower() in eu_vat.MEMBER_STATES else vatin
    return _check(module, compact, "VAT number")


def validate_gln(number: str) -> str:
    """A GLN (EAN location number): 13 digits, the last a GS1 check digit.

    >>> validate_gln("579000 123456 0")
    '5790001234560'
    >>> is_valid_gln("57900012345")  # an EAN-8 or a short number is no location number
    False
    """
    compact = ean.compact(number)
    if len(compact) != 13:
        raise InvalidIdentifier("is not a valid EAN (GLN) number: it has the wrong number of"
                                " characters")
    return _check(ean, compact, "EAN (GLN) number")


def validate_iban(number: str) -> str:
    """An IBAN, compact and upper case (country format and mod 97 check digits).

    >>> validate_iban("DK59 1234 0012 3456 78")
    'DK5912340012345678'
    >>> validate_iban("DK50 1234 0012 3456 78")
    Traceback (most recent call last):
        ...
    faktura.identifiers.InvalidIdentifier: is not a valid IBAN: its check digits are wrong
    """
    return _check(iban, number, "IBAN")


def validate_bic(number: str) -> str:
    """A BIC (SWIFT code): 8 or 11 characters with a known country.

    >>> validate_bic("daba dk kk")
    'DABADKKK'
    """
    return _check(bic, number, "BIC")


def format_iban(number: str) -> str:
    """An IBAN as printed: groups of four."""
    return str(iban.format(validate_iban(number)))


def _is_valid(check: Callable[[str], str]) -> Callable[[str], bool]:
    def is_valid(number: str) -> bool:
        try:
            check(number)
        except (InvalidIdentifier, TypeError, AttributeError):
            return False
        return True

    is_valid.__doc__ = f"True if `{check.__name__}` accepts the number."
    return is_valid


is_valid_cvr = _is_valid(validate_cvr)
is_valid_gln = _is_valid(validate_gln)
is_valid_vat_number = _is_valid(validate_vat_number)
