"""Source invoice → Uniconta fields (`sync.posting.mapping`): pure functions, no gateway.

The end-to-end behaviour over HTTP is in tests/sync/; these pin the mapping rules that the
seeds' tables and the ClientTime guide state, with the message a user gets when one is broken.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from faktura.computed import compute
from faktura.model import Customer, Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from sync.posting import mapping
from sync.posting.mapping import MappingError

SETTINGS = Path(__file__).resolve().parents[1] / "samples" / "settings.toml"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SETTINGS)  # TeamDimension 1, DepartmentDimension 2, Division 0


def _invoice(**fields: Any) -> Invoice:
    data: dict[str, Any] = {
        "source_id": "CT-1", "issue_date": "2026-11-02",
        "customer": {"customer_number": "1001", "name": "Acme ApS",
                     "address": {"line1": "Havnegade 4", "post_code": "8000",
                                 "city": "Aarhus C"}},
        "lines": [{"item_number": "1000", "text": "Rådgivning", "quantity": "1.25",
                   "unit": "timer", "unit_price": "950.00"}],
        **fields,
    }
    return parse_invoice(data)


def _customer(number: str) -> Customer:
    return Customer(customer_number=number, name="Acme ApS")


@pytest.mark.parametrize("number", ["1001", "0042", "1" * 20])
def test_digit_customer_numbers_up_to_20_are_accounts(number: str) -> None:
    assert mapping.debtor_account(_customer(number)) == number


@pytest.mark.parametrize(("number", "reason"), [
    ("10A1", "must contain digits only"),
    ("١٠٠١", "must contain digits only"),  # Arabic-Indic digits: isdigit(), not ASCII
])
def test_other_customer_numbers_are_refused_with_the_rule(number: str, reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        mapping.debtor_account(_customer(number))


def test_a_customer_number_over_20_characters_never_reaches_the_mapping() -> None:
    with pytest.raises(ValidationError) as caught:
        _customer("1" * 21)
    assert [e["loc"] for e in caught.value.errors()] == [("customer_number",)]
    # Data built past the model is still refused by the mapping's own rule.
    unchecked = Customer.model_construct(customer_number="1" * 21, name="Acme ApS")
    with pytest.raises(MappingError, match="has 21 digits; Uniconta allows at most 20"):
        mapping.debtor_account(unchecked)


def test_quantity_must_fit_the_items_decimals() -> None:
    line = _invoice().lines[0]
    assert mapping.quantity_for_item(line, 1, "1000", 2) == Decimal("1.25")
    with pytest.raises(MappingError, match=r"lines\[0\]\.quantity: has more decimals than"
                       r" item 2000 allows in Uniconta \(0\).*set the item up with 2 decimals"
                       ) as caught:
        mapping.quantity_for_item(line, 1, "2000", 0)
    assert "1.25" not in str(caught.value)
    whole = _invoice(lines=[{"item_number": "2000", "text": "Licens", "quantity": "3",
                             "unit_price": "1200"}]).lines[0]
    assert mapping.quantity_for_item(whole, 1, "2000", 0) == Decimal("3")


def test_lines_without_item_take_the_product_numbers_of_the_settings(settings: Settings) -> None:
    invoice = _invoice(lines=[
        {"text": "Overskrift"},
        {"text": "Med moms", "quantity": "1", "unit_price": "100"},
        {"text": "Uden moms", "quantity": "1", "unit_price": "100", "vat": False},
    ])
    assert [mapping.item_of(line, settings) for line in invoice.lines] == [None, "1000", "1010"]


def test_credit_note_lines_post_negative_quantities(settings: Settings) -> None:
    credit = _invoice(type_code=381, preceding_invoice_reference="20260001",
                      default_discount_percent="5")
    fields = mapping.line_fields(credit, compute(credit, settings).lines[0], settings,
                                 order_number=5001,
                                 item="1000", decimals=2, category=None,
                                 number_of_dimensions=3)
    assert fields["_Qty"] == Decimal("-1.25") and fields["_Price"] == Decimal("950.00")
    assert fields["_DiscountPct"] == Decimal("5")  # the invoice's default discount
    assert fields["_Unit"] == "Hours" and fields["_OrderNumber"] == 5001


def test_a_text_line_carries_only_its_text(settings: Settings) -> None:
    invoice = _invoice(lines=[{"text": "Rådgivning, november"},
                              {"item_number": "1000", "text": "Møde", "quantity": "1",
                               "unit_price": "950"}], project={"number": "P1", "name": "P"},
                       team="Team A")
    fields = mapping.line_fields(invoice, compute(invoice, settings).lines[0], settings,
                                 order_number=5001,
                                 item=None, decimals=None, category="ACONTO",
                                 number_of_dimensions=3)
    assert fields == {"_OrderNumber": 5001, "_Text": "Rådgivning, november"}


def test_team_department_division_go_to_the_configured_dimensions(settings: Settings) -> None:
    invoice = _invoice(team="Team A", department="Revision", division="Øst")
    assert mapping.dimension_fields(invoice, settings, 3) == {
        "_Dim1": "Team A", "_Dim2": "Revision"}  # DivisionDimension = 0: not used
    swapped = settings.model_copy(update={"integration": settings.integration.model_copy(
        update={"team_dimension": 3, "department_dimension": 1, "division_dimension": 2})})
    assert mapping.dimension_fields(invoice, swapped, 3) == {
        "_Dim3": "Team A", "_Dim1": "Revision", "_Dim2": "Øst"}
    with pytest.raises(MappingError, match="integration.TeamDimension: names a dimension beyond"
                       " the 2 the Uniconta company uses"):
        mapping.dimension_fields(invoice, swapped, 2)
    assert mapping.dimension_fields(_invoice(), swapped, 2) == {}  # no values, no check


def test_order_fields_carry_the_marker_and_the_references(settings: Settings) -> None:
    invoice = _invoice(header="Rådgivning november", note="Tak for samarbejdet",
                       buyer_reference="Jonas Berg", purchase_order_reference="PO-1",
                       internal_reference={"number": "JD", "name": "Jens Dahl"},
                       currency_code="EUR", exchange_rate="7.46",
                       delivery_date="2026-10-29",
                       invoicing_address={"line1": "Postboks 7", "post_code": "8100",
                                          "city": "Aarhus C", "country_code": "DK"})
    fields = mapping.order_fields(invoice, settings, account="1001", contact_row_id=None,
                                  category=None, number_of_dimensions=3)
    assert fields["_Remark"] == "Rådgivning november\nTak for samarbejdet\nRef: CT-1"
    assert fields["_Remark"].splitlines()[-1] == mapping.marker(invoice)
    assert (fields["_YourRef"], fields["_OurRef"], fields["_Employee"]) == (
        "Jonas Berg", "Jens Dahl", "JD")
    assert fields["_Requisition"] == "PO-1" and fields["_Currency"] == 2  # EUR
    assert fields["_DeleteOrder"] is True and str(fields["_InvoiceDate"]) == "2026-11-02"
    assert str(fields["_DeliveryDate"]) == "2026-10-29"
    assert (fields["_DeliveryAddress1"], fields["_DeliveryCountry"]) == ("Postboks 7",
                                                                          "Denmark")
    assert "_ContactRef" not in fields and "_Project" not in fields
    assert fields["_ExchangeRate"] == Decimal("7.46")  # DKK for one EUR, as invoiced


def test_a_dkk_order_sends_no_exchange_rate(settings: Settings) -> None:
    fields = mapping.order_fields(_invoice(), settings, account="1001", contact_row_id=None,
                                  category=None, number_of_dimensions=3)
    assert "_ExchangeRate" not in fields and fields["_Currency"] == 9
    assert "_DeliveryDate" not in fields  # none given: Uniconta's own default


@pytest.mark.parametrize(("unit", "expected"), [
    ("timer", "Hours"), ("Timer", "Hours"), ("stk.", "Pcs"), ("STK", "Pcs"), ("dage", "Days"),
    ("minutter", "Minutes"), ("hours", "Hours"), (None, None),
])
def test_the_unit_goes_to_uniconta_by_the_unit_table(settings: Settings, unit: str | None,
                                                     expected: str | None) -> None:
    invoice = _invoice(lines=[{"item_number": "1000", "text": "Rådgivning", "quantity": "1",
                               "unit": unit, "unit_price": "950"}])
    fields = mapping.line_fields(invoice, compute(invoice, settings).lines[0], settings,
                                 order_number=5001, item="1000", decimals=2, category=None,
                                 number_of_dimensions=3)
    assert fields.get("_Unit") == expected


def test_an_unknown_unit_is_refused_never_sent_as_the_items_unit(settings: Settings) -> None:
    from faktura.computed import check
    from faktura.errors import InvalidInput

    invoice = _invoice(lines=[{"text": "Udlæg"}, {"item_number": "1000", "text": "Kørsel",
                                                  "quantity": "42", "unit": "km",
                                                  "unit_price": "3.79"}])
    with pytest.raises(InvalidInput) as caught:
        check(invoice)
    assert [p.field for p in caught.value.problems] == ["lines[1].unit"]
    with pytest.raises(InvalidInput) as caught:  # so no order line is ever made of it
        compute(invoice, settings)
    assert [p.field for p in caught.value.problems] == ["lines[1].unit"]


def test_unknown_currency_and_country_are_refused_naming_the_field_not_the_value(
        settings: Settings) -> None:
    with pytest.raises(MappingError, match="currency_code: is not a currency Uniconta knows"
                       ) as caught:
        mapping.currency_byte("XYZ", "currency_code")
    assert "XYZ" not in str(caught.value)
    far = Customer(customer_number="1001", name="Far Away Ltd",
                   address={"city": "Nowhere", "country_code": "ZZ"})
    with pytest.raises(MappingError, match="customer.address.country_code: is not a country"
                       ) as caught:
        mapping.debtor_fields(far, settings)
    assert "ZZ" not in str(caught.value) and "Far Away" not in str(caught.value)


def test_debtor_fields_follow_the_seed_table_and_central_settings(settings: Settings) -> None:
    customer = Customer(customer_number="1001", name="Acme ApS", vat_number="DK 12 34 56 74",
                        email="a@acme.dk", ean="5790001234560", currency_code="EUR",
                        address={"line1": "Havnegade 4", "post_code": "8000",
                                 "city": "Aarhus C"})
    fields = mapping.debtor_fields(customer, settings)
    assert fields == {
        "_Account": "1001", "_Name": "Acme ApS", "_Group": "1", "_Address1": "Havnegade 4",
        "_ZipCode": "8000", "_City": "Aarhus C", "_Country": "Denmark",
        "_LegalIdent": "12345674", "_ContactEmail": "a@acme.dk", "_EAN": "5790001234560",
        "_Currency": 2, "_Payment": "Netto8", "_VatZone": "Domestic"}
    assert mapping.fingerprint(fields) == mapping.fingerprint(dict(reversed(fields.items())))
    assert mapping.fingerprint(fields) != mapping.fingerprint({**fields, "_City": "Aarhus N"})
