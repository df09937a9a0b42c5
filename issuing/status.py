"""Follow payments: read the debtors' open items from Uniconta and give every archived
invoice its payment status (`faktura.payment`), kept in `delivery.payments`.

One `DebtorTransOpen` query per refresh, over either transport (the gateway's `Query` or the
documented REST API's `DebtorTransOpenClient`): the ledger is the truth. Credit notes are
matched to the invoice they credit through their archived invoice JSON. One refresh at a time
per tenant, wherever it runs (`PaymentStatusStore.refreshing`); `refresh_if_due` is the
background's: it leaves the statuses alone when another process read them recently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from archive import ArchiveEntry, ArchiveStore
from delivery.payments import PaymentStatusStore, StatusRecord
from faktura.model import Invoice
from faktura.payment import payment_status
from faktura.settings import Settings
from issuing.period import select as select_period
from sync.uniconta.wire import field as wire_field
from sync.uniconta.wire import parse_wire_date, to_decimal



@dataclass(frozen=True)
class OpenItem:
    invoice_number: str
    amount_open: Decimal  # in the invoice currency
    due_date: date | None


def open_items(client: Any) -> dict[str, OpenItem]:
    """Every open debtor item in Uniconta, by invoice number (one call)."""
    out: dict[str, OpenItem] = {}
    for row in client.query("DebtorTransOpen"):
        number = wire_field(row, "Invoice")
        amount = to_decimal(wire_field(row, "AmountOpenCur"))
        if amount is None:
            amount = to_decimal(wire_field(row, "AmountOpen"))
        if not number or amount is None:
            continue
        key = str(number)
        known = out.get(key)
        total = amount + (known.amount_open if known else 0)
        out[key] = OpenItem(key, total, parse_wire_date(wire_field(row, "DueDate")))
    return out


def refresh_statuses(settings: Settings, archive: ArchiveStore, store: PaymentStatusStore,
                     client: Any, *, today: date | None = None) -> list[StatusRecord]:
    """Read the open items and record every archived invoice's status (after a refresh
    running elsewhere has ended); the records."""
    with store.refreshing(settings.tenant):
        return _refresh(settings, archive, store, client, today)


def refresh_if_due(settings: Settings, archive: ArchiveStore, store: PaymentStatusStore,
                   client: Any, *, min_age: float, wait: bool = False
                   ) -> list[StatusRecord] | None:
    """`refresh_statuses`, unless the statuses were read less than `min_age` seconds ago
    (by any process) or, without `wait`, another refresh is running; None when left alone."""
    with store.refreshing(settings.tenant, wait=wait) as held:
        last = store.last_checked(settings.tenant) if held else None
        if not held or (last is not None and
                        (datetime.now(UTC) - last).total_seconds() < min_age):
            return None
        return _refresh(settings, archive, store, client, None)


def _refresh(settings: Settings, archive: ArchiveStore, store: PaymentStatusStore,
             client: Any, today: date | None) -> list[StatusRecord]:
    today = today or datetime.now(UTC).date()
    tenant = settings.tenant
    items = open_items(client)
    entries: list[ArchiveEntry] = select_period(archive, None, tenant).entries
    credited: dict[str, Decimal] = {}
    for entry in entries:
        if entry.document_type == "credit_note":
            invoice = Invoice.model_validate_json(
                archive.invoice_json(tenant, entry.invoice_number))
            if invoice.preceding_invoice_reference:
                ref = invoice.preceding_invoice_reference
                credited[ref] = credited.get(ref, Decimal(0)) + abs(entry.total_amount)
    now = datetime.now(UTC)
    records = []
    for entry in entries:
        item = items.get(entry.invoice_number)
        total = entry.total_amount
        if entry.document_type == "credit_note":
            total = -abs(total)
        status = payment_status(
            total=total, amount_open=item.amount_open if item else None,
            due_date=item.due_date if item else None, today=today,
            credited=credited.get(entry.invoice_number, Decimal(0)))
        records.append(StatusRecord(entry.invoice_number, status,
                                    item.amount_open if item else None,
                                    item.due_date if item else None, now))
    store.save(tenant, records)
    return records
