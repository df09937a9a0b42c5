"""An invoice the e-invoice rules refuse gets one clear reason naming the field, and no
document; `faktura einvoice` writes <number>.xml or prints that one line."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cli import main as cli
from einvoice import build
from faktura.computed import compute
from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from faktura.settings import Settings
from tests.einvoice.conftest import SAMPLES, Validate, text


def invoice(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source_id": "R-1", "issue_date": "2026-11-02", "buyer_reference": "Indkøb",
        "customer": {"customer_number": "9", "name": "Kunde ApS", "vat_number": "12345674",
                     "address": {"line1": "Gade 1", "post_code": "8000", "city": "Aarhus C"}},
        "lines": [{"text": "Rådgivning", "quantity": "2", "unit": "timer",
                   "unit_price": "950"}],
    }
    data.update(changes)
    return data


def refusal(data: dict[str, Any], fmt: str, settings: Settings) -> str:
    computed = compute(parse_invoice(data), settings).numbered("17", settings)
    with pytest.raises(InvalidInput) as caught:
        build(computed, settings, fmt)  # type: ignore[arg-type]
    return str(caught.value)


def test_an_unknown_unit_is_refused_naming_the_line_before_any_document(
        sample_settings: Settings) -> None:
    data = invoice(lines=[{"text": "Overskrift"},
                          {"text": "Kørsel", "quantity": "3", "unit": "furlong",
                           "unit_price": "10"}])
    with pytest.raises(InvalidInput, match=r"lines\[1\]\.unit: is not a unit the integration knows"):
        compute(parse_invoice(data), sample_settings)


@pytest.mark.parametrize("fmt, rule", [("oioubl", "F-INV044"), ("peppol", "PEPPOL-EN16931-R010")])
def test_a_buyer_without_ean_or_cvr_has_no_electronic_address(
        fmt: str, rule: str, sample_settings: Settings) -> None:
    data = invoice()
    del data["customer"]["vat_number"]
    message = refusal(data, fmt, sample_settings)
    assert "customer.ean: the buyer needs an electronic address" in message and rule in message


def test_oioubl_needs_the_buyers_reference_and_peppol_takes_the_order_reference(
        sample_settings: Settings, fatal_findings: Validate) -> None:
    data = invoice(buyer_reference=None)
    assert "buyer_reference:" in refusal(data, "oioubl", sample_settings)
    assert "PEPPOL-EN16931-R003" in refusal(data, "peppol", sample_settings)
    ordered = invoice(buyer_reference=None, purchase_order_reference="PO-1")
    computed = compute(parse_invoice(ordered), sample_settings).numbered("17", sample_settings)
    xml = build(computed, sample_settings, "peppol").xml
    assert fatal_findings(xml, "peppol") == []
    assert text(xml, "cac:OrderReference/cbc:ID") == ["PO-1"]


def test_a_draft_cannot_be_sent(sample_settings: Settings) -> None:
    computed = compute(parse_invoice(invoice()), sample_settings)
    with pytest.raises(InvalidInput, match="invoice_number: an e-invoice needs the number"):
        build(computed, sample_settings, "peppol")


def test_a_zero_quantity_is_refused_in_oioubl(sample_settings: Settings) -> None:
    data = invoice(lines=[{"text": "Gratis", "quantity": "0", "unit": "stk.",
                           "unit_price": "10"},
                          {"text": "Rådgivning", "quantity": "1", "unit": "timer",
                           "unit_price": "950"}])
    assert "lines[0].quantity: must not be zero in OIOUBL [F-INV147]" in refusal(
        data, "oioubl", sample_settings)


# --------------------------------------------------------------------------- the command


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        *args: str | Path) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["faktura", "einvoice", *map(str, args)])
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_number_dot_xml(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path, fatal_findings: Validate) -> None:
    code, out, err = run(monkeypatch, capsys, SAMPLES / "02-consulting-month.timelog.json",
                         "--settings", SAMPLES / "settings.toml", "--invoice-number", "5123",
                         "--format", "oioubl", "--out", tmp_path / "out")
    assert (code, err) == (0, "")
    written = tmp_path / "out" / "5123.xml"
    assert out.strip() == str(written)
    assert fatal_findings(written.read_bytes(), "oioubl") == []
    assert text(written.read_bytes(), "cbc:ID") == ["5123"]


def test_a_bad_invoice_gets_one_line_naming_the_field(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(invoice(customer={
        "customer_number": "9", "name": "Kunde ApS", "vat_number": "hello world"})))
    code, out, err = run(monkeypatch, capsys, bad, "--settings", SAMPLES / "settings.toml",
                         "--invoice-number", "17", "--format", "peppol", "--out", tmp_path)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "customer.vat_number: is not a valid VAT number" in err
    assert list(tmp_path.glob("*.xml")) == []


def test_an_invoice_the_rules_refuse_writes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    bad = tmp_path / "unit.json"
    bad.write_text(json.dumps(invoice(lines=[{"text": "X", "quantity": "1", "unit": "bunke",
                                              "unit_price": "5"}])))
    code, _, err = run(monkeypatch, capsys, bad, "--invoice-number", "17", "--format", "oioubl",
                       "--out", tmp_path / "out", "--settings", SAMPLES / "settings.toml")
    assert code != 0 and err.startswith("error: invoice: lines[0].unit:")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------- documents that would not add up


def test_totals_that_do_not_add_up_are_refused_with_the_rule(sample_settings: Settings) -> None:
    computed = compute(parse_invoice(invoice()), sample_settings).numbered("17",
                                                                           sample_settings)
    tampered = replace(computed, totals=replace(computed.totals,
                                                amount_due=computed.totals.amount_due + 1))
    with pytest.raises(InvalidInput, match=r"totals.amount_due: .*\[BR-CO-16\]"):
        build(tampered, sample_settings, "oioubl")


def test_a_payment_id_of_the_wrong_length_is_refused(sample_settings: Settings) -> None:
    computed = compute(parse_invoice(invoice()), sample_settings).numbered("17",
                                                                           sample_settings)
    assert computed.payment is not None and computed.payment.fik is not None
    short = replace(computed.payment.fik, payment_id="00000000000017")
    tampered = replace(computed, payment=replace(computed.payment, fik=short))
    with pytest.raises(InvalidInput, match=r"must be 15 digits \[F-LIB156/157\]"):
        build(tampered, sample_settings, "peppol")


def test_an_oioubl_iban_transfer_needs_the_bic(sample_settings: Settings,
                                               fatal_findings: Validate) -> None:
    seller = sample_settings.seller.model_copy(update={"bic": None})
    settings = sample_settings.model_copy(update={"seller": seller})
    computed = compute(parse_invoice(invoice(currency_code="EUR", exchange_rate="7.46")),
                       settings).numbered("17", settings)
    with pytest.raises(InvalidInput, match=r"seller.bic: .*\[F-LIB113\]"):
        build(computed, settings, "oioubl")
    peppol = build(computed, settings, "peppol").xml  # Peppol's SEPA transfer needs no BIC
    assert fatal_findings(peppol, "peppol") == []
    assert text(peppol, "cac:PaymentMeans/cbc:PaymentMeansCode") == ["58"]
