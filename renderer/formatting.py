"""Danish (and English) number, money and date formatting through Babel: the one formatter
of the PDF, the bookkeepers' pages and the command line.

Babel rounds half-even, so every amount is quantized with the product's rounding rule
(`faktura.money.round_ore`, half-up) before it is formatted.

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
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from faktura.money import round_ore

LOCALES = {"da": "da_DK", "en": "en_GB"}


def _locale(language: str) -> str:
    return LOCALES.get(language, "da_DK")


def amount(value: Decimal, language: str) -> str:
    """An amount in a table: thousands separators, always two decimals."""
    return format_decimal(round_ore(value), format="#,##0.00", locale=_locale(language))


def price(value: Decimal, language: str) -> str:
    """A unit price with the decimals it has: at least two, at most the model's four
    (`faktura.model.UnitPrice`), never rounded, so quantity × the printed price is the
    printed line amount and the e-invoice's price (BT-146) is the printed one."""
    return format_decimal(value, format="#,##0.00##", locale=_locale(language))


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
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    return format_decimal(value, format=pattern, locale=_locale(language))


def percent(value: Decimal, language: str) -> str:
    """A percentage as a plain number ('25', '12,5'), the % sign is in the label."""
    return format_decimal(value.normalize(), format="#,##0.##", locale=_locale(language))


def rate(value: Decimal, language: str) -> str:
    """An exchange rate with up to six decimals."""
    return format_decimal(value, format="#,##0.00####", locale=_locale(language))


def short_date(value: date, language: str) -> str:
    return format_date(value, "dd.MM.yyyy", locale=_locale(language))


def long_date(value: date, language: str) -> str:
    return format_date(value, "long", locale=_locale(language))
