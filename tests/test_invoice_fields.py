"""What a printed invoice states beyond its totals, read back from the PDF with pypdf: unit
prices with the decimals they have, the delivery date or period, outlays, and continuation
pages a loose sheet can be matched by."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pypdf
import pytest

from einvoice import build
from faktura.computed import compute
from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from faktura.settings import Settings
from renderer.render import Renderer
from tests.einvoice.conftest import text as xml_texts

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
NUMBER = "20260042"


def sample(name: str = "01-one-line.json") -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def issued(data: dict[str, Any], settings: Settings, renderer: Renderer
           ) -> tuple[list[str], bytes]:
    """The pages' texts of the issued invoice, and its Peppol XML."""
    computed = compute(parse_invoice(data), settings).numbered(NUMBER, settings)
    _, pdf = renderer.render(computed, settings)
    return page_texts(pdf), build(computed, settings, "peppol").xml


def test_unit_prices_print_the_decimals_they_have_and_agree_with_the_einvoice(
        settings: Settings, renderer: Renderer) -> None:
    data = sample()
    data["lines"] = [
        {"text": "Kopier", "quantity": "3", "unit": "stk.", "unit_price": "3.335"},
        {"text": "Porto", "quantity": "1", "unit": "stk.", "unit_price": "0.125"},
        {"text": "Rådgivning", "quantity": "2", "unit": "timer", "unit_price": "950"},
    ]
    (text,), xml = issued(data, settings, renderer)
    assert "3,335" in text and "3,34 " not in text
    assert "0,125" in text and "950,00" in text
    assert "10,01" in text  # 3 × 3,335 = 10,005, the line amount rounded half-up
    assert xml_texts(xml, "cac:InvoiceLine/cac:Price/cbc:PriceAmount") == [
        "3.335", "0.125", "950.00"]


def test_continuation_pages_name_the_invoice_the_customer_and_the_page(
        settings: Settings, renderer: Renderer) -> None:
    data = sample("03-long-annual.json")
    pages, _ = issued(data, settings, renderer)
    assert len(pages) >= 2
    customer = data["customer"]
    name = data.get("fixed_customer_name") or customer["name"]
    for number, text in enumerate(pages[1:], start=2):
        head = next((line for line in text.splitlines() if f"Faktura {NUMBER} ·" in line), "")
        assert f"Kundenr. {customer['customer_number']} {name}" in head, text
        assert text.count(f"Side {number} af {len(pages)}") == 1  # in the footer
    assert f"Faktura {NUMBER} ·" not in pages[0]  # the first page has the full header


def test_the_delivery_date_is_printed_and_e_invoiced(settings: Settings,
                                                      renderer: Renderer) -> None:
    (text,), xml = issued(sample(), settings, renderer)
    assert "Leveringsdato 29.10.2026" in text
    assert xml_texts(xml, "cac:Delivery/cbc:ActualDeliveryDate") == ["2026-10-29"]


def test_a_timelog_period_is_printed_and_e_invoiced(settings: Settings,
                                                     renderer: Renderer) -> None:
    pages, xml = issued(sample("02-consulting-month.timelog.json"), settings, renderer)
    assert "Periode 01.10.2026–31.10.2026" in pages[0]
    assert xml_texts(xml, "cac:InvoicePeriod/cbc:StartDate") == ["2026-10-01"]
    assert xml_texts(xml, "cac:InvoicePeriod/cbc:EndDate") == ["2026-10-31"]


def test_outlays_are_printed_as_outlays_outside_the_vat_base(settings: Settings,
                                                              renderer: Renderer) -> None:
    (text,), _ = issued(sample("04-mixed-vat.json"), settings, renderer)
    assert "Tinglysningsafgift 1 stk. 1.850,00 1.850,00 †" in text
    assert "Udlæg † 2.350,00" in text and "† Udlæg, uden for momsgrundlaget" in text
    assert "Momsfri" not in text  # an outlay is no VAT-exempt service
    assert "Moms 25 % af 9.368,75 2.342,19" in text  # outlays are outside the VAT base


def test_an_invoice_with_exempt_services_and_outlays_prints_both_subtotals(
        settings: Settings, renderer: Renderer) -> None:
    data = sample("04-mixed-vat.json")
    data["lines"].append({"text": "Kursus", "quantity": "1", "unit": "stk.",
                          "unit_price": "400", "vat": False})
    pages, _ = issued(data, settings, renderer)
    text = "\n".join(pages)
    assert "Momsfrit beløb * 400,00" in text and "* Momsfri ydelse" in text
    assert "Udlæg † 2.350,00" in text


def test_an_outlay_with_vat_is_refused_naming_the_field() -> None:
    data = sample()
    data["lines"][0].update(outlay=True, vat=True)
    with pytest.raises(InvalidInput) as refused:
        parse_invoice(data)
    assert [p.field for p in refused.value.problems] == ["lines[0].vat"]
    assert "outside the VAT base" in str(refused.value)


def test_the_json_schema_states_that_an_outlay_carries_no_vat() -> None:
    import jsonschema

    from faktura.model import Invoice

    check = jsonschema.Draft202012Validator(Invoice.model_json_schema())
    data = sample("04-mixed-vat.json")
    assert list(check.iter_errors(data)) == []
    data["lines"][4]["vat"] = True
    assert [error.message for error in check.iter_errors(data)] == ["False was expected"]
