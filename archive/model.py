"""What the archive keeps with each issued invoice, and what a caller hands in.

Keys (tenant and invoice number) end up in file names, so they are checked strictly here and
again by the store: a key is never path-like.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from faktura.settings import EInvoiceFormat

INVOICE_NUMBER_RE = re.compile(r"[0-9A-Za-z-]{1,20}")
TENANT_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_SHA256_PATTERN = r"^[0-9a-f]{64}$"

DocumentType = Literal["invoice", "credit_note"]
Layout = Literal["clienttime", "uniconta"]
Sha256Hex = Annotated[str, Field(pattern=_SHA256_PATTERN)]


def check_invoice_number(value: object) -> str:
    """Return `value` if it is a valid invoice number, else raise a ValueError naming the field.

    Valid: 1–20 characters of 0-9, A-Z, a-z and '-'. Anything path-like (`../x`, `a/b`, `\\`)
    or empty is refused.
    """
    if not isinstance(value, str) or not INVOICE_NUMBER_RE.fullmatch(value):
        raise ValueError(
            f"invoice_number must be 1-20 characters of 0-9, A-Z, a-z and '-' (got {value!r})"
        )
    return value


def check_tenant(value: object) -> str:
    """Return `value` if it is a valid tenant slug, else raise a ValueError naming the field.

    Valid: 1–40 characters of a-z, 0-9, '-' and '_', starting with a letter or digit.
    """
    if not isinstance(value, str) or not TENANT_RE.fullmatch(value):
        raise ValueError(
            "tenant must be a slug of 1-40 characters a-z, 0-9, '-', '_' starting with a "
            f"letter or digit (got {value!r})"
        )
    return value


class ArchiveMetadata(BaseModel):
    """Fields the caller supplies for an issued invoice (shared by item and entry)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    invoice_number: str
    document_type: DocumentType
    issue_date: date
    customer_number: Annotated[str, Field(min_length=1, max_length=64)]
    customer_name: Annotated[str, Field(min_length=1, max_length=300)]
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    total_amount: Annotated[Decimal, Field(allow_inf_nan=False)]
    fik_line: Annotated[str, Field(max_length=100)] | None = None
    layout: Layout
    uniconta_invoice_number: int | None = None
    voucher: int | None = None
    journal_posted_id: int | None = None
    source_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    xml_format: EInvoiceFormat | None = None  # the e-invoice format's label; None: none

    @property
    def signed_total(self) -> Decimal:
        """The total as it counts in a sum over invoices: a credit note's is negative. (The
        record keeps what the document states: a credit note states what it credits as a
        positive amount, as in EN 16931.)"""
        return -self.total_amount if self.document_type == "credit_note" else self.total_amount

    @field_validator("tenant", mode="before")
    @classmethod
    def _tenant(cls, value: object) -> str:
        return check_tenant(value)

    @field_validator("invoice_number", mode="before")
    @classmethod
    def _invoice_number(cls, value: object) -> str:
        return check_invoice_number(value)


class NewArchiveItem(ArchiveMetadata):
    """An issued invoice handed to the archive: metadata, the exact PDF, the invoice JSON and,
    when one was made, the e-invoice XML (with its `xml_format`).

    `invoice_json` is stored byte for byte as its UTF-8 encoding; it must parse as JSON.
    `pdf` is None only for an invoice in Uniconta's own layout whose PDF cannot be read (over
    Uniconta's REST API): the archive then keeps the booked data and the e-invoice.
    """

    pdf: Annotated[bytes | None, Field(repr=False)]
    invoice_json: Annotated[str, Field(repr=False)]
    xml: Annotated[bytes | None, Field(repr=False)] = None

    @field_validator("pdf")
    @classmethod
    def _pdf(cls, value: bytes | None) -> bytes | None:
        if value is not None and not value.startswith(b"%PDF-"):
            raise ValueError("pdf must be a PDF document (bytes starting with %PDF-)")
        return value

    @field_validator("invoice_json")
    @classmethod
    def _invoice_json(cls, value: str) -> str:
        try:
            json.loads(value)
        except ValueError as exc:
            raise ValueError(f"invoice_json must be valid JSON text: {exc}") from None
        return value

    @field_validator("xml")
    @classmethod
    def _xml(cls, value: bytes | None) -> bytes | None:
        if value is not None and not value.lstrip().startswith(b"<"):
            raise ValueError("xml must be an XML document")
        return value

    @model_validator(mode="after")
    def _xml_has_a_format(self) -> NewArchiveItem:
        if (self.xml is None) != (self.xml_format is None):
            raise ValueError("xml and xml_format go together: give both or neither")
        if self.pdf is None and self.layout != "uniconta":
            raise ValueError("pdf: an invoice in the ClientTime layout is archived with its PDF")
        return self

    def metadata(self) -> dict[str, object]:
        """The metadata fields only (no document content)."""
        return self.model_dump(exclude={"pdf", "invoice_json", "xml"})


class ArchiveEntry(ArchiveMetadata):
    """What is stored with each issued invoice: its metadata plus hashes of the stored files.

    `pdf_sha256` and `pdf_size` are None for an invoice in Uniconta's layout archived without
    its PDF (`pdf_kept` False: the PDF is Uniconta's, not read over its REST API)."""

    pdf_sha256: Sha256Hex | None
    invoice_json_sha256: Sha256Hex
    archived_at: AwareDatetime
    pdf_size: Annotated[int, Field(ge=0)] | None
    xml_sha256: Sha256Hex | None = None  # None: archived without an e-invoice

    @property
    def pdf_kept(self) -> bool:
        """Whether the archive keeps the invoice's PDF (all but Uniconta's unread layout)."""
        return self.pdf_sha256 is not None

    @model_validator(mode="after")
    def _xml_has_a_format(self) -> ArchiveEntry:
        if (self.xml_sha256 is None) != (self.xml_format is None):
            raise ValueError("xml_sha256 and xml_format go together: both or neither")
        if (self.pdf_sha256 is None) != (self.pdf_size is None):
            raise ValueError("pdf_sha256 and pdf_size go together: both or neither")
        return self

    @field_validator("archived_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)
