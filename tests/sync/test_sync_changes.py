"""Content that changes in the source, and crashes around the archive step."""

from __future__ import annotations

from typing import Any

import pytest
from sync_support import MakeStack, SyncStack, amount, customer, invoice, invoices_by_marker, line

from faktura.errors import ContentChanged
from faktura.model import Invoice
from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncFailed
from sync.uniconta.errors import TransportError


class Crash(BaseException):
    """The process dies here."""


def _order_numbers(emulator: EmulatorHandle) -> list[int]:
    return [int(o["OrderNumber"]) for o in emulator.query("DebtorOrder")]


def test_changed_after_posting_is_refused_with_credit_note_as_the_fix(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    original = invoice("C-1")
    number = sync_stack.engine.post(original).invoice_number
    changed = invoice("C-1", lines=[line(price="999.00")])
    with pytest.raises(ContentChanged) as refused:
        sync_stack.engine.post(changed)
    message = str(refused.value)
    assert f"posted to Uniconta as invoice {number}" in message and "credit note" in message
    assert invoices_by_marker(emulator) == {"C-1": [int(number)]}
    assert _order_numbers(emulator) == []
    (record,) = sync_stack.ledger.all("revisorhuset")
    assert record.state.value == "posted" and "credit note" in (record.error or "")
    # The original, unchanged, is still simply "already posted".
    assert sync_stack.engine.post(original).invoice_number == number


def test_changed_after_issuing_is_refused_by_the_issuer_too(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    issuer = sync_stack.issuer()
    issued = issuer.issue(invoice("C-1"))
    with pytest.raises(ContentChanged, match="credit note"):
        issuer.issue(invoice("C-1", lines=[line(quantity="2")]))
    assert invoices_by_marker(emulator) == {"C-1": [int(issued.invoice_number)]}
    assert sync_stack.archive.find_by_source_id("revisorhuset", "C-1") == issued.entry


def _leave_recorded_order(emulator: EmulatorHandle, stack: SyncStack, item: Invoice) -> int:
    emulator.set_faults(fail_before_commit=1)
    with pytest.raises(SyncFailed):
        stack.engine.post(item)
    (order,) = _order_numbers(emulator)
    return order


def test_changed_before_posting_replaces_the_stale_order(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stale = _leave_recorded_order(emulator, make_stack(), invoice("C-1"))
    corrected = invoice("C-1", lines=[line("Rådgivning", quantity="3"),
                                      line("Udlæg", price="200.00", item_number="1010",
                                           vat=False)])
    number = make_stack().engine.post(corrected).invoice_number
    assert _order_numbers(emulator) == [] and emulator.query("DebtorOrderLine") == []
    (posted,) = emulator.query("DebtorInvoice")
    assert str(posted["InvoiceNumber"]) == number and posted["OrderNumber"] != stale
    # 3 × 950 + 25 % VAT, plus 1.5 × 200 without VAT.
    assert amount(posted["TotalAmount"]) == amount(3 * 950 * 1.25 + 300)
    trans = emulator.query("InvTrans", InvoiceNumber=posted["InvoiceNumber"])
    assert sorted(x["Text"] for x in trans) == ["Rådgivning", "Udlæg"]


def test_changed_after_a_lost_order_answer_removes_the_orphan(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    original = sync_stack.client.insert

    def lose_order_answer(type_name: str, rows: Any) -> list[dict[str, Any]]:
        result = original(type_name, rows)
        if type_name == "DebtorOrder":
            raise TransportError("connection reset", operation="POST Crud/DebtorOrder")
        return result

    sync_stack.client.insert = lose_order_answer  # type: ignore[method-assign]
    with pytest.raises(SyncFailed, match="connection reset"):
        sync_stack.engine.post(invoice("C-1"))
    del sync_stack.client.insert
    (orphan,) = _order_numbers(emulator)  # made, but the engine never heard of it
    sync_stack.engine.post(invoice("C-1", lines=[line(quantity="4")]))
    assert _order_numbers(emulator) == []
    (posted,) = emulator.query("DebtorInvoice")
    assert posted["OrderNumber"] != orphan and amount(posted["NetAmount"]) == amount(3800)
    steps = [e["step"] for e in sync_stack.log.entries("C-1")]
    assert "orphan_order_removed" in steps


def test_a_crash_between_posting_and_archiving_archives_on_the_next_run(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    first = make_stack()

    def crash(*_: Any, **__: Any) -> None:
        raise Crash("killed before the archive write")

    first.archive.put = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        first.issuer().issue(invoice("A-1"))
    (record,) = first.ledger.all("revisorhuset")
    assert record.state.value == "posted"

    second = make_stack()
    issued = second.issuer().issue(invoice("A-1"))
    assert issued.invoice_number == record.invoice_number and not issued.already_issued
    assert invoices_by_marker(emulator) == {"A-1": [int(record.invoice_number or 0)]}
    assert second.labels() == []  # the posting was known: Uniconta was not asked again
    (record,) = second.ledger.all("revisorhuset")
    assert record.state.value == "archived"
    assert second.archive.find_by_source_id("revisorhuset", "A-1") is not None


def test_a_lost_employee_insert_answer_does_not_block_later_invoices(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    original = sync_stack.client.insert

    def lose_employee_answer(type_name: str, rows: Any) -> list[dict[str, Any]]:
        result = original(type_name, rows)
        if type_name == "Employee":
            raise TransportError("connection reset", operation="POST Crud/Employee")
        return result

    sync_stack.client.insert = lose_employee_answer  # type: ignore[method-assign]
    employee = {"number": "JD", "name": "Jens Dahl"}
    with pytest.raises(SyncFailed):
        sync_stack.engine.post(invoice("E-1", internal_reference=employee))
    del sync_stack.client.insert
    # Same process (same caches): the employee now exists in Uniconta; both invoices post.
    sync_stack.engine.post(invoice("E-1", internal_reference=employee))
    sync_stack.engine.post(invoice("E-2", internal_reference=employee))
    assert set(invoices_by_marker(emulator)) == {"E-1", "E-2"}
    assert [r["Number"] for r in emulator.query("Employee", Number="JD")] == ["JD"]


def test_an_orphan_order_is_found_even_when_the_corrected_invoice_has_another_customer(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    original = sync_stack.client.insert

    def lose_order_answer(type_name: str, rows: Any) -> list[dict[str, Any]]:
        result = original(type_name, rows)
        if type_name == "DebtorOrder":
            raise TransportError("connection reset", operation="POST Crud/DebtorOrder")
        return result

    sync_stack.client.insert = lose_order_answer  # type: ignore[method-assign]
    with pytest.raises(SyncFailed):
        sync_stack.engine.post(invoice("C-1"))
    del sync_stack.client.insert
    assert len(_order_numbers(emulator)) == 1
    # The invoice was for the wrong customer: corrected in the source, then synced again.
    sync_stack.engine.post(invoice("C-1", customer_data=customer("1002")))
    assert _order_numbers(emulator) == []
    assert [r["Account"] for r in emulator.query("DebtorInvoice")] == ["1002"]
