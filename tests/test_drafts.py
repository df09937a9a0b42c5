"""Drafts mode (the TimeLog guide's "invoices are transferred as drafts") over REAL
HTTP against the emulator: an order with lines, not booked, exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from faktura.errors import ContentChanged
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from sync.emulator import fixtures
from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncEngine, SyncFailed
from sync.posting.ledger import Ledger, State
from sync.posting.log import SyncLog
from sync.uniconta.gateway import GatewayClient, RetryPolicy

REPO = Path(__file__).resolve().parents[1]
FAST = RetryPolicy(max_attempts=2, base_delay=0.0, jitter=0.0)
MakeEngine = Callable[..., SyncEngine]


def make_settings(emulator: EmulatorHandle, tmp: Path, **uniconta: Any) -> Settings:
    base = load_settings(REPO / "samples" / "settings.toml")
    return base.model_copy(update={
        "state_dir": tmp / "state", "archive_dir": tmp / "archive",
        "uniconta": base.uniconta.model_copy(update={
            "gateway_url": emulator.base_url, "post_as_drafts": True, **uniconta}),
    })


@pytest.fixture
def make_engine(emulator: EmulatorHandle, tmp_path: Path) -> Iterator[MakeEngine]:
    """Each call is a new run: new client and engine, the same ledger file."""
    with ExitStack() as stack:

        def make(**uniconta: Any) -> SyncEngine:
            settings = make_settings(emulator, tmp_path, **uniconta)
            client = stack.enter_context(GatewayClient(
                emulator.base_url, emulator.login, emulator.password, fixtures.COMPANY_NAME,
                retry=FAST))
            ledger = Ledger(settings.state_dir / "ledger.sqlite")
            stack.callback(ledger.close)
            return SyncEngine(client, ledger, settings,
                              SyncLog(settings.state_dir / "sync-log.jsonl", settings.tenant))

        yield make


def invoice(source_id: str = "TL-1", text: str = "Rådgivning", **fields: Any) -> Invoice:
    return parse_invoice({
        "source_id": source_id, "issue_date": "2026-03-02",
        "customer": {"customer_number": "1001", "name": "Kunde 1001 ApS"},
        "lines": [{"item_number": "1000", "text": text, "quantity": "2", "unit": "timer",
                   "unit_price": "950"},
                  {"text": "Overskrift"},
                  {"item_number": "1010", "text": "Uden moms", "quantity": "1",
                   "unit_price": "500", "vat": False}],
        **fields,
    })


def test_a_draft_is_created_once(emulator: EmulatorHandle, make_engine: MakeEngine) -> None:
    engine = make_engine()
    order = engine.transfer_draft(invoice())
    lines = emulator.query("DebtorOrderLine", OrderNumber=str(order))
    assert [line["Text"] for line in lines] == ["Rådgivning", "Overskrift", "Uden moms"]
    record = engine.ledger.get(engine.tenant, "TL-1")
    assert record is not None
    assert (record.state, record.order_number, record.invoice_number) == (
        State.DRAFTED, order, None)

    assert engine.transfer_draft(invoice()) == order  # the same run again
    again = make_engine()  # a new run
    before = again.client.stats.snapshot()
    assert again.transfer_draft(invoice()) == order
    assert again.client.stats.since(before) == {}  # answered from the ledger
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == [order]
    assert emulator.query("DebtorInvoice") == []


def test_draft_with_a_project_gets_the_default_category(
        emulator: EmulatorHandle, make_engine: MakeEngine) -> None:
    order = make_engine().transfer_draft(invoice(project={"number": "P-7", "name": "Revision"}))
    row = emulator.query("DebtorOrder", OrderNumber=str(order))[0]
    assert (row["Project"], row["PrCategory"]) == ("P-7", "ACONTO")
    lines = emulator.query("DebtorOrderLine", OrderNumber=str(order))
    assert {line["PrCategory"] for line in lines if line["Item"]} == {"ACONTO"}
    # Configured category wins.
    other = make_engine(project_category="SALG").transfer_draft(
        invoice("TL-2", project={"number": "P-7", "name": "Revision"}))
    assert emulator.query("DebtorOrder", OrderNumber=str(other))[0]["PrCategory"] == "SALG"


def test_resume_after_a_crash_never_leaves_two_orders(
        emulator: EmulatorHandle, make_engine: MakeEngine) -> None:
    engine = make_engine()
    first = engine.transfer_draft(invoice())
    # Crash after the order, before its lines: the ledger says order_created.
    emulator.client.delete(f"{emulator.company_url}/Crud/DebtorOrderLine",
                           params={"filter.OrderNumber": str(first), "limit": 100})
    engine.ledger.advance(engine.tenant, "TL-1", State.ORDER_CREATED, order_number=first)
    second = make_engine().transfer_draft(invoice())
    assert second != first
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == [second]
    assert len(emulator.query("DebtorOrderLine", OrderNumber=str(second))) == 3
    # The order's creation answer was lost: the ledger has no order, Uniconta has one.
    engine.ledger.advance(engine.tenant, "TL-1", State.VALIDATED, order_number=None)
    third = make_engine().transfer_draft(invoice())
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == [third]
    assert emulator.query("DebtorInvoice") == []


def test_changed_after_drafting_is_refused(make_engine: MakeEngine) -> None:
    engine = make_engine()
    engine.transfer_draft(invoice())
    with pytest.raises(ContentChanged, match="has changed since"):
        engine.transfer_draft(invoice(text="Rådgivning, rettet"))


def test_posting_mode_books_the_drafted_order_not_a_new_one(
        emulator: EmulatorHandle, make_engine: MakeEngine) -> None:
    order = make_engine().transfer_draft(invoice())
    posting = make_engine(post_as_drafts=False).post(invoice())
    booked = emulator.query("DebtorInvoice")
    assert [(int(b["InvoiceNumber"]), b["OrderNumber"]) for b in booked] == [
        (int(posting.invoice_number), order)]
    with pytest.raises(SyncFailed, match="already posted"):
        make_engine().transfer_draft(invoice())


def test_a_draft_booked_in_uniconta_is_found_not_booked_again(
        emulator: EmulatorHandle, make_engine: MakeEngine) -> None:
    order = make_engine().transfer_draft(invoice())
    response = emulator.post_invoice(order)  # the bookkeeper books the draft in Uniconta
    assert response.status_code == 200, response.text
    posting = make_engine(post_as_drafts=False).post(invoice())
    booked = emulator.query("DebtorInvoice")
    assert len(booked) == 1 and str(booked[0]["InvoiceNumber"]) == posting.invoice_number
