"""Response bodies, for the handlers and the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel

from archive import ArchiveEntry


class IssuedOut(BaseModel):
    """`POST /v1/invoices`: the issued invoice's number and archive entry."""

    invoice_number: str
    already_issued: bool
    entry: ArchiveEntry
    pdf_url: str
    meta_url: str


class ArchiveListOut(BaseModel):
    """`GET /v1/archive`: a page of archive entries, newest issue date first."""

    items: list[ArchiveEntry]
    limit: int
    offset: int


class BatchAccepted(BaseModel):
    """`POST /v1/batches`: the batch was accepted and is queued."""

    id: str
    status: str
    total: int
    status_url: str
    pdf_url: str


class Health(BaseModel):
    status: str
    tenants: int
