"""Invoice balancing: what this product issued against what Uniconta has booked.

*Ours* are the invoices in the archive (number, customer, date, currency, net, VAT, total;
net and VAT computed (`faktura.computed`) from the archived invoice JSON, the total as
archived), plus invoices
the posting ledger knows as posted but that were never archived (number and customer only).
*Theirs* are Uniconta's `DebtorInvoice` rows dated in the period (one query).

`balance(ours, theirs)` is pure: it pairs invoices by number and reports

* matched — every compared field equal (amounts to the øre);
* booked, not archived — posted to Uniconta by this product, but no PDF archived (a crash
  between, or Uniconta booked other figures than computed: the ledger's flag says which);
* differing — per invoice, each field that differs with both values;
* missing in Uniconta — issued here, not booked there;
* missing here — booked in Uniconta, not issued by this product (an invoice made in
  Uniconta by hand, or a draft of ours booked there: those are recognised by order number
  from the ledger and reported as `booked_drafts` instead);
* changed in Uniconta — issued from a booking whose bookkeeper changed the draft made here
  (the booking is the invoice; what changed against the source is listed, informational);
  a booking that could not be issued is reported as booked, not archived, with its reason.

Amounts are signed as Uniconta books them: a credit note's amounts are negative.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from archive import ArchiveStore
from faktura.computed import compute
from faktura.errors import FakturaError
from faktura.model import Invoice
from faktura.money import round_ore
from faktura.settings import Settings
from sync.posting.bookings import BookingRecord, Bookings, BookingState
from sync.posting.ledger import LEDGER_FILE, Ledger, State
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.wire import between, byte_to_currency_code, parse_wire_date, to_decimal
from sync.uniconta.wire import field as wire_field


class BalanceFailed(FakturaError):
    """Balancing cannot be done as asked (e.g. an empty period)."""


COMPARED = ("customer", "date", "currency", "net", "vat", "total")
_PAGE = 1000


@dataclass(frozen=True)
class BalanceInvoice:
    """One invoice on either side. `None` means "not known on this side" (not compared)."""

    number: str | None
    customer: str | None = None
    date: dt.date | None = None
    currency: str | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    order_number: int | None = None
    note: str | None = None
    archived: bool = True  # False: the ledger knows it as booked, the archive has no PDF


@dataclass(frozen=True)
class Difference:
    number: str
    field: str
    ours: Any
    theirs: Any


@dataclass
class BalanceReport:
    matched: list[str] = field(default_factory=list)
    differing: list[Difference] = field(default_factory=list)
    missing_in_uniconta: list[BalanceInvoice] = field(default_factory=list)
    missing_here: list[BalanceInvoice] = field(default_factory=list)
    booked_drafts: list[BalanceInvoice] = field(default_factory=list)
    booked_not_archived: list[BalanceInvoice] = field(default_factory=list)
    changed_in_uniconta: list[Difference] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not (self.differing or self.missing_in_uniconta or self.missing_here
                    or self.booked_not_archived)

    def as_dict(self) -> dict[str, Any]:
        return {
            "balanced": self.balanced,
            "matched": self.matched,
            "differing": [_plain(asdict(d)) for d in self.differing],
            "missing_in_uniconta": [_plain(asdict(i)) for i in self.missing_in_uniconta],
            "missing_here": [_plain(asdict(i)) for i in self.missing_here],
            "booked_drafts": [_plain(asdict(i)) for i in self.booked_drafts],
            "booked_not_archived": [_plain(asdict(i)) for i in self.booked_not_archived],
            "changed_in_uniconta": [_plain(asdict(d)) for d in self.changed_in_uniconta],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(name: str, ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return True
    if name in ("net", "vat", "total"):
        return round_ore(ours) == round_ore(theirs)
    if name in ("customer", "currency"):
        return str(ours).strip().upper() == str(theirs).strip().upper()
    return bool(ours == theirs)


def balance(ours: Iterable[BalanceInvoice], theirs: Iterable[BalanceInvoice]) -> BalanceReport:
    """Compare the two sides by invoice number (pure: no I/O)."""
    report = BalanceReport()
    theirs_by_number = {t.number: t for t in theirs if t.number}
    drafts = {o.order_number: o for o in ours if o.number is None and o.order_number}
    seen: set[str] = set()
    for mine in sorted((o for o in ours if o.number), key=lambda o: _number_key(o.number)):
        assert mine.number is not None
        if mine.number in seen:
            continue
        seen.add(mine.number)
        other = theirs_by_number.get(mine.number)
        if not mine.archived:
            report.booked_not_archived.append(mine)
            continue
        if other is None:
            report.missing_in_uniconta.append(mine)
            continue
        diffs = [Difference(mine.number, name, getattr(mine, name), getattr(other, name))
                 for name in COMPARED
                 if not _same(name, getattr(mine, name), getattr(other, name))]
        if diffs:
            report.differing.extend(diffs)
        else:
            report.matched.append(mine.number)
    for number in sorted(set(theirs_by_number) - seen, key=_number_key):
        other = theirs_by_number[number]
        if other.order_number in drafts:
            report.booked_drafts.append(other)
        else:
            report.missing_here.append(other)
    return report


def _number_key(number: str | None) -> tuple[int, str]:
    text = number or ""
    return (int(text), "") if text.isdigit() else (0, text)


# --------------------------------------------------------------------------- the two sides


def theirs_from_uniconta(client: GatewayClient, start: dt.date,
                         end: dt.date) -> list[BalanceInvoice]:
    """Uniconta's booked invoices dated `start`..`end` (one `DebtorInvoice` query)."""
    rows = client.query("DebtorInvoice", Date=between(start, end))
    out = []
    for row in rows:
        currency = wire_field(row, "Currency")
        if isinstance(currency, int) and not isinstance(currency, bool):
            currency = byte_to_currency_code(currency)
        order = wire_field(row, "OrderNumber")
        out.append(BalanceInvoice(
            number=str(wire_field(row, "InvoiceNumber")),
            customer=str(wire_field(row, "Account") or "") or None,
            date=parse_wire_date(wire_field(row, "Date")),
            currency=currency or None,
            net=to_decimal(wire_field(row, "NetAmount")),
            vat=to_decimal(wire_field(row, "VatAmount")),
            total=to_decimal(wire_field(row, "TotalAmount")),
            order_number=int(order) if order else None,
        ))
    return out


