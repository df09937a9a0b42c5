"""What the invoice cannot print is refused with the field named; discounts have 2 decimals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from faktura.computed import compute
from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from faktura.printable import PRINTABLE_RANGES
from faktura.settings import Settings
from infra.settings_files import load_settings
from renderer.render import Renderer
from renderer.resources import FONTS_DIR

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SAMPLES / "settings.toml")


def invoice_data(**fields: Any) -> dict[str, Any]:
    return {"source_id": "P-1", "issue_date": "2026-11-02", "invoice_number": "20260050",
            "customer": {"customer_number": "1", "name": "Acme ApS"},
            "lines": [{"text": "Rådgivning", "quantity": "1", "unit": "timer",
                       "unit_price": "100"}], **fields}


@pytest.mark.parametrize("style", ["Regular", "Italic", "SemiBold", "Bold"])
def test_every_printable_character_is_in_the_bundled_fonts(style: str) -> None:
    cmap = set(TTFont(FONTS_DIR / f"Inter-{style}.otf").getBestCmap())
    missing = [hex(code) for low, high in PRINTABLE_RANGES for code in range(low, high + 1)
               if code >= 0x20 and code not in cmap]
    assert missing == []


@pytest.mark.parametrize(("fields", "field", "where"), [
    ({"lines": [{"text": "Kvittering 🧾", "quantity": "1", "unit": "timer",
                 "unit_price": "100"}]}, "lines[0].text", "character 12 of 12"),
    ({"customer": {"customer_number": "1", "name": "Acme 株式会社"}}, "customer.name",
     "characters 6, 7, 8, 9 of 9"),
    ({"note": "Tak ❤️"}, "note", "characters 5, 6 of 6"),
    ({"header": "Projekt ★"}, "header", "character 9 of 9"),
])
def test_a_character_the_fonts_cannot_print_is_refused_naming_the_field(
    renderer_settings: tuple[Renderer, Settings], fields: dict[str, Any], field: str,
    where: str,
) -> None:
    renderer, settings = renderer_settings
    invoice = parse_invoice(invoice_data(**fields))
    with pytest.raises(InvalidInput) as caught:
        renderer.render(invoice, settings)
    problems = {p.field: p.message for p in caught.value.problems}
    assert list(problems) == [field]
    assert f"cannot print ({where})" in problems[field]
    # Where the character stands, never the text (nor the character) itself.
    assert not any(char in str(caught.value) for char in "🧾株❤★")


@pytest.fixture(scope="module")
def renderer_settings(settings: Settings) -> tuple[Renderer, Settings]:
    return Renderer(), settings


def test_danish_european_and_typographic_text_is_printed(
    renderer_settings: tuple[Renderer, Settings],
) -> None:
    renderer, settings = renderer_settings
    text = "Æblegrød på Ærø – „Crème brûlée“ für Łódź · 12 € · Ελλάδα · Москва ✓"
    invoice = parse_invoice(invoice_data(note=text))
    _, pdf = renderer.render(invoice, settings)
    assert pdf.startswith(b"%PDF-")


def test_fields_that_are_never_printed_are_not_checked(settings: Settings) -> None:
    invoice = parse_invoice(invoice_data(source_id="🧾-1", team="🚀"))
    assert compute(invoice, settings).invoice.source_id == "🧾-1"


@pytest.mark.parametrize(("fields", "field"), [
    ({"default_discount_percent": "0." + "3" * 30}, "default_discount_percent"),
    ({"lines": [{"text": "a", "quantity": "1", "unit_price": "0.03",
                 "discount_percent": "33.333"}]}, "lines[0].discount_percent"),
])
def test_a_discount_with_more_than_2_decimals_is_refused_naming_the_field(
    fields: dict[str, Any], field: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(invoice_data(**fields))
    assert [p.field for p in caught.value.problems] == [field]
    assert "2 decimal places" in caught.value.problems[0].message


@pytest.mark.parametrize("discount", ["12.5", "33.33", "10.000", "0"])
def test_discounts_up_to_2_decimals_are_accepted(settings: Settings, discount: str) -> None:
    invoice = parse_invoice(invoice_data(lines=[
        {"text": "a", "quantity": "3", "unit": "timer", "unit_price": "950",
         "discount_percent": discount}]))
    assert compute(invoice, settings).lines[0].discount_percent == Decimal(discount)


@pytest.mark.parametrize(("old", "new", "field"), [
    ('tlf. 86 12 34 56"', 'tlf. 86 12 34 56 📞"', "integration.FooterText"),
    ('name = "Revisorhuset ApS"', 'name = "Revisorhuset ApS 🧾"', "seller.name"),
    ('BIC/SWIFT DABADKKK"', 'BIC/SWIFT DABADKKK 💶"', "layout.en.payment_info"),
])
def test_settings_texts_printed_on_every_invoice_must_be_printable(
    tmp_path: Path, old: str, new: str, field: str,
) -> None:
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "settings.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_settings(path)
    assert [p.field for p in caught.value.problems] == [field]
    assert "cannot be printed on the invoice" in caught.value.problems[0].message
