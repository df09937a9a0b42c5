"""The archive: an issued invoice's PDF exactly as sent, its e-invoice, its metadata, a search.

Every lookup is scoped to the caller's tenant; another tenant's invoice is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import Tenant
from api.openapi import problem_doc, problems
from api.schemas import ArchiveListItem, ArchiveListOut, PeriodTotals
from api.tenants import TenantServices
from archive import ArchiveEntry
from faktura.model import InvoiceDate
from issuing.bootstrap import open_status_store
from issuing.period import Period, add_totals, to_csv
from issuing.period import select as select_period

PaymentFilter = Literal["open", "partly_paid", "paid", "overdue", "credited", "unknown"]

router = APIRouter(tags=["archive"])

NUMBER_PATTERN = r"^[0-9A-Za-z-]{1,20}$"
#: The largest `offset` of a page: far more entries than an archive holds, far below what the
#: database's 64-bit integers take.
MAX_OFFSET = 1_000_000_000
InvoiceNumber = Annotated[str, Path(pattern=NUMBER_PATTERN, description="The invoice number")]
NOT_FOUND = {404: problem_doc("Not archived (for this tenant)"), **problems(422)}


@dataclass(frozen=True)
class ArchiveFilter:
    """What a period view of the archive selects (the filters combine; None: any)."""

    customer: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    status: str | None = None


def query_period(services: TenantServices, filters: ArchiveFilter, *,
                 totals: bool) -> Period:
    """The entries the filters select, in number order, with their payment status and (with
    `totals`) the period's totals: the one query behind `GET /v1/archive` and the page."""
    archive = services.archive
    with open_status_store(services.settings) as statuses:
        period = select_period(archive, statuses, services.tenant, customer=filters.customer,
                               date_from=filters.date_from, date_to=filters.date_to,
                               q=filters.q, status=filters.status)
    return add_totals(period, archive, services.settings) if totals else period


@router.get("/v1/archive", response_model=ArchiveListOut, summary="Search the archive",
            responses={200: {"description": "A page of entries (JSON), or every entry the"
                             " filters select (CSV)",
                             "content": {"text/csv": {}}}, **problems(422)})
def list_archive(
    services: Tenant,
    customer: Annotated[str | None, Query(max_length=64,
                                          description="Customer number")] = None,
    date_from: Annotated[InvoiceDate | None, Query(alias="from", description="Issue date ≥")]
    = None,
    date_to: Annotated[InvoiceDate | None, Query(alias="to", description="Issue date ≤")]
    = None,
    q: Annotated[str | None, Query(max_length=200,
                                   description="Text in the customer name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many entries")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many entries")]
    = 0,
    status: Annotated[PaymentFilter | None, Query(
        description="Payment status as last read from Uniconta (by the server every"
        " `uniconta.status_interval` seconds and after its webhook, or `faktura status"
        " --refresh`);"
        " unknown: never read")] = None,
    order: Annotated[Literal["date", "number"], Query(
        description="date: newest issue date first; number: invoice numbers in order")]
    = "date",
    totals: Annotated[bool, Query(
        description="Add the period's totals per currency (net, VAT, gross; credit notes"
        " negative) over every entry the filters select")] = False,
    format: Annotated[Literal["json", "csv"], Query(
        description="csv: every entry the filters select, in number order, as CSV")]
    = "json",
) -> Any:
    """Archived invoices, newest issue date first; the filters combine. A credit note's
    `total_amount` is negative here, so a period's amounts add up."""
    archive, tenant = services.archive, services.tenant
    if status is None and order == "date" and not totals and format == "json":
        items = archive.list(tenant, customer=customer, date_from=date_from,
                             date_to=date_to, q=q, limit=limit, offset=offset)
        return ArchiveListOut(items=[ArchiveListItem.of(item) for item in items],
                              limit=limit, offset=offset)
    period = query_period(services, ArchiveFilter(customer, date_from, date_to, q, status),
                          totals=totals and format == "json")
    if format == "csv":
        return Response(to_csv(period), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="archive.csv"'})
    entries = period.entries if order == "number" else sorted(
        period.entries, key=lambda e: (e.issue_date, e.invoice_number), reverse=True)
    page = entries[offset:offset + limit]
    return ArchiveListOut(
        items=[ArchiveListItem.of(item) for item in page], limit=limit, offset=offset,
        count=len(entries),
        statuses={e.invoice_number: period.status_of(e.invoice_number) for e in page},
        totals=[PeriodTotals(currency=t.currency, count=t.count, net=t.net, vat=t.vat,
                             gross=t.gross) for t in period.totals] if totals else None,
        uncomputed=period.uncomputed if totals else None)


@router.get("/v1/archive/{invoice_number}", response_class=Response,
            summary="An issued invoice's PDF",
            responses={200: {"description": "The PDF exactly as issued",
                             "content": {"application/pdf": {}}},
                       404: problem_doc("Not archived (for this tenant), or in Uniconta's own"
                                        " layout and archived without its PDF (`no-pdf-kept`:"
                                        " its e-invoice and record are at `/xml` and `/meta`)"),
                       **problems(422)})
def get_pdf(invoice_number: InvoiceNumber, services: Tenant) -> Response:
    """The PDF exactly as issued (hash-checked against the archive's record). An invoice in
    Uniconta's own layout issued over Uniconta's REST API has none here (`pdf_sha256` null in
    its record): the PDF is Uniconta's."""
    archive = services.archive
    entry = archive.get(services.tenant, invoice_number)
    pdf = archive.pdf(services.tenant, invoice_number)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{invoice_number}.pdf"',
        "ETag": f'"{entry.pdf_sha256}"',
        "Cache-Control": "private, max-age=31536000, immutable"})


@router.get("/v1/archive/{invoice_number}/xml", response_class=Response,
            responses={200: {"description": "The e-invoice (OIOUBL 2.1 or Peppol BIS 3)",
                             "content": {"application/xml": {}}},
                       404: problem_doc("Not archived (for this tenant), or archived without"
                                        " an e-invoice")})
def get_xml(invoice_number: InvoiceNumber, services: Tenant) -> Response:
    """The e-invoice XML exactly as issued (the one embedded in the PDF), hash-checked; its
    format is in the metadata (`xml_format`)."""
    archive = services.archive
    entry = archive.get(services.tenant, invoice_number)
    xml = archive.xml(services.tenant, invoice_number)
    return Response(xml, media_type="application/xml", headers={
        "Content-Disposition":
            f'inline; filename="{invoice_number}-{entry.xml_format}.xml"',
        "ETag": f'"{entry.xml_sha256}"',
        "Cache-Control": "private, max-age=31536000, immutable"})


@router.get("/v1/archive/{invoice_number}/meta", response_model=ArchiveEntry,
            summary="An issued invoice's archive record", responses=NOT_FOUND)
def get_meta(invoice_number: InvoiceNumber, services: Tenant) -> ArchiveEntry:
    """What was recorded when the invoice was archived (hashes, totals, FIK line, ...)."""
    return services.archive.get(services.tenant, invoice_number)
