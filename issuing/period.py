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


def to_csv(period: Period, rows: Iterable[ArchiveEntry] | None = None, *,
           spreadsheet: str | None = None) -> str:
    """The period as CSV, one row per invoice in number order, credit notes negative: comma-
    separated with amounts like 1250.00 (the API's). `spreadsheet` ("da" or "en") makes the
    file a spreadsheet opens right in that language: a byte-order mark (else Excel reads the
    UTF-8 of "æøå" as another code page) and the FI line as text (a cell starting with "+" is
    a formula there); for "da" semicolons and decimal commas, as Danish Excel's list
    separator and decimal sign are (a comma-separated file opens in one column there)."""
    danish = spreadsheet == "da"
    out = io.StringIO()
    if spreadsheet:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if danish else ",", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in rows if rows is not None else period.entries:
        gross = f"{entry.signed_total:.2f}"
        fik_line = entry.fik_line or ""
        writer.writerow([entry.invoice_number, entry.document_type,
                         entry.issue_date.isoformat(), entry.customer_number,
                         _cell(entry.customer_name), entry.currency_code,
                         gross.replace(".", ",") if danish else gross,
                         period.status_of(entry.invoice_number),
                         _cell(fik_line) if spreadsheet else fik_line])
    return out.getvalue()


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
