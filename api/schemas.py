"""Response bodies, for the handlers and the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
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


class PeriodTotals(BaseModel):
    """The totals of the invoices a filter selects, in one currency (credit notes negative)."""

    currency: str
    count: int
    net: Decimal
    vat: Decimal
    gross: Decimal


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
    """`GET /v1/archive`: a page of archive entries, newest issue date first (or in number
    order); a credit note's `total_amount` is negative. With a status filter, number order or
    totals asked for, also how many match, each listed entry's payment status and the
    period's totals."""

    items: list[ArchiveListItem]
    limit: int
    offset: int
    count: int | None = None
    statuses: dict[str, str] | None = None
    totals: list[PeriodTotals] | None = None
    uncomputed: list[str] | None = None


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


class BatchFailure(BaseModel):
    """One invoice a batch could not issue: its place in the batch, name and errors."""

    index: int
    name: str
    source_id: str | None = None
    errors: list[dict[str, str]]


class BatchSummary(BaseModel):
    """One past or running batch: its counts and its failures."""

    id: str
    status: str
    created_at: datetime
    finished_at: datetime | None = None
    total: int
    done: int
    issued: int
    already_issued: int
    failed: int
    error: str | None = None
    failures: list[BatchFailure]
    status_url: str


class BatchListOut(BaseModel):
    """`GET /v1/batches`: the tenant's batches still kept, newest first."""

    items: list[BatchSummary]
    limit: int
    offset: int
    total: int
