"""Every bundled sample becomes an OIOUBL and a Peppol document the official rules accept,
stating the totals, the payment and the references the computed invoice (and so the PDF) has."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from einvoice import FORMATS, build
from faktura.computed import ComputedInvoice, compute
from faktura.model import parse_invoice
from infra.invoice_file import load_invoice
from faktura.settings import Settings
from tests.einvoice.conftest import SAMPLES, Validate, attribute, text

NUMBER = "20260042"
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))


def computed_sample(path: Path, settings: Settings) -> ComputedInvoice:
    return compute(load_invoice(path), settings).numbered(NUMBER, settings)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_sample_passes_the_official_rules(path: Path, fmt: str,
                                                sample_settings: Settings,
                                                fatal_findings: Validate) -> None:
    computed = computed_sample(path, sample_settings)
    document = build(computed, sample_settings, fmt)  # type: ignore[arg-type]
    assert document.filename == f"{NUMBER}.xml"
    assert fatal_findings(document.xml, fmt) == []
    totals = computed.totals
    assert text(document.xml, "cac:LegalMonetaryTotal/cbc:PayableAmount") == [
        f"{totals.amount_due:.2f}"]
    assert text(document.xml, "cac:TaxTotal/cbc:TaxAmount")[0] == f"{totals.vat_amount:.2f}"
    lines = [line for line in computed.lines if not line.is_text]
    line_tag = "cac:CreditNoteLine" if computed.is_credit_note else "cac:InvoiceLine"
    assert text(document.xml, f"{line_tag}/cbc:LineExtensionAmount") == [
        f"{line.net_amount:.2f}" for line in lines]


def test_the_fi_payment_is_code_93_in_each_formats_own_shape(
        sample_settings: Settings) -> None:
    computed = computed_sample(SAMPLES / "02-consulting-month.timelog.json", sample_settings)
    fik = computed.payment.fik if computed.payment else None
    assert fik is not None and fik.payment_id == "000000202600425"
    oioubl = build(computed, sample_settings, "oioubl").xml
    assert text(oioubl, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["93"]
    assert text(oioubl, "cac:PaymentMeans/cbc:PaymentID") == ["71"]
    assert text(oioubl, "cac:PaymentMeans/cbc:InstructionID") == ["000000202600425"]
    assert text(oioubl, "cac:PaymentMeans/cac:CreditAccount/cbc:AccountID") == ["85000012"]
    assert text(oioubl, "cac:PaymentMeans/cbc:PaymentDueDate") == [str(computed.due_date)]
    peppol = build(computed, sample_settings, "peppol").xml
    assert text(peppol, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["93"]
    assert text(peppol, "cac:PaymentMeans/cbc:PaymentID") == ["71#000000202600425"]
    assert text(peppol, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["85000012"]
    assert text(peppol, "cbc:DueDate") == [str(computed.due_date)]


def test_a_credit_note_names_the_invoice_and_is_paid_back_by_bank_transfer(
        sample_settings: Settings) -> None:
    computed = computed_sample(SAMPLES / "05-credit-note.json", sample_settings)
    for fmt in FORMATS:
        xml = build(computed, sample_settings, fmt).xml
        assert xml.startswith(b"<?xml") and b"<cac:CreditNoteLine>" in xml
        assert text(xml, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [
            "20260004"]  # BT-25
        assert text(xml, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["42"]
        assert text(xml, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == ["0012345678"]


def test_a_foreign_currency_invoice_states_its_vat_in_dkk_and_is_paid_by_iban(
        sample_settings: Settings) -> None:
    computed = computed_sample(SAMPLES / "06-eur-invoice.json", sample_settings)
    dkk = computed.totals.vat_amount_dkk
    assert dkk == Decimal("4549.95")
    peppol = build(computed, sample_settings, "peppol").xml
    assert text(peppol, "cbc:TaxCurrencyCode") == ["DKK"]
    assert text(peppol, "cac:TaxTotal/cbc:TaxAmount") == ["609.88", "4549.95"]
    assert attribute(peppol, "cac:TaxTotal/cbc:TaxAmount", "currencyID") == ["EUR", "DKK"]
    assert text(peppol, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["58"]
    assert text(peppol, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == [
        "DK5912340012345678"]
    oioubl = build(computed, sample_settings, "oioubl").xml
    assert text(oioubl, "cac:TaxTotal/cac:TaxSubtotal/cbc:TransactionCurrencyTaxAmount") == [
        "4549.95"]
    assert text(oioubl, "cac:TaxExchangeRate/cbc:CalculationRate") == ["7.4604"]
    assert text(oioubl, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["31"]


def test_mixed_vat_has_a_standard_and_an_exempt_breakdown(sample_settings: Settings) -> None:
    computed = computed_sample(SAMPLES / "04-mixed-vat.json", sample_settings)
    peppol = build(computed, sample_settings, "peppol").xml
    assert text(peppol, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["S", "E"]
    assert text(peppol, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount") == [
        "9368.75", "2350.00"]
    oioubl = build(computed, sample_settings, "oioubl").xml
    assert text(oioubl, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == [
        "StandardRated", "ZeroRated"]
    # The 10 % discount on line 3 is a discount on the price: net 855.00 of gross 950.00.
    assert text(peppol, "cac:InvoiceLine/cac:Price/cbc:PriceAmount")[1] == "855.00"
    assert text(peppol, "cac:InvoiceLine/cac:Price/cac:AllowanceCharge/cbc:BaseAmount") == [
        "950.00"]


def test_the_buyer_endpoint_is_the_gln_when_there_is_an_ean_else_the_cvr(
        sample_settings: Settings) -> None:
    ean = computed_sample(SAMPLES / "03-long-annual.json", sample_settings)
    cvr = computed_sample(SAMPLES / "04-mixed-vat.json", sample_settings)
    endpoint = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert text(build(ean, sample_settings, "peppol").xml, endpoint) == ["5790001234560"]
    assert attribute(build(ean, sample_settings, "peppol").xml, endpoint, "schemeID") == ["0088"]
    assert text(build(ean, sample_settings, "oioubl").xml, endpoint) == ["5790001234560"]
    assert text(build(cvr, sample_settings, "peppol").xml, endpoint) == ["12345674"]
    assert attribute(build(cvr, sample_settings, "peppol").xml, endpoint, "schemeID") == ["0184"]
    assert text(build(cvr, sample_settings, "oioubl").xml, endpoint) == ["DK12345674"]
    assert text(build(cvr, sample_settings, "oioubl").xml,
                "cac:InvoiceLine/cbc:InvoicedQuantity")[0] == "3.50"


def test_the_same_invoice_gives_the_same_document(sample_settings: Settings) -> None:
    first = computed_sample(SAMPLES / "01-one-line.json", sample_settings)
    again = computed_sample(SAMPLES / "01-one-line.json", sample_settings)
    assert build(first, sample_settings, "oioubl").xml == build(again, sample_settings,
                                                                 "oioubl").xml


@pytest.mark.parametrize("fmt", FORMATS)
def test_reverse_charge_to_an_eu_business_is_category_ae_and_passes_the_rules(
        fmt: str, sample_settings: Settings, fatal_findings: Validate) -> None:
    data = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    data["customer"].update(vat_number="SE556677889901", ean="5790000000005",
                            address={"line1": "Storgatan 1", "post_code": "11122",
                                     "city": "Stockholm", "country_code": "SE"})
    for line in data["lines"]:
        if "quantity" in line:
            line["vat"] = False
            line.pop("item_number", None)
    computed = compute(parse_invoice(data), sample_settings).numbered(NUMBER, sample_settings)
    assert computed.reverse_charge
    document = build(computed, sample_settings, fmt)  # type: ignore[arg-type]
    assert fatal_findings(document.xml, fmt) == []
    expected = "AE" if fmt == "peppol" else "ReverseCharge"
    assert text(document.xml, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == [
        expected]
    assert text(document.xml, "cac:TaxTotal/cbc:TaxAmount")[0] == "0.00"
