"""TimeLog-shaped exports (faktura.timelog): the seed guide's technical names → the model."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from infra.invoice_file import load_invoice
from faktura.timelog import looks_like_timelog, to_invoice_data

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "02-consulting-month.timelog.json"


@pytest.fixture(scope="module")
def export() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)


def minimal(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "InvoiceID": "TL-1",
        "InvoiceDate": "2026-10-31",
        "CustomerKey": "1001",
        "Customer": {"Name": "Acme Byg ApS"},
        "Lines": [{"Text": "Rådgivning", "Quantity": "2", "Rate": "950"}],
    }
    base.update(fields)
    return base


def test_the_sample_maps_every_technical_name_it_uses(export: dict[str, Any]) -> None:
    invoice = load_invoice(SAMPLE)
    assert invoice.source_system == "timelog"
    assert invoice.source_id == "TL-88412"  # InvoiceID
    assert invoice.source_invoice_number == "5123"  # InvoiceNo
    assert invoice.issue_date == date(2026, 10, 31)  # InvoiceDate
    assert invoice.currency_code == "DKK"  # CurrencyISO
    # CustomerKey → customer number; Customer.* → the customer
    c = invoice.customer
    assert c.customer_number == "1001"
    assert c.source_id == "C-1001"  # CustomerID
    assert c.name == "Acme Byg ApS"  # Name
    assert c.phone == "86 00 11 22"  # Phone
    assert c.email == "bogholderi@acmebyg.dk"  # ContactEmail
    assert (c.address.line1, c.address.post_code, c.address.city, c.address.country_code) == (
        "Havnegade 4", "8000", "Aarhus C", "DK")  # Address.Address / .ZipCode / .City / .Country
    assert c.vat_number == "DK12345674"  # VatNo: a bare CVR is Danish
    assert c.currency_code == "DKK"  # Currency
    # Details.ContactHeader → contact (ProductNo = the contact's Nr. in the guide's table)
    assert invoice.contact is not None
    assert (invoice.contact.number, invoice.contact.name, invoice.contact.phone,
            invoice.contact.email) == ("17", "Jonas Berg", "20 30 40 50", "jb@acmebyg.dk")
    # Detail.ProjectHeader → project
    assert invoice.project is not None
    assert (invoice.project.number, invoice.project.name, invoice.project.description) == (
        "P100", "Økonomistyring 2026", "Løbende rådgivning")
    assert invoice.purchase_order_reference == "PO-7781"  # RequisitionNo
    assert invoice.buyer_reference == "Jonas Berg"  # CustomersReference
    assert invoice.internal_reference is not None  # InternalReference
    assert (invoice.internal_reference.number, invoice.internal_reference.name) == ("JD",
                                                                                    "Jens Dahl")
    assert invoice.header == "Rådgivning oktober 2026"  # Header
    assert invoice.note == "Timer jf. vedlagte specifikation."  # Comment
    assert (invoice.team, invoice.department) == ("Team A", "Rådgivning")
    # Lines: ProductNo, Text, Quantity, Unit, Rate, Discount
    assert len(invoice.lines) == len(export["Lines"]) == 20
    first = invoice.lines[0]
    assert (first.item_number, first.text, first.quantity, first.unit, first.unit_price,
            first.discount_percent) == ("1000", "Rådgivning 03.10 – møde og opfølgning",
                                        Decimal("7.50"), "timer", Decimal("950.00"), Decimal(0))
    for source, line in zip(export["Lines"], invoice.lines, strict=True):
        assert line.quantity == Decimal(source["Quantity"])
        assert line.unit_price == Decimal(source["Rate"])
        assert line.vat  # no VatExempt: standard rated


def test_a_full_export_maps_the_rest_of_the_guide(export: dict[str, Any]) -> None:
    full = copy.deepcopy(export)
    full.update({
        "FixedCustomerName": "Acme Byg ApS, afd. Vest",
        "FixedContactFullName": "Pia Holm",
        "InvoicingAddress": {"Address1": "Postboks 12", "Address2": "Att. kreditor",
                             "Address3": "Bygning 3", "Zip": "7100", "City": "Vejle",
                             "Country": "dk"},
        "DueDate": "2026-11-30",
        "DefaultDiscount": "5",
        "EAN": "5790001234560",
        "Division": "Øst",
    })
    full["Customer"].update({"KeyAccountManagerInitials": "JD", "Fax": "86001123",
                             "Website": "acmebyg.dk", "GiroNo": "1234567",
                             "OrganizatioNo": "DK-1", "EAN": "5790009999997"})
    full["Customer"]["Address"].update({"Address2": "1. sal", "Address3": "Opgang B",
                                        "State": "Midtjylland"})
    full["Details"]["ContactHeader"]["Comment"] = "Foretrækker e-mail"
    full["Lines"][0]["Discount"] = None  # blank: the invoice's DefaultDiscount
    invoice = parse_invoice(full)
    assert invoice.buyer_name == "Acme Byg ApS, afd. Vest"
    assert invoice.fixed_contact_full_name == "Pia Holm"
    assert invoice.buyer_address.lines() == ["Postboks 12", "Att. kreditor", "Bygning 3",
                                             "7100 Vejle"]
    assert invoice.buyer_address.country_code == "DK"
    assert invoice.due_date == date(2026, 11, 30)
    assert invoice.default_discount_percent == Decimal(5)
    assert invoice.discount_of(invoice.lines[0]) == Decimal(5)
    assert invoice.discount_of(invoice.lines[1]) == Decimal(0)  # its own Discount "0"
    assert invoice.buyer_ean == "5790001234560"
    assert invoice.division == "Øst"
    c = invoice.customer
    assert (c.key_account_manager_initials, c.fax, c.website, c.giro_number,
            c.organization_number, c.ean) == ("JD", "86001123", "acmebyg.dk", "1234567",
                                              "DK-1", "5790009999997")
    assert (c.address.line2, c.address.line3, c.address.country_subdivision) == (
        "1. sal", "Opgang B", "Midtjylland")
    assert invoice.contact is not None and invoice.contact.comment == "Foretrækker e-mail"


@pytest.mark.parametrize("shape", ["nested", "flat"])
def test_dotted_names_may_be_flat_or_nested(shape: str) -> None:
    if shape == "nested":
        extra = {"InvoicingAddress": {"Address1": "Postboks 12", "Zip": "7100", "City": "Vejle"},
                 "Details": {"ContactHeader": {"FirstName": "Jonas"}},
                 "Detail": {"ProjectHeader": {"ProjectNo": "P1", "Name": "Projekt"}}}
    else:
        extra = {"InvoicingAddress.Address1": "Postboks 12", "InvoicingAddress.Zip": "7100",
                 "InvoicingAddress.City": "Vejle",
                 "Details.ContactHeader": {"FirstName": "Jonas"},
                 "Detail.ProjectHeader": {"ProjectNo": "P1", "Name": "Projekt"}}
    invoice = parse_invoice(minimal(**extra))
    assert invoice.invoicing_address is not None
    assert invoice.invoicing_address.post_code == "7100"  # InvoicingAddress.Zip
    assert invoice.buyer_address.lines() == ["Postboks 12", "7100 Vejle"]
    assert invoice.contact is not None and invoice.contact.name == "Jonas"
    assert invoice.project is not None and invoice.project.number == "P1"


def test_the_customer_address_may_be_flat_too() -> None:
    invoice = parse_invoice(minimal(Customer={"Name": "A", "Address.Address": "Gade 1",
                                              "Address.ZipCode": "8000",
                                              "Address.City": "Aarhus C"}))
    assert invoice.customer.address.lines() == ["Gade 1", "8000 Aarhus C"]


def test_customer_number_falls_back_to_customer_no() -> None:
    payload = minimal(Customer={"Name": "A", "CustomerNo": "2002"})
    del payload["CustomerKey"]
    assert parse_invoice(payload).customer.customer_number == "2002"


def test_fixed_att_contact_full_name_is_the_customers_reference_when_none_is_given() -> None:
    # The guide: "Kundens ref." ← CustomersReference / FixedAttContactFullName → YourRef
    invoice = parse_invoice(minimal(FixedAttContactFullName="Mette Holm"))
    assert invoice.buyer_reference == "Mette Holm"
    both = parse_invoice(minimal(FixedAttContactFullName="Mette Holm",
                                 CustomersReference="Jonas Berg"))
    assert both.buyer_reference == "Jonas Berg"


def test_extension_keys() -> None:
    invoice = parse_invoice(minimal(
        IsCreditNote=True, CreditNoteFor="20260001", CurrencyISO="EUR", ExchangeRate="7.4604",
        Customer={"Name": "A", "Language": "en"},
        Lines=[{"Text": "Udlæg", "Quantity": "1", "Rate": "100", "VatExempt": True},
               {"Text": "Timer", "Quantity": "1", "Rate": "100", "VatExempt": False}]))
    assert invoice.is_credit_note
    assert invoice.preceding_invoice_reference == "20260001"
    assert (invoice.currency_code, invoice.exchange_rate) == ("EUR", Decimal("7.4604"))
    assert invoice.customer.language == "en"
    assert [line.vat for line in invoice.lines] == [False, True]


def test_a_timelog_quantity_of_more_than_two_decimals_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(minimal(Lines=[{"Text": "x", "Quantity": Decimal("0.3333333"),
                                      "Rate": "950"}]))
    assert [p.field for p in caught.value.problems] == ["lines[0].quantity"]
    invoice = parse_invoice(minimal(Lines=[{"Text": "x", "Quantity": Decimal("0.33"),
                                            "Rate": "950"}]))
    assert invoice.lines[0].quantity == Decimal("0.33")


def test_a_timelog_credit_note_without_reference_is_refused() -> None:
    with pytest.raises(InvalidInput, match="preceding_invoice_reference"):
        parse_invoice(minimal(IsCreditNote=True))


def test_a_timelog_foreign_currency_without_rate_is_refused() -> None:
    with pytest.raises(InvalidInput, match="exchange_rate"):
        parse_invoice(minimal(CurrencyISO="SEK"))


def test_a_bad_timelog_value_names_the_field_without_echoing_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(minimal(Lines=[{"Text": "x", "Quantity": "Zq-7731", "Rate": "1"}]))
    assert [p.field for p in caught.value.problems] == ["lines[0].quantity"]
    assert "Zq-7731" not in str(caught.value)


@pytest.mark.parametrize("lines", [5, "abc", {"Text": "x"}])
def test_lines_that_are_not_a_list_are_an_error_not_a_crash(lines: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(minimal(Lines=lines))
    assert "lines" in [p.field for p in caught.value.problems]


@pytest.mark.parametrize("customer", ["Name", 7, ["Name"]])
def test_a_customer_that_is_not_an_object_is_an_error_not_a_crash(customer: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(minimal(Customer=customer))
    assert "customer.name" in [p.field for p in caught.value.problems]


def test_timelog_is_recognised_by_its_technical_names() -> None:
    assert looks_like_timelog(minimal())
    assert looks_like_timelog({"CustomerKey": "1"})
    assert not looks_like_timelog({"source_id": "x", "lines": []})
    assert not looks_like_timelog(["CustomerKey"])


def test_unmapped_keys_are_left_out_not_invented() -> None:
    mapped = to_invoice_data(minimal())
    assert set(mapped) == {"source_system", "source_id", "issue_date", "customer", "lines"}
    assert mapped["lines"] == [{"text": "Rådgivning", "quantity": "2", "unit_price": "950"}]
