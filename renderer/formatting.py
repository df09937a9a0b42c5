"""Danish (and English) number, money and date formatting from Babel's locale data: the one
formatter of the PDF, the bookkeepers' pages and the command line.

Numbers round half-even (as Babel's patterns do), so every amount is quantized with the
product's rounding rule (`faktura.money.round_ore`, half-up) before it is formatted.

>>> amount(Decimal("1234.5"), "da")
'1.234,50'
>>> money(Decimal("1234.5"), "DKK", "da")
'1.234,50\\xa0kr.'
>>> money(Decimal("10625"), "DKK", "en"), money(Decimal("3049.375"), "EUR", "en")
('DKK\\xa010,625.00', 'EUR\\xa03,049.38')
>>> price(Decimal("3.335"), "da"), price(Decimal("950"), "da"), price(Decimal("0.125"), "en")
('3,335', '950,00', '0.125')
>>> quantity(Decimal("7.50"), "da"), quantity(Decimal("3"), "da")
('7,50', '3')
>>> long_date(date(2026, 11, 22), "da")
'22. november 2026'
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import (format_currency, get_decimal_symbol, get_group_symbol,
                           get_minus_sign_symbol)

from faktura.money import round_ore

LOCALES = {"da": "da_DK", "en": "en_GB"}


@cache
def _locale(language: str) -> Locale:
    """The language's locale, read once (Babel parses a locale's name on every call)."""
    return Locale.parse(LOCALES.get(language, "da_DK"))


@cache
def _symbols(language: str) -> dict[int, str]:
    """Python's number signs (`,` `.` `-`) → the language's, from Babel's locale data."""
    locale = _locale(language)
    return {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale),
            ord("-"): get_minus_sign_symbol(locale)}


def _number(value: Decimal, fewest: int, most: int, language: str) -> str:
    """`value` with thousands separators and between `fewest` and `most` decimals, rounded
    half-even, as Babel's pattern `#,##0.00##` (here fewest 2, most 4) writes it; written by
    Python's own number format, several times faster than Babel's general one, which a long
    invoice calls thousands of times.

    >>> _number(Decimal("-1234567.125"), 2, 2, "da"), _number(Decimal("12.3"), 2, 4, "en")
    ('-1.234.567,12', '12.30')
    """
    text = format(value.quantize(_EXPONENTS[most], rounding=ROUND_HALF_EVEN), f",.{most}f")
    if most > fewest:
        whole, _, decimals = text.partition(".")
        decimals = decimals.rstrip("0").ljust(fewest, "0")
        text = f"{whole}.{decimals}" if decimals else whole
    return text.translate(_symbols(language))


_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(7)}


def amount(value: Decimal, language: str) -> str:
    """An amount in a table: thousands separators, always two decimals."""
    return _number(round_ore(value), 2, 2, language)


def price(value: Decimal, language: str) -> str:
    """A unit price with the decimals it has: at least two, at most the model's four
    (`faktura.model.UnitPrice`), never rounded, so quantity × the printed price is the
    printed line amount and the e-invoice's price (BT-146) is the printed one."""
    return _number(value, 2, 4, language)


def money(value: Decimal, currency_code: str, language: str) -> str:
    """An amount with its currency: Danish the Danish way ('1.234,50 kr.'); English with the
    ISO code and a space before the amount ('DKK 10,625.00', 'EUR 3,049.38'), which reads
    the same to every payer abroad (en_GB would write 'DKK10,625.00')."""
    if language == "en":
        return format_currency(round_ore(value), currency_code, format="¤¤\xa0#,##0.00",
                               currency_digits=False, locale=_locale(language))
    return format_currency(round_ore(value), currency_code, locale=_locale(language))


def quantity(value: Decimal, language: str) -> str:
    """A quantity: whole numbers without decimals, others with two."""
    places = 0 if value == value.to_integral_value() else 2
    return _number(value, places, places, language)


def percent(value: Decimal, language: str) -> str:
    """A percentage as a plain number ('25', '12,5'), the % sign is in the label."""
    return _number(value.normalize(), 0, 2, language)


def rate(value: Decimal, language: str) -> str:
    """An exchange rate with up to six decimals."""
    return _number(value, 2, 6, language)


def short_date(value: date, language: str) -> str:
    return format_date(value, "dd.MM.yyyy", locale=_locale(language))


def long_date(value: date, language: str) -> str:
    return format_date(value, "long", locale=_locale(language))