def ours_from_archive(archive: ArchiveStore, ledger: Ledger, settings: Settings,
                      start: dt.date, end: dt.date) -> list[BalanceInvoice]:
    """The invoices this product issued in the period (archive), plus what the ledger knows:
    posted-but-not-archived invoices (number and customer) and drafts (order number)."""
    tenant = settings.tenant
    out: list[BalanceInvoice] = []
    offset = 0
    while True:
        page = archive.list(tenant, date_from=start, date_to=end, limit=_PAGE, offset=offset)
        for entry in page:
            invoice = Invoice.model_validate_json(
                archive.invoice_json(tenant, entry.invoice_number))
            totals = compute(invoice, settings).totals
            sign = -1 if invoice.is_credit_note else 1
            out.append(BalanceInvoice(
                number=entry.invoice_number,
                customer=entry.customer_number,
                date=entry.issue_date,
                currency=entry.currency_code,
                net=sign * totals.line_total,
                vat=sign * totals.vat_amount,
                total=sign * entry.total_amount,
            ))
        if len(page) < _PAGE:
            break
        offset += _PAGE
    archived = {o.number for o in out}
    for record in ledger.all(tenant):
        if (record.state == State.POSTED and record.invoice_number
                and record.invoice_number not in archived):
            out.append(BalanceInvoice(number=record.invoice_number,
                                      customer=record.customer_number,
                                      order_number=record.order_number,
                                      note=record.mismatch or "posted, not archived",
                                      archived=False))
        elif record.state == State.DRAFTED and record.order_number:
            out.append(BalanceInvoice(number=None, customer=record.customer_number,
                                      order_number=record.order_number, note="draft"))
    return out


