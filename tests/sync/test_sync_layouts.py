"""UseTimeViewInvoice = 0: Uniconta's own PDF is archived — with the gateway extensions, and
without them (upstream rmja contract: `Accept: application/pdf` when posting)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sync_support import MakeStack, invoice, invoices_by_marker

from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncFailed

UNICONTA_LAYOUT = {"use_time_view_invoice": 0}


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _served_pdf(emulator: EmulatorHandle, number: str) -> bytes:
    response = emulator.client.get(f"{emulator.company_url}/Invoice/DebtorInvoices/{number}/Pdf")
    assert response.status_code == 200
    return response.content


def test_uniconta_layout_archives_unicontas_pdf(make_stack: MakeStack,
                                                emulator: EmulatorHandle) -> None:
    stack = make_stack(integration=UNICONTA_LAYOUT)
    issued = stack.issuer().issue(invoice("U-1"))
    number = issued.invoice_number
    entry = stack.archive.get("revisorhuset", number)
    assert (entry.layout, entry.fik_line, entry.uniconta_invoice_number) == (
        "uniconta", None, int(number))
    pdf = stack.archive.pdf("revisorhuset", number)
    assert pdf == _served_pdf(emulator, number)  # Uniconta's bytes, untouched
    text = _text(pdf)
    assert "UNICONTA LAYOUT" in text and f"Faktura nr. {number}" in text
    assert stack.labels()[-1] == f"GET Invoice/DebtorInvoices/{number}/Pdf"


def test_uniconta_layout_after_a_lost_posting_answer(make_stack: MakeStack,
                                                     emulator: EmulatorHandle) -> None:
    stack = make_stack(integration=UNICONTA_LAYOUT)
    emulator.set_faults(drop_after_commit=1)
    issued = stack.issuer().issue(invoice("U-1"))
    assert invoices_by_marker(emulator) == {"U-1": [int(issued.invoice_number)]}
    pdf = stack.archive.pdf("revisorhuset", issued.invoice_number)
    assert pdf == _served_pdf(emulator, issued.invoice_number)
    steps = [e["step"] for e in stack.log.entries("U-1")]
    assert "posting_found_after_lost_answer" in steps


def test_uniconta_layout_without_gateway_extensions(make_stack: MakeStack,
                                                    emulator: EmulatorHandle) -> None:
    emulator.set_faults(extensions=False)
    # Without the extensions a company is chosen by id, and Uniconta dates the invoice today.
    stack = make_stack(integration=UNICONTA_LAYOUT, uniconta={"company_id": 12114})
    today = date.today()
    issued = stack.issuer().issue(invoice("U-1", issue_date=today.isoformat()))
    number = issued.invoice_number
    (row,) = emulator.query("DebtorInvoice")
    assert str(row["InvoiceNumber"]) == number and row["Date"].startswith(today.isoformat())
    pdf = stack.archive.pdf("revisorhuset", number)
    assert f"Faktura nr. {number}" in _text(pdf)
    labels = stack.labels()
    assert f"POST Invoice/DebtorOrders/{row['OrderNumber']}" in labels
    assert not any("/Pdf" in label for label in labels)  # no extension was used
    assert emulator.query("DebtorOrder") == []


def test_without_extensions_another_invoice_date_is_refused_before_anything_is_written(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    emulator.set_faults(extensions=False)
    stack = make_stack(integration=UNICONTA_LAYOUT, uniconta={"company_id": 12114})
    with pytest.raises(SyncFailed, match="issue_date: is not today") as failure:
        stack.engine.post(invoice("U-1", issue_date="2026-01-05"))
    assert "2026-01-05" not in str(failure.value)
    assert emulator.query("DebtorOrder") == [] and emulator.query("DebtorInvoice") == []
