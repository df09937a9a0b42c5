"""The archive: an issued invoice's PDF exactly as sent, its e-invoice, its metadata, a search.

Every lookup is scoped to the caller's tenant; another tenant's invoice is simply not found.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import Tenant
from api.openapi import problem_doc
from api.schemas import ArchiveListOut
from archive import ArchiveEntry

router = APIRouter(tags=["archive"])

NUMBER_PATTERN = r"^[0-9A-Za-z-]{1,20}$"
InvoiceNumber = Annotated[str, Path(pattern=NUMBER_PATTERN, description="The invoice number")]
NOT_FOUND = {404: problem_doc("Not archived (for this tenant)")}


@router.get("/v1/archive", response_model=ArchiveListOut)
def list_archive(
    services: Tenant,
    customer: Annotated[str | None, Query(max_length=64, description="Customer number")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="Issue date ≥")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Issue date ≤")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the customer name")]
    = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ArchiveListOut:
    """Archived invoices, newest issue date first; the filters combine."""
    items = services.archive.list(services.tenant, customer=customer, date_from=date_from,
                                  date_to=date_to, q=q, limit=limit, offset=offset)
    return ArchiveListOut(items=items, limit=limit, offset=offset)


@router.get("/v1/archive/{invoice_number}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND})
def get_pdf(invoice_number: InvoiceNumber, services: Tenant) -> Response:
    """The PDF exactly as issued (hash-checked against the archive's record)."""
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
            responses=NOT_FOUND)
def get_meta(invoice_number: InvoiceNumber, services: Tenant) -> ArchiveEntry:
    """What was recorded when the invoice was archived (hashes, totals, FIK line, ...)."""
    return services.archive.get(services.tenant, invoice_number)