def in_period(ours: Sequence[BalanceInvoice], theirs: Sequence[BalanceInvoice]
              ) -> list[BalanceInvoice]:
    """Ours without a date (ledger-only) are kept only when Uniconta dates them in the period."""
    numbers = {t.number for t in theirs}
    return [o for o in ours if o.date is not None or o.number is None or o.number in numbers]


def balance_for_period(settings: Settings, start: dt.date, end: dt.date) -> BalanceReport:
    """Collect both sides for the settings' tenant and compare them: `faktura balance` and,
    later, `GET /v1/balance?from=&to=`. One Uniconta call (plus the company lookup)."""
    from issuing.bootstrap import open_archive, open_gateway

    if start > end:
        raise BalanceFailed(f"empty period: from {start} is after to {end}")
    ledger = Ledger(settings.database(LEDGER_FILE))
    bookings = Bookings(settings.database(LEDGER_FILE))
    archive = open_archive(settings)
    try:
        ours = ours_from_archive(archive, ledger, settings, start, end)
        booked = bookings.all(settings.tenant)
    finally:
        archive.close()
        ledger.close()
        bookings.close()
    with open_gateway(settings) as client:
        theirs = theirs_from_uniconta(client, start, end)
    return with_bookings(balance(in_period(ours, theirs), theirs), booked)


def with_bookings(report: BalanceReport, booked: Sequence[BookingRecord]) -> BalanceReport:
    """The report with what was learnt from bookings: what a bookkeeper changed against our
    draft (for the invoices in the report), and the booked invoices needing attention."""
    numbers = set(report.matched) | {d.number for d in report.differing}
    attention = {b.invoice_number: b for b in booked if b.state == BookingState.ATTENTION}
    for b in booked:
        if b.invoice_number in numbers and b.differences:
            report.changed_in_uniconta += [
                Difference(b.invoice_number, f"source {b.source_id}", "", change)
                for change in b.differences]
    for found_in in (report.missing_here, report.booked_drafts):
        for invoice in list(found_in):
            found = attention.get(invoice.number or "")
            if found is not None:
                found_in.remove(invoice)
                report.booked_not_archived.append(replace(
                    invoice, archived=False, note=f"needs attention: {found.reason}"))
    return report


# --------------------------------------------------------------------------- output


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def report_rows(report: BalanceReport) -> list[dict[str, str]]:
    """One flat row per finding (the CSV and the table): status, number, field, ours, theirs."""
    rows = [{"status": "matched", "number": n, "field": "", "ours": "", "theirs": ""}
            for n in report.matched]
    rows += [{"status": "differs", "number": d.number, "field": d.field,
              "ours": _shown(d.ours), "theirs": _shown(d.theirs)} for d in report.differing]
    rows += [{"status": "missing in Uniconta", "number": i.number or "", "field": "",
              "ours": _summary(i), "theirs": ""} for i in report.missing_in_uniconta]
    rows += [{"status": "missing here", "number": i.number or "", "field": "", "ours": "",
              "theirs": _summary(i)} for i in report.missing_here]
    rows += [{"status": "booked, not archived", "number": i.number or "", "field": "",
              "ours": i.note or "", "theirs": ""} for i in report.booked_not_archived]
    rows += [{"status": "booked from our draft", "number": i.number or "", "field": "",
              "ours": f"order {i.order_number}", "theirs": _summary(i)}
             for i in report.booked_drafts]
    rows += [{"status": "changed in Uniconta", "number": d.number, "field": d.field,
              "ours": "", "theirs": str(d.theirs)} for d in report.changed_in_uniconta]
    return rows


def _summary(invoice: BalanceInvoice) -> str:
    parts = [invoice.customer or "", _shown(invoice.date), invoice.currency or "",
             _money(invoice.total), invoice.note or ""]
    return " ".join(p for p in parts if p)


def to_json(report: BalanceReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)


def to_csv(report: BalanceReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["status", "number", "field", "ours", "theirs"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows(report))
    return buffer.getvalue()
