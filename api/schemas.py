"""Response bodies, for the handlers and the OpenAPI document."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, field_serializer

from archive import ArchiveEntry


class IssuedOut(BaseModel):
    """`POST /v1/invoices`: the issued invoice's number and archive entry."""

    invoice_number: str
    already_issued: bool
    entry: ArchiveEntry
    pdf_url: str
    meta_url: str


class ArchiveListItem(ArchiveEntry):
    """An archive entry as a listing states it: `total_amount` is negative for a credit note,
    so the amounts of a period add up to what was invoiced in it."""

    @field_serializer("total_amount")
    def _signed(self, total: Decimal) -> Decimal:
        return self.signed_total

    @classmethod
    def of(cls, entry: ArchiveEntry) -> ArchiveListItem:
        return cls.model_validate(entry.model_dump())


class ArchiveListOut(BaseModel):
    """`GET /v1/archive`: a page of archive entries, newest issue date first; a credit note's
    `total_amount` is negative."""

    items: list[ArchiveListItem]
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
