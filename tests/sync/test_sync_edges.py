"""The edges of posting: what is refused before the first Uniconta call, and what is booked
exactly as computed — never booked and then refused (docs/refusals.md).

Against a live emulator over real HTTP; the archive and ledger are real SQLite files.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sync_support import (
    SAMPLE_SETTINGS,
    MakeStack,
    SyncStack,
    amount,
    customer,
    invoice,
    invoices_by_marker,
    line,
    make_settings,
)

from faktura.problem_texts import in_language
from faktura.errors import FakturaError, InvalidInput
from infra.settings_files import load_settings
from renderer.render import Renderer
from sync.emulator import fixtures
from sync.emulator.testing import EmulatorHandle
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.rest import RestClient
from sync.uniconta.setup import SetupReader, next_invoice_number

TENANT = "revisorhuset"
EU_BUSINESS = customer(
    "1077", name="Nordic Shipping AB", vat_number="SE556677889901", ean="5790000000005",
    address={"line1": "Storgatan 1", "post_code": "11122", "city": "Stockholm",
             "country_code": "SE"})


def _nothing_left(emulator: EmulatorHandle) -> None:
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorOrderLine") == []


def _serie_next(emulator: EmulatorHandle) -> int:
    return int(emulator.query("NumberSerie", Serie="FAK")[0]["Next"])


# --- 1. EU reverse charge ------------------------------------------------------------------


def test_an_eu_reverse_charge_invoice_is_issued_and_pdf_einvoice_and_booking_agree(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    # A line without Danish VAT to an EU business: category AE, posted with the ex-VAT item.
    vat_free = invoice("RC-1", customer_data=EU_BUSINESS, buyer_reference="Indkøb",
                       lines=[line("Rådgivning", quantity="10", price="850.00",
                                   vat=False, item_number=None)])
    issued = sync_stack.issuer(Renderer()).issue(vat_free)

    number = issued.invoice_number
    (booked,) = emulator.query("DebtorInvoice", InvoiceNumber=number)
    assert amount(booked["NetAmount"]) == Decimal("8500.00")
    assert amount(booked["VatAmount"]) == 0 and amount(booked["TotalAmount"]) == Decimal("8500.00")
    (booked_line,) = emulator.query("InvTrans", InvoiceNumber=number)
    assert booked_line["Item"] == "1010" and not booked_line.get("Vat")

    pdf = sync_stack.archive.pdf(TENANT, number)
    printed = re.sub(r"\s+", " ", " ".join(page.extract_text() or ""
                                            for page in PdfReader(io.BytesIO(pdf)).pages))
    assert "Omvendt betalingspligt" in printed and "Momsfri ydelse" not in printed
    assert "8.500,00" in printed
    xml = sync_stack.archive.xml(TENANT, number).decode()
    assert "ReverseCharge" in xml  # OIOUBL's name of category AE (the buyer has an EAN)
    assert re.search(r"<cbc:TaxAmount currencyID=\"DKK\">0.00</cbc:TaxAmount>", xml)


def test_reverse_charge_lines_still_must_match_their_item(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    # The same customer, but the VAT-free line is posted with item 1000 (booked with VAT).
    wrong_item = invoice("RC-2", customer_data=EU_BUSINESS, buyer_reference="Indkøb",
                         lines=[line(vat=False, item_number="1000")])
    before = sync_stack.calls()
    with pytest.raises(InvalidInput) as caught:
        sync_stack.issuer().issue(wrong_item)
    assert [p.field for p in caught.value.problems] == ["lines[0].vat"]
    assert sync_stack.calls() == before
    assert emulator.query("Debtor", Account="1077") == []


# --- 2. a line priced 0 ----------------------------------------------------------------------


def test_a_line_priced_0_is_booked_at_0_not_at_the_items_list_price(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    (item,) = emulator.query("InvItem", Item="1000")
    assert float(item["SalesPrice1"]) > 0  # Uniconta would fill a price 0 in with this
    free = invoice("FREE-1", lines=[line("Rådgivning", quantity="2", price="950.00"),
                                    line("Opstartsmøde (gratis)", quantity="1", price="0")])
    issued = sync_stack.issuer().issue(free)

    (booked,) = emulator.query("DebtorInvoice", InvoiceNumber=issued.invoice_number)
    assert amount(booked["NetAmount"]) == Decimal("1900.00")
    assert amount(booked["TotalAmount"]) == Decimal("2375.00")
    lines = emulator.query("InvTrans", InvoiceNumber=issued.invoice_number)
    assert [amount(row["NetAmount"]) for row in lines] == [Decimal("1900.00"), 0]
    assert float(lines[1]["DiscountPct"]) == 100.0
    record = sync_stack.ledger.get(TENANT, "FREE-1")
    assert record is not None and record.state.value == "archived" and not record.mismatch


# --- 3. nothing to book ----------------------------------------------------------------------


def test_an_invoice_with_nothing_to_book_is_refused_before_any_call(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    nothing = invoice("ZERO-1", customer_data=customer("1088"),
                      lines=[{"text": "Overskrift"}, line(quantity="0"),
                             line("Kørsel", quantity="0", price="0")])
    for attempt in (lambda: sync_stack.issuer().issue(nothing),
                    lambda: sync_stack.engine.post(nothing),
                    lambda: sync_stack.engine.transfer_draft(nothing)):
        with pytest.raises(InvalidInput) as caught:
            attempt()
        assert [p.field for p in caught.value.problems] == ["lines"]
        assert "nothing to book" in caught.value.problems[0].message
        assert "intet at bogføre" in in_language(caught.value.problems[0].message, "da")
    assert sync_stack.calls() == 0 and sync_stack.events == []
    assert emulator.query("Debtor", Account="1088") == []
    _nothing_left(emulator)


# --- 4. the number series ------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["gateway", "rest"])
def test_both_transports_read_the_next_invoice_number(
        emulator: EmulatorHandle, transport: str) -> None:
    kind = GatewayClient if transport == "gateway" else RestClient
    with kind(emulator.base_url, emulator.login, emulator.password,
              emulator.company_id) as client:
        reader = SetupReader(client)
        assert next_invoice_number(reader) == fixtures.FIRST_INVOICE_NUMBER
        assert next_invoice_number(reader, fixtures.DEFAULT_DEBTOR_GROUP) == (
            fixtures.FIRST_INVOICE_NUMBER)
        assert next_invoice_number(reader, "no-such-group") is None
        gets = client.stats.snapshot()
    assert gets.get("insert", 0) == gets.get("patch", 0) == gets.get("delete", 0) == 0
    assert _serie_next(emulator) == fixtures.FIRST_INVOICE_NUMBER  # read, not taken


def _set_serie(stack: SyncStack, next_number: int) -> None:
    stack.client.patch("NumberSerie", {"Serie": "FAK"}, {"_Next": next_number})


def test_a_number_the_fi_line_cannot_carry_is_refused_before_posting(
        make_stack: MakeStack, emulator: EmulatorHandle, tmp_path: Any) -> None:
    stack = make_stack()
    fifteen_digits = 10 ** 14
    _set_serie(stack, fifteen_digits)
    with pytest.raises(InvalidInput) as caught:
        stack.issuer().issue(invoice("N-1"))
    (problem,) = caught.value.problems
    assert problem.field == "layout.fi_card_type"
    assert "15 digits" in problem.message and "set it to 75" in problem.message
    assert "sæt den til 75" in in_language(problem.message, "da")
    assert emulator.query("DebtorInvoice") == [] and _serie_next(emulator) == fifteen_digits
    _nothing_left(emulator)
    assert not list(stack.archive.list(TENANT))

    # Card type 75 carries 15 digits: the same invoice is issued, FI line and all.
    base = load_settings(SAMPLE_SETTINGS)
    card75 = make_settings(emulator.base_url, tmp_path,
                           layout=base.layout.model_copy(update={"fi_card_type": "75"}))
    issued = make_stack(card75).issuer().issue(invoice("N-1"))
    assert issued.invoice_number == str(fifteen_digits)
    assert issued.entry.fik_line is not None and issued.entry.fik_line.startswith("+75<")

    # Past what any payment ID holds: the series is what to change.
    _set_serie(stack, 10 ** 15)
    with pytest.raises(InvalidInput) as caught:
        make_stack(card75).issuer().issue(invoice("N-2"))
    assert [p.field for p in caught.value.problems] == ["uniconta.debtor_group"]
    assert "number series" in caught.value.problems[0].message
    assert "fakturanummerserie forfra" in in_language(caught.value.problems[0].message, "da")
    assert set(invoices_by_marker(emulator)) == {"N-1"}
    _nothing_left(emulator)


def test_the_numbers_a_run_will_take_are_counted_on_not_read_again(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    # Two below the limit of card 71 (14 digits): the first fits, the second would not.
    last_that_fits = 10 ** 14 - 1
    _set_serie(sync_stack, last_that_fits)
    issuer = sync_stack.issuer()
    assert issuer.issue(invoice("L-1")).invoice_number == str(last_that_fits)
    def reads() -> list[str]:
        return [label for label in sync_stack.labels() if label == "GET Query/NumberSerie"]

    assert reads() == ["GET Query/NumberSerie"]
    with pytest.raises(InvalidInput, match="layout.fi_card_type"):
        issuer.issue(invoice("L-2", customer_data=customer("1002")))
    assert reads() == ["GET Query/NumberSerie"]
    assert set(invoices_by_marker(emulator)) == {"L-1"}
    assert emulator.query("Debtor", Account="1002") == []


# --- 7. credit notes -------------------------------------------------------------------------


def _credit_note(source_id: str, credits: str, number: str = "1001") -> Any:
    return invoice(source_id, customer_data=customer(number), type_code=381,
                   preceding_invoice_reference=credits, lines=[line(quantity="0.5")])


def test_a_credit_note_credits_an_invoice_the_archive_or_uniconta_knows(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    issuer = sync_stack.issuer()
    archived = issuer.issue(invoice("I-1")).invoice_number
    # Booked in Uniconta by this engine but never archived here (e.g. drafts posted there).
    booked_only = sync_stack.engine.post(invoice("I-2")).invoice_number
    other_customer = sync_stack.engine.post(invoice(
        "I-3", customer_data=customer("1002"))).invoice_number
    assert archived != booked_only

    assert issuer.issue(_credit_note("K-1", archived)).entry.document_type == "credit_note"
    assert issuer.issue(_credit_note("K-2", booked_only)).entry.document_type == "credit_note"
    before = sync_stack.calls()
    for source_id, credits, message in (
            ("K-3", "20269999", "names no invoice the archive or Uniconta knows"),
            ("K-4", "not-a-number", "names no invoice the archive or Uniconta knows"),
            ("K-5", other_customer, "an invoice of another customer")):
        with pytest.raises(FakturaError) as caught:
            issuer.issue(_credit_note(source_id, credits))
        assert isinstance(caught.value, InvalidInput), caught.value
        assert [p.field for p in caught.value.problems] == ["preceding_invoice_reference"]
        assert message in str(caught.value)
        assert in_language(caught.value.problems[0].message, "da").startswith("angiver ")
    # Reads only: no debtor, order or posting was made for a refused credit note.
    writes = [label for label in sync_stack.labels()[-(sync_stack.calls() - before):]
              if not label.startswith("GET ")]
    assert writes == []
    assert set(invoices_by_marker(emulator)) == {"I-1", "I-2", "I-3", "K-1", "K-2"}
    _nothing_left(emulator)


def test_in_one_bulk_a_credit_note_of_an_earlier_invoice_waits_for_its_booking(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    # The invoice will be 20260001 (the series' next number); its credit note comes after it
    # in the same chunk, and a credit note of an invoice nobody issued is still refused.
    chunk = [invoice("BK-1"), _credit_note("BK-2", str(fixtures.FIRST_INVOICE_NUMBER)),
             _credit_note("BK-3", "20269999"), invoice("BK-4", customer_data=customer("1002"))]
    outcomes = sync_stack.issuer().issue_many(chunk)
    assert [getattr(o, "invoice_number", None) for o in outcomes] == [
        "20260001", "20260002", None, "20260003"]
    assert isinstance(outcomes[2], InvalidInput)
    assert [p.field for p in outcomes[2].problems] == ["preceding_invoice_reference"]
    assert set(invoices_by_marker(emulator)) == {"BK-1", "BK-2", "BK-4"}
    _nothing_left(emulator)
