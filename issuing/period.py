"""A period of the archive: the invoices a filter selects, in number order, with their
payment status and the period's totals (net, VAT, gross per currency; credit notes negative).

Gross is what the archive recorded at issue. Net and VAT come from the domain's one
computation of the archived invoice (the same figures the PDF prints); an invoice whose
computation no longer gives its archived gross (the settings' VAT rate changed since) is
counted in gross only and named in `uncomputed`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from archive import ArchiveEntry, ArchiveStore
from delivery.payments import PaymentStatusStore, StatusRecord
from faktura.computed import compute
from faktura.model import Invoice
from faktura.settings import Settings

PAGE = 1000
STATUSES = ("open", "partly_paid", "paid", "overdue", "credited", "unknown")


def number_key(number: str) -> tuple[int, int | str]:
    """Invoice numbers in their order: numbers by value, then anything else by text."""
    return (0, int(number)) if number.isdigit() else (1, number)


def signed(entry: ArchiveEntry, amount: Decimal) -> Decimal:
    """An amount as a listing shows it: a credit note's negative."""
    return -abs(amount) if entry.document_type == "credit_note" else amount


@dataclass
class CurrencyTotals:
    currency: str
    count: int = 0
    net: Decimal = Decimal("0.00")
    vat: Decimal = Decimal("0.00")
    gross: Decimal = Decimal("0.00")


@dataclass
class Period:
    entries: list[ArchiveEntry]
    statuses: dict[str, StatusRecord]
    totals: list[CurrencyTotals] = field(default_factory=list)
    uncomputed: list[str] = field(default_factory=list)

    def status_of(self, number: str) -> str:
        record = self.statuses.get(number)
        return str(record.status) if record else "unknown"


def select(archive: ArchiveStore, statuses: PaymentStatusStore | None, tenant: str, *,
           customer: str | None = None, date_from: date | None = None,
           date_to: date | None = None, q: str | None = None,
           status: str | None = None) -> Period:
    """Every entry the filters select, in number order, with what is known of its status."""
    found: list[ArchiveEntry] = []
    offset = 0
    while True:
        page = archive.list(tenant, customer=customer, date_from=date_from, date_to=date_to,
                            q=q, limit=PAGE, offset=offset)
        found.extend(page)
        if len(page) < PAGE:
            break
        offset += PAGE
    known = statuses.of(tenant, [e.invoice_number for e in found]) if statuses and found \
        else {}
    period = Period(sorted(found, key=lambda e: number_key(e.invoice_number)), known)
    if status is not None:
        period.entries = [e for e in period.entries if period.status_of(e.invoice_number)
                          == status]
    return period


def add_totals(period: Period, archive: ArchiveStore, settings: Settings) -> Period:
    """The period's totals per currency (net, VAT, gross; credit notes negative)."""
    by_currency: dict[str, CurrencyTotals] = {}
    for entry in period.entries:
        totals = by_currency.setdefault(entry.currency_code,
                                        CurrencyTotals(entry.currency_code))
        totals.count += 1
        totals.gross += entry.signed_total
        invoice = Invoice.model_validate_json(
            archive.invoice_json(entry.tenant, entry.invoice_number))
        computed = compute(invoice, settings).totals
        if computed.total_with_vat != abs(entry.total_amount):
            period.uncomputed.append(entry.invoice_number)
            continue
        totals.net += signed(entry, computed.line_total)
        totals.vat += signed(entry, computed.vat_amount)
    period.totals = sorted(by_currency.values(), key=lambda t: t.currency)
    return period


CSV_COLUMNS = ("invoice_number", "document_type", "issue_date", "customer_number",
               "customer_name", "currency", "gross", "status", "fik_line")


def to_csv(period: Period, rows: Iterable[ArchiveEntry] | None = None) -> str:
    """The period as CSV (UTF-8, comma-separated, amounts with a point, credit notes
    negative), one row per invoice in number order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in rows if rows is not None else period.entries:
        writer.writerow([entry.invoice_number, entry.document_type,
                         entry.issue_date.isoformat(), entry.customer_number,
                         _cell(entry.customer_name), entry.currency_code,
                         f"{entry.signed_total:.2f}",
                         period.status_of(entry.invoice_number), entry.fik_line or ""])
    return out.getvalue()


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
