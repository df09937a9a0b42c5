"""One invoice, one truth: what the PDF prints, what Uniconta books and what the archive
holds are the same — over real HTTP to the emulator, real PDFs read back with pypdf.

A refused invoice leaves nothing behind (no order, no booked invoice, no archive entry); a
booking that disagrees with the computed invoice is caught before its PDF is archived.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sync_support import (
    SAMPLES,
    MakeStack,
    SyncStack,
    amount,
    customer,
    invoice,
    invoices,
    line,
    order_lines,
    orders,
)

from faktura.computed import compute
from faktura.errors import InvalidInput
from faktura.model import Invoice
from infra.invoice_file import load_invoice
from issuing.balance import balance_for_period
from renderer import formatting
from renderer.render import Renderer
from sync.emulator.testing import EmulatorHandle
from sync.posting.catalogue import Catalogue, import_items
from sync.posting.engine import BookingMismatch
from sync.posting.ledger import State

_RENDERER = Renderer()


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def assert_nothing_left(stack: SyncStack, emulator: EmulatorHandle) -> None:
    assert invoices(emulator) == []
    assert orders(emulator) == [] and order_lines(emulator) == []
    assert stack.archive.list(stack.settings.tenant) == []


# ------------------------------------------------------------------ refused before posting


def test_a_vat_free_line_with_the_vat_item_is_refused_before_anything_is_sent(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    bad = invoice("T-1", lines=[line("Rådgivning", quantity="1", price="1000.00", vat=False)])
    calls = sync_stack.calls()
    with pytest.raises(InvalidInput) as refused:
        sync_stack.issuer().issue(bad)
    assert "lines[0].vat" in str(refused.value)
    assert "item 1000 is booked in Uniconta with VAT" in str(refused.value)
    assert sync_stack.calls() == calls  # not one Uniconta call
    assert_nothing_left(sync_stack, emulator)


def test_with_a_catalogue_the_items_vat_group_decides(sync_stack: SyncStack,
                                                      emulator: EmulatorHandle) -> None:
    import_items(sync_stack.client, Catalogue.for_settings(sync_stack.settings),
                 sync_stack.settings.tenant)
    # Item 2000 is in the VAT group YMM: a VAT-free line with it is refused …
    licence = line("Licens", quantity="1", price="1200.00", item_number="2000", unit="stk",
                   vat=False)
    with pytest.raises(InvalidInput, match="item 2000 is booked in Uniconta with VAT"):
        sync_stack.issuer().issue(invoice("T-2", lines=[licence]))
    assert_nothing_left(sync_stack, emulator)
    # … item 1010 is in the VAT-free group YUM: booked and printed alike, without VAT.
    free = line("Udlæg", quantity="1", price="500.00", item_number="1010", vat=False)
    issued = sync_stack.issuer(_RENDERER).issue(invoice("T-3", lines=[free]))
    (booked,) = invoices(emulator)
    assert (amount(booked["NetAmount"]), amount(booked["VatAmount"]),
            amount(booked["TotalAmount"])) == (Decimal("500.00"), 0, Decimal("500.00"))
    text = pdf_text(sync_stack.archive.pdf(sync_stack.settings.tenant, issued.invoice_number))
    assert "500,00" in text and "625,00" not in text


def test_a_negative_invoice_is_refused_before_posting(sync_stack: SyncStack,
                                                      emulator: EmulatorHandle) -> None:
    bad = invoice("T-4", lines=[line(quantity="1", price="-100.00")])
    with pytest.raises(InvalidInput, match="issue a credit note"):
        sync_stack.issuer().issue(bad)
    assert_nothing_left(sync_stack, emulator)
    assert sync_stack.ledger.get(sync_stack.settings.tenant, "T-4") is None


def test_a_credit_note_for_another_customers_invoice_is_refused(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    first = sync_stack.issuer().issue(invoice("T-5", customer_data=customer("1002")))
    credit = invoice("T-6", type_code=381, preceding_invoice_reference=first.invoice_number)
    with pytest.raises(InvalidInput) as refused:
        sync_stack.issuer().issue(credit)
    assert [p.field for p in refused.value.problems] == ["preceding_invoice_reference"]
    assert "names an invoice of another customer" in str(refused.value)
    assert first.invoice_number not in str(refused.value)
    assert len(invoices(emulator)) == 1 and orders(emulator) == []
    assert [e.invoice_number for e in sync_stack.archive.list(sync_stack.settings.tenant)] == [
        first.invoice_number]


def test_a_credit_note_is_booked_as_a_credit_note_naming_the_invoice_it_credits(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    first = sync_stack.issuer().issue(invoice("T-7"))
    credit = invoice("T-8", type_code=381, preceding_invoice_reference=first.invoice_number)
    issued = sync_stack.issuer().issue(credit)
    (booked,) = invoices(emulator, InvoiceNumber=issued.invoice_number)
    assert booked["DocumentType"] == "Creditnote"
    assert f"Krediterer faktura {first.invoice_number}" in booked["Remark"].splitlines()
    assert amount(booked["TotalAmount"]) == -compute(credit, sync_stack.settings
                                                     ).totals.total_with_vat
    assert issued.entry.document_type == "credit_note"


# ------------------------------------------------------------------ the due date


def test_sample_04_prints_the_due_date_uniconta_books(sync_stack: SyncStack,
                                                      emulator: EmulatorHandle) -> None:
    sample = load_invoice(SAMPLES / "04-mixed-vat.json")
    issued = sync_stack.issuer(_RENDERER).issue(sample)
    (booked,) = invoices(emulator)
    assert booked["DueDate"].startswith("2026-11-30")
    assert booked["Payment"] == "Netto20"  # the term whose days give the invoice's due date
    text = pdf_text(sync_stack.archive.pdf(sync_stack.settings.tenant, issued.invoice_number))
    assert "30.11.2026" in text and "18.11.2026" not in text


def test_a_due_date_no_payment_term_gives_is_refused_before_posting(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    odd = invoice("T-9", due_date="2026-11-13")  # 11 days: Uniconta has no such term
    with pytest.raises(Exception, match="no payment term of 11 days") as refused:
        sync_stack.issuer().issue(odd)
    assert "Netto11" in str(refused.value)
    assert_nothing_left(sync_stack, emulator)


# ------------------------------------------------------------------ verified after posting


def test_a_booking_that_disagrees_is_caught_before_archiving(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    emulator.set_faults(misbook_vat=1)
    with pytest.raises(BookingMismatch) as caught:
        stack.issuer().issue(invoice("T-10"))
    message = str(caught.value)
    assert "VAT: computed 356.25, booked 357.25" in message
    assert "total: computed 1781.25, booked 1782.25" in message
    assert "booked but not archived" in message
    assert len(invoices(emulator)) == 1  # booked …
    assert stack.archive.list(stack.settings.tenant) == []  # … never archived
    record = stack.ledger.get(stack.settings.tenant, "T-10")
    assert record is not None and record.state == State.POSTED and record.booked_not_archived
    assert "booked 357.25" in (record.mismatch or "")
    # A re-run does not archive it either, and books nothing more.
    with pytest.raises(BookingMismatch):
        make_stack().issuer().issue(invoice("T-10"))
    assert len(invoices(emulator)) == 1
    assert make_stack().archive.list(stack.settings.tenant) == []
    # Balancing never calls it matched.
    report = balance_for_period(stack.settings, date(2026, 11, 1), date(2026, 11, 30))
    assert not report.balanced and report.matched == []
    assert [i.number for i in report.booked_not_archived] == [record.invoice_number]


# ------------------------------------------------------------------ orphans and master data


class Crash(BaseException):
    """The process dies here."""


def test_three_crashes_leave_no_orphan_order(make_stack: MakeStack,
                                             emulator: EmulatorHandle) -> None:
    inv = invoice("T-11")
    first = make_stack()  # order A recorded, its lines never sent
    original = first.client.insert

    def no_lines(type_name: str, rows: Any) -> Any:
        if type_name == "DebtorOrderLine":
            raise Crash("before the lines")
        return original(type_name, rows)

    first.client.insert = no_lines  # type: ignore[method-assign]
    with pytest.raises(Crash):
        first.engine.post(inv)
    second = make_stack()  # deletes A, creates B, dies before recording B
    created = second.client.insert

    def lost_order(type_name: str, rows: Any) -> Any:
        result = created(type_name, rows)
        if type_name == "DebtorOrder":
            raise Crash("before B is recorded")
        return result

    second.client.insert = lost_order  # type: ignore[method-assign]
    with pytest.raises(Crash):
        second.engine.post(inv)
    assert len(orders(emulator)) == 1  # B, unrecorded
    make_stack().engine.post(inv)  # creates C and posts it
    assert orders(emulator) == [] and order_lines(emulator) == []
    assert len(invoices(emulator)) == 1


def test_a_field_removed_in_the_source_is_removed_in_uniconta(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    full = customer("1001", phone="+45 12345678", vat_number="DK12345674",
                    address={"line1": "Havnegade 4", "line2": "2. sal", "post_code": "8000",
                             "city": "Aarhus C", "country_code": "DK"})
    make_stack().engine.post(invoice("T-12", customer_data=full))
    (debtor,) = emulator.query("Debtor", Account="1001")
    assert debtor["Phone"] and debtor["Address2"] == "2. sal" and debtor["ContactEmail"]
    bare = customer("1001", email=None)
    make_stack().engine.post(invoice("T-13", customer_data=bare))
    (debtor,) = emulator.query("Debtor", Account="1001")
    assert not debtor.get("Phone") and not debtor.get("Address2")
    assert not debtor.get("ContactEmail") and not debtor.get("CompanyRegNo")
    assert debtor["Address1"] == "Havnegade 4"


# ------------------------------------------------------------------ property: one truth

_TERMS = (8, 14, 20, 30)


@st.composite
def valid_invoices(draw: st.DrawFn) -> Invoice:
    count = draw(st.integers(1, 4))
    lines = []
    for position in range(count):
        vat = draw(st.booleans())
        quantity = Decimal(draw(st.integers(1, 4000))) / 100
        price = Decimal(draw(st.integers(1, 500_000))) / 100
        discount = draw(st.sampled_from([None, "5", "12.5"]))
        fields: dict[str, Any] = {"vat": vat, "item_number": "1000" if vat else "1010"}
        if discount:
            fields["discount_percent"] = discount
        lines.append(line(f"Opgave {position + 1}", quantity=str(quantity),
                          price=str(price), **fields))
    issue = date(2026, 11, 2)
    days = draw(st.sampled_from(_TERMS))
    return invoice("P-1", lines=lines, due_date=(issue + timedelta(days=days)).isoformat())


@settings(max_examples=10, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=valid_invoices())
def test_pdf_booking_and_archive_state_the_same_figures(
        make_stack: MakeStack, emulator: EmulatorHandle, tmp_path_factory: Any,
        source: Invoice) -> None:
    emulator.reset_state()
    run = tmp_path_factory.mktemp("truth")
    from sync_support import make_settings
    stack = make_stack(make_settings(emulator.base_url, run))
    issued = stack.issuer(_RENDERER).issue(source)
    tenant = stack.settings.tenant
    archived = Invoice.model_validate_json(stack.archive.invoice_json(
        tenant, issued.invoice_number))
    held = compute(archived, stack.settings)
    (booked,) = invoices(emulator)
    assert (amount(booked["NetAmount"]), amount(booked["VatAmount"]),
            amount(booked["TotalAmount"])) == (
        held.totals.line_total, held.totals.vat_amount, held.totals.total_with_vat)
    assert booked["DueDate"][:10] == held.due_date.isoformat()
    assert issued.entry.total_amount == held.totals.total_with_vat
    text = pdf_text(stack.archive.pdf(tenant, issued.invoice_number))
    printed = printed_figures(text)
    assert printed == {"net": held.totals.line_total, "vat": held.totals.vat_amount,
                       "total": held.totals.total_with_vat,
                       "due": formatting.short_date(held.due_date, "da")}, text[-900:]
    slip = re.search(r"SIDSTE RETTIDIGE BETALINGSDAG (\d\d\.\d\d\.\d{4})", text)
    if slip:  # the FI slip's date is the same day
        assert slip.group(1) == formatting.short_date(held.due_date, "da")


def printed_figures(text: str) -> dict[str, Any]:
    """Net (taxable + VAT-free), VAT, total and the due date, as the PDF prints them."""
    def figure(pattern: str) -> Decimal:
        found = re.search(pattern + r" (-?[\d.]+,\d\d)", text)
        return Decimal(found.group(1).replace(".", "").replace(",", ".")) if found else Decimal(0)

    due = re.search(r"Forfaldsdato (\d\d\.\d\d\.\d{4})", text)
    return {"net": figure("Momspligtigt beløb") + figure(r"Momsfrit beløb \*?"),
            "vat": figure(r"Moms \d+ % af [\d.]+,\d\d"), "total": figure("I alt DKK"),
            "due": due.group(1) if due else None}
