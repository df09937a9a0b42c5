"""E-invoices of the invoices at the edges: deductions, outlays, delivery dates and foreign
buyers. Every document made here passes the official rules (XSD + schematron) of its format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from einvoice import FORMATS, build
from faktura.computed import compute
from faktura.errors import InvalidInput
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


BUYER = "cac:AccountingCustomerParty/cac:Party"


@pytest.mark.parametrize(("identifiers", "scheme", "endpoint", "legal_id"), [
    ({"vat_number": "SE556036079301", "country_code": "SE"}, "0007", "5560360793",
     "5560360793"),
    ({"vat_number": "NO974760673MVA", "country_code": "NO"}, "0192", "974760673",
     "974760673"),
    ({"organization_number": "974760673", "country_code": "NO"}, "0192", "974760673",
     "974760673"),
    ({"organization_number": "2077474-0", "country_code": "FI"}, "0216", "003720774740",
     "003720774740"),
    ({"vat_number": "BE0403019261", "country_code": "BE"}, "0208", "0403019261", "0403019261"),
    ({"vat_number": "DE136695976", "country_code": "DE"}, "9930", "DE136695976", None),
    ({"vat_number": "FR40303265045", "country_code": "FR"}, "9957", "FR40303265045", None),
    ({"vat_number": "NL004495445B01", "country_code": "NL"}, "9944", "NL004495445B01", None),
    ({"vat_number": "SE556036079301", "country_code": "SE", "ean": "5790000000005"}, "0088",
     "5790000000005", "5560360793"),
])
def test_a_foreign_business_buyer_is_addressed_in_peppol_by_its_own_scheme(
        identifiers: dict[str, str], scheme: str, endpoint: str, legal_id: str | None,
        sample_settings: Settings, fatal_findings: Validate) -> None:
    data = sample()
    del data["customer"]["vat_number"]
    data["customer"]["address"]["country_code"] = identifiers.pop("country_code")
    data["customer"].update(identifiers)
    computed = compute(parse_invoice(data), sample_settings).numbered(NUMBER, sample_settings)
    xml = build(computed, sample_settings, "peppol").xml
    assert fatal_findings(xml, "peppol") == []
    assert text(xml, f"{BUYER}/cbc:EndpointID") == [endpoint]
    assert attribute(xml, f"{BUYER}/cbc:EndpointID", "schemeID") == [scheme]
    legal = text(xml, f"{BUYER}/cac:PartyLegalEntity/cbc:CompanyID")
    assert legal == ([legal_id] if legal_id else [])
    # OIOUBL (NemHandel) keeps to the GLN, else the Danish CVR number.
    if "ean" in identifiers:
        assert text(build(computed, sample_settings, "oioubl").xml,
                    f"{BUYER}/cbc:EndpointID") == [identifiers["ean"]]
    else:
        with pytest.raises(InvalidInput) as refused:
            build(computed, sample_settings, "oioubl")
        assert [p.field for p in refused.value.problems] == ["customer.ean"]


def test_an_organisation_number_that_fails_its_check_is_never_an_address(
        sample_settings: Settings) -> None:
    data = sample()
    del data["customer"]["vat_number"]
    data["customer"].update(organization_number="974760674",  # the check digit is wrong
                            address={"city": "Oslo", "country_code": "NO"})
    computed = compute(parse_invoice(data), sample_settings).numbered(NUMBER, sample_settings)
    with pytest.raises(InvalidInput) as refused:
        build(computed, sample_settings, "peppol")
    assert [p.field for p in refused.value.problems] == ["customer.ean"]
    assert "974760674" not in str(refused.value)


BREAKDOWN = "cac:TaxTotal/cac:TaxSubtotal"


def test_outlays_are_exempt_by_article_79c_beside_standard_rated_lines(
        sample_settings: Settings, fatal_findings: Validate) -> None:
    made = documents(sample("04-mixed-vat.json"), sample_settings, fatal_findings)
    peppol, oioubl = made["peppol"], made["oioubl"]
    assert text(peppol, f"{BREAKDOWN}/cac:TaxCategory/cbc:ID") == ["S", "E"]
    assert text(peppol, f"{BREAKDOWN}/cbc:TaxableAmount") == ["9368.75", "2350.00"]
    assert text(peppol, f"{BREAKDOWN}/cac:TaxCategory/cbc:TaxExemptionReasonCode") == [
        "VATEX-EU-79-C"]
    assert text(peppol, f"{BREAKDOWN}/cac:TaxCategory/cbc:TaxExemptionReason") == [
        "Udlæg (uden for momsgrundlaget)"]
    assert text(oioubl, f"{BREAKDOWN}/cac:TaxCategory/cbc:ID") == ["StandardRated", "ZeroRated"]
    for xml in made.values():
        assert text(xml, "cac:Delivery/cbc:ActualDeliveryDate") == ["2026-11-06"]  # BT-72


def test_exempt_services_and_outlays_share_one_exempt_breakdown(
        sample_settings: Settings, fatal_findings: Validate) -> None:
    data = sample("04-mixed-vat.json")
    data["lines"].append({"text": "Kursus", "quantity": "1", "unit": "stk.",
                          "unit_price": "400", "vat": False})
    peppol = documents(data, sample_settings, fatal_findings)["peppol"]
    assert text(peppol, f"{BREAKDOWN}/cbc:TaxableAmount") == ["9368.75", "2750.00"]
    assert text(peppol, f"{BREAKDOWN}/cac:TaxCategory/cbc:TaxExemptionReason") == [
        "Momsfri ydelser og udlæg"]


def test_outlays_under_reverse_charge_stay_exempt_beside_the_reverse_charged_lines(
        sample_settings: Settings, fatal_findings: Validate) -> None:
    data = sample()
    data["customer"].update(vat_number="SE556036079301", ean="5790000000005",
                            address={"city": "Malmö", "country_code": "SE"})
    data["lines"][0]["vat"] = False
    data["lines"].append({"text": "Registreringsafgift", "quantity": "1", "unit": "stk.",
                          "unit_price": "500", "outlay": True})
    made = documents(data, sample_settings, fatal_findings)
    assert text(made["peppol"], f"{BREAKDOWN}/cac:TaxCategory/cbc:ID") == ["AE", "E"]
    assert text(made["peppol"], f"{BREAKDOWN}/cbc:TaxableAmount") == ["12500.00", "500.00"]
    assert text(made["oioubl"], f"{BREAKDOWN}/cac:TaxCategory/cbc:ID") == [
        "ReverseCharge", "ZeroRated"]
    assert text(made["peppol"], "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == [
        "AE", "E"]


def test_a_delivery_date_and_a_period_pass_the_rules_on_a_credit_note(
        sample_settings: Settings, fatal_findings: Validate) -> None:
    data = sample("05-credit-note.json")
    data.update(invoicing_period_start="2026-10-01", invoicing_period_end="2026-10-31")
    for xml in documents(data, sample_settings, fatal_findings).values():
        assert text(xml, "cac:Delivery/cbc:ActualDeliveryDate") == ["2026-10-12"]
        assert text(xml, "cac:InvoicePeriod/cbc:StartDate") == ["2026-10-01"]
