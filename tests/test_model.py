"""The invoice model (faktura.model): what is accepted, what is refused and how it is reported.

A validation error must name the field (a field path such as `lines[0].quantity`) and the
problem, and must never repeat the offending value.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.errors import InvalidInput
from faktura.model import Invoice, InvoiceLine, InvoiceTypeCode, parse_invoice
from infra.invoice_file import load_invoice

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SECRET = "Zq-7731-NEVER-ECHO"  # a distinctive value that must not show up in any message


def data(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source_id": "T-1",
        "issue_date": "2026-11-02",
        "customer": {"customer_number": "1", "name": "Kunde ApS"},
        "lines": [{"text": "Rådgivning", "quantity": "2", "unit_price": "950"}],
    }
    base.update(fields)
    return base


def refused(payload: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(payload, "in.json")
    return caught.value


def fields_of(error: InvalidInput) -> list[str]:
    return [p.field for p in error.problems]


# --- the samples -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_sample_loads(path: Path) -> None:
    invoice = load_invoice(path)
    assert invoice.lines
    assert invoice.invoice_number is None  # the ledger assigns it


def test_sample_lines_keep_their_meaning() -> None:
    mixed = load_invoice(SAMPLES / "04-mixed-vat.json")
    assert [line.is_text for line in mixed.lines] == [True, False, False, True, False, False]
    assert [line.vat for line in mixed.lines if not line.is_text] == [True, True, False, False]
    assert [line.outlay for line in mixed.lines if not line.is_text] == [False, False, True, True]
    assert mixed.customer.vat_number == "DK12345674"  # spaces dropped
    credit = load_invoice(SAMPLES / "05-credit-note.json")
    assert credit.is_credit_note and credit.type_code == InvoiceTypeCode.CREDIT_NOTE
    assert credit.preceding_invoice_reference == "20260004"  # sample 04, same customer


# --- validation errors name the field, never the value ---------------------------------------

@pytest.mark.parametrize(("payload", "field"), [
    (data(lines=[{"text": "x", "quantity": SECRET, "unit_price": "1"}]), "lines[0].quantity"),
    (data(lines=[{"text": "x", "quantity": "1", "unit_price": SECRET}]), "lines[0].unit_price"),
    (data(lines=[{"text": "x", "quantity": "1", "unit_price": "1", "discount_percent": "101"}]),
     "lines[0].discount_percent"),
    (data(lines=[{"text": "x", "quantity": "1", "unit_price": "1", "vat": SECRET}]),
     "lines[0].vat"),
    (data(issue_date=SECRET), "issue_date"),
    (data(currency_code=SECRET), "currency_code"),
    (data(invoice_number=SECRET), "invoice_number"),
    (data(customer={"customer_number": "1", "name": "A", "ean": SECRET}), "customer.ean"),
    (data(customer={"customer_number": "1", "name": "A", "address": {"country_code": SECRET}}),
     "customer.address.country_code"),
    (data(type_code=SECRET), "type_code"),
    (data(lines=SECRET), "lines"),
    (data(lines=[]), "lines"),
    (data(customer={"customer_number": "1"}), "customer.name"),
    (data(unknown_field=SECRET), "unknown_field"),
])
def test_a_bad_field_is_named_and_its_value_is_not_echoed(payload: dict, field: str) -> None:
    error = refused(payload)
    assert field in fields_of(error)
    assert str(error).startswith("in.json: ")
    assert f"{field}: " in str(error)
    assert SECRET not in str(error)
    assert SECRET not in repr(error.problems)


def test_a_missing_field_is_named() -> None:
    payload = data()
    del payload["issue_date"]
    error = refused(payload)
    assert fields_of(error) == ["issue_date"]
    assert "Field required" in str(error)


def test_a_line_with_quantity_but_no_price_names_the_line_and_the_missing_field() -> None:
    error = refused(data(lines=[{"text": "x", "quantity": "1"}]))
    assert fields_of(error) == ["lines[0]"]
    assert "unit_price is missing" in str(error)


def test_a_text_line_cannot_carry_an_item_number() -> None:
    error = refused(data(lines=[{"text": "Overskrift", "item_number": "1000"},
                                {"text": "x", "quantity": "1", "unit_price": "1"}]))
    assert fields_of(error) == ["lines[0]"]
    assert "item_number" in str(error)


def test_an_invoice_needs_a_line_with_an_amount() -> None:
    error = refused(data(lines=[{"text": "Kun overskrift"}]))
    assert "lines: an invoice needs at least one line with an amount" in str(error)


def test_a_contact_needs_a_name() -> None:
    error = refused(data(contact={"phone": "12345678"}))
    assert fields_of(error) == ["contact"]


def test_pydantic_noise_is_not_shown() -> None:
    error = refused(data(lines=[{"text": "x", "quantity": SECRET, "unit_price": "1"}]))
    text = str(error)
    assert "errors.pydantic.dev" not in text and "input_value" not in text
    assert "Value error," not in str(refused(data(type_code=381)))


# --- business rules --------------------------------------------------------------------------

def test_a_credit_note_needs_the_invoice_it_credits() -> None:
    error = refused(data(type_code=381))
    assert "preceding_invoice_reference: a credit note must name the invoice" in str(error)
    ok = parse_invoice(data(type_code=381, preceding_invoice_reference="20260001"))
    assert ok.is_credit_note


def test_a_foreign_currency_needs_an_exchange_rate() -> None:
    error = refused(data(currency_code="EUR"))
    assert "exchange_rate" in str(error)
    assert "exchange_rate" in str(refused(data(currency_code="EUR", exchange_rate="0")))
    ok = parse_invoice(data(currency_code="eur", exchange_rate="7.4604"))
    assert ok.currency_code == "EUR"  # upper-cased
    assert parse_invoice(data()).exchange_rate is None  # DKK needs none


def test_the_due_date_cannot_be_before_the_issue_date() -> None:
    error = refused(data(due_date="2026-11-01"))
    assert "due_date: is before the issue_date" in str(error)
    assert parse_invoice(data(due_date="2026-11-02")).due_date is not None


@pytest.mark.parametrize(("given_quantity", "stored"), [
    ("7.5", "7.50"),
    ("1.500", "1.50"),  # trailing zeros are no decimals lost
    ("-0.25", "-0.25"),
    (3, "3.00"),
    (Decimal("2.68"), "2.68"),
])
def test_quantities_are_stored_with_two_decimals(given_quantity: object, stored: str) -> None:
    line = InvoiceLine(text="x", quantity=given_quantity, unit_price="1")
    assert str(line.quantity) == stored


@pytest.mark.parametrize("given_quantity", ["0.125", "0.33333", "1.666666666", Decimal("1e-30"),
                                            Decimal("0.001")])
def test_a_quantity_that_would_be_rounded_is_refused(given_quantity: object) -> None:
    error = refused(data(lines=[{"text": "x", "quantity": given_quantity, "unit_price": "1"}]))
    assert [p.field for p in error.problems] == ["lines[0].quantity"]
    assert "2 decimal places" in error.problems[0].message


@settings(max_examples=80, deadline=None)
@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2,
                   allow_nan=False, allow_infinity=False))
def test_any_quantity_of_two_decimals_is_kept_exactly(quantity: Decimal) -> None:
    line = InvoiceLine(text="x", quantity=str(quantity), unit_price="1")
    assert line.quantity is not None
    assert line.quantity.as_tuple().exponent == -2
    assert line.quantity == quantity


def test_json_numbers_are_read_as_exact_decimals(tmp_path: Path) -> None:
    # As a binary float 2.675 is 2.67499…; read as Decimal it rounds up to 2.68.
    path = tmp_path / "float.json"
    path.write_text(json.dumps(data(lines=[{"text": "x", "quantity": 1, "unit_price": 1}]))
                    .replace('"unit_price": 1', '"unit_price": 2.675'), encoding="utf-8")
    invoice = load_invoice(path)
    assert invoice.lines[0].unit_price == Decimal("2.675")


def test_buyer_name_address_and_ean_fall_back_to_the_customer() -> None:
    invoice = parse_invoice(data(customer={
        "customer_number": "1", "name": "Kunde ApS", "ean": "5790001234560",
        "address": {"line1": "Gade 1", "post_code": "8000", "city": "Aarhus C"}}))
    assert invoice.buyer_name == "Kunde ApS"
    assert invoice.buyer_address.lines() == ["Gade 1", "8000 Aarhus C"]
    assert invoice.buyer_ean == "5790001234560"
    own = parse_invoice(data(fixed_customer_name="Kunde ApS, afd. Vest", ean="5790009999997",
                             invoicing_address={"line1": "Vej 2", "post_code": "7100",
                                                "city": "Vejle"}))
    assert own.buyer_name == "Kunde ApS, afd. Vest"
    assert own.buyer_address.lines() == ["Vej 2", "7100 Vejle"]
    assert own.buyer_ean == "5790009999997"


def test_with_number_sets_the_ledger_number() -> None:
    invoice = parse_invoice(data())
    numbered = invoice.with_number("20260001")
    assert numbered.invoice_number == "20260001"
    assert numbered.lines == invoice.lines


@pytest.mark.parametrize("bad", [SECRET, "", "12a", "1" * 21])
def test_with_number_refuses_a_non_numeric_number_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(data()).with_number(bad)
    assert fields_of(caught.value) == ["invoice_number"]
    assert SECRET not in str(caught.value)
    assert "pydantic" not in str(caught.value)


def test_invoices_are_immutable() -> None:
    invoice = parse_invoice(data())
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its ValidationError
        invoice.invoice_number = "1"  # type: ignore[misc]


# --- files -----------------------------------------------------------------------------------

def test_load_invoice_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="file not found"):
        load_invoice(tmp_path / "nope.json")


def test_load_invoice_reports_malformed_json_without_the_content(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"source_id": "' + SECRET + '", ', encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_invoice(path)
    assert "not valid JSON" in str(caught.value)
    assert str(path) in str(caught.value)
    assert SECRET not in str(caught.value)


def test_load_invoice_reports_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(data(source_id="Søren"), ensure_ascii=False).encode().replace(
        "ø".encode(), "ø".encode("latin-1")))
    with pytest.raises(InvalidInput, match="not valid JSON"):
        load_invoice(path)


def test_load_invoice_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data(lines=[{"text": "x", "quantity": "abc",
                                            "unit_price": "1"}])), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_invoice(path)
    assert str(caught.value).startswith(f"{path}: lines[0].quantity: ")


def test_a_top_level_array_is_refused_clearly() -> None:
    error = refused([1, 2])
    assert "valid dictionary" in str(error)


def test_invoice_model_round_trips_through_json() -> None:
    invoice = load_invoice(SAMPLES / "04-mixed-vat.json")
    again = Invoice.model_validate_json(invoice.model_dump_json())
    assert again == invoice
