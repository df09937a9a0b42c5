"""E-invoices of the invoices at the edges: deductions, outlays, delivery dates and foreign
buyers. Every document made here passes the official rules (XSD + schematron) of its format."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from einvoice import FORMATS, build
from faktura.computed import compute
from faktura.model import parse_invoice
from faktura.settings import Settings
from tests.einvoice.conftest import SAMPLES, Validate, attribute, text

NUMBER = "20260042"


def sample(name: str = "01-one-line.json") -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def documents(data: dict[str, Any], settings: Settings, fatal_findings: Validate
              ) -> dict[str, bytes]:
    """The invoice's OIOUBL and Peppol XML, each checked by the official rules."""
    computed = compute(parse_invoice(data), settings).numbered(NUMBER, settings)
    made = {fmt: build(computed, settings, fmt).xml for fmt in FORMATS}
    for fmt, xml in made.items():
        assert fatal_findings(xml, fmt) == [], fmt
    return made


@pytest.mark.parametrize("name", ["01-one-line.json", "05-credit-note.json"])
def test_a_deduction_line_is_a_negative_quantity_of_a_positive_price(
        name: str, sample_settings: Settings, fatal_findings: Validate) -> None:
    data = sample(name)
    data["lines"] += [
        {"text": "Rabat", "quantity": "1", "unit": "stk.", "unit_price": "-500"},
        {"text": "Mængderabat", "quantity": "2", "unit": "stk.", "unit_price": "-33.335",
         "discount_percent": "10"},
    ]
    made = documents(data, sample_settings, fatal_findings)
    line = "cac:CreditNoteLine" if name.startswith("05") else "cac:InvoiceLine"
    quantity = "cbc:CreditedQuantity" if name.startswith("05") else "cbc:InvoicedQuantity"
    for xml in made.values():
        assert text(xml, f"{line}/{quantity}")[-2:] == ["-1.00", "-2.00"]
        assert text(xml, f"{line}/cac:Price/cbc:PriceAmount")[-2:] == ["500.00", "30.0015"]
        assert text(xml, f"{line}/cbc:LineExtensionAmount")[-2:] == ["-500.00", "-60.00"]
        assert text(xml, f"{line}/cac:Price/cac:AllowanceCharge/cbc:BaseAmount")[-1:] == [
            "33.335"]
