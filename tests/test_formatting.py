"""Numbers on the invoice are written as Babel's number patterns write them in Danish and
English (thousands separators, decimal comma or point, half-even rounding of the decimals a
pattern drops), though the renderer writes them by a faster path of its own."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal

from faktura.money import round_ore
from renderer import formatting

EDGES = ["-0", "0", "-0.001", "0.5", "-0.5", "1.005", "0.00005", "3.335", "7.50", "950",
         "1E+3", "-1234.5", "1234567.125", "999999.995", "12.34567"]


def values() -> list[Decimal]:
    draw = random.Random(2026)
    drawn = [Decimal(draw.randint(-10 ** digits, 10 ** digits)).scaleb(-draw.randint(0, 7))
             for digits in range(10) for _ in range(300)]
    return [Decimal(text) for text in EDGES] + drawn


@pytest.mark.parametrize("language, locale", [("da", "da_DK"), ("en", "en_GB")])
def test_numbers_are_written_as_babels_patterns_write_them(language: str, locale: str) -> None:
    for value in values():
        whole = value == value.to_integral_value()
        expected = {
            "amount": format_decimal(round_ore(value), format="#,##0.00", locale=locale),
            "price": format_decimal(value, format="#,##0.00##", locale=locale),
            "quantity": format_decimal(value, format="#,##0" if whole else "#,##0.00",
                                       locale=locale),
            "percent": format_decimal(value.normalize(), format="#,##0.##", locale=locale),
            "rate": format_decimal(value, format="#,##0.00####", locale=locale),
        }
        for name, text in expected.items():
            assert getattr(formatting, name)(value, language) == text, (name, value)
