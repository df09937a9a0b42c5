"""The archive interface: errors, results and the `ArchiveStore` protocol.

`ArchiveStore` is what the rest of Faktura uses. Internally an archive is a `BlobStore`
(the exact files) plus an `ArchiveIndex` (the searchable metadata); the local pair is a folder
and SQLite (`archive.local`), the scale-out pair PostgreSQL (`archive.index.SqlIndex`) and an
S3-compatible bucket (`archive.s3`), chosen by the settings (`issuing.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from archive.model import ArchiveEntry, NewArchiveItem


class ArchiveError(Exception):
    """Base class for every archive error."""


class NotArchived(ArchiveError, LookupError):
    """No invoice with this number is archived for this tenant."""

    def __init__(self, tenant: str, invoice_number: str) -> None:
        super().__init__(f"invoice {invoice_number} is not archived for tenant {tenant!r}")
        self.tenant = tenant
        self.invoice_number = invoice_number


class NoEInvoice(NotArchived):
    """The invoice is archived, but without an e-invoice (none was made when it was issued)."""

    def __init__(self, tenant: str, invoice_number: str) -> None:
        super().__init__(tenant, invoice_number)
        self.args = (f"invoice {invoice_number} was archived without an e-invoice",)


class NoPdfKept(NotArchived):
    """The invoice is archived without a PDF: it was issued in Uniconta's own layout, whose
    PDF is Uniconta's and cannot be read over Uniconta's REST API (its booked data and its
    e-invoice are archived)."""

    def __init__(self, tenant: str, invoice_number: str, *, einvoice: bool) -> None:
        super().__init__(tenant, invoice_number)
        self.einvoice = einvoice  # whether its e-invoice is archived
        kept = "its booked data and its e-invoice are" if einvoice else "its booked data is"
        self.args = (f"invoice {invoice_number} is in Uniconta's own layout: its PDF is"
                     f" Uniconta's and is not kept in the archive ({kept})",)


class ArchiveConflict(ArchiveError):
    """The invoice number is already archived with different content. It is never overwritten."""

    def __init__(self, tenant: str, invoice_number: str, detail: str = "") -> None:
        super().__init__(
            f"invoice {invoice_number} is already archived for tenant {tenant!r} with different "
            f"content{f' ({detail})' if detail else ''}; an issued invoice is never replaced - "
            "issue a credit note for it and a new invoice with a new number"
        )
        self.tenant = tenant
        self.invoice_number = invoice_number


class InvalidArchiveKey(ArchiveError, ValueError):
    """A tenant or invoice number that cannot be an archive key (empty, too long, path-like)."""


class ArchiveDamaged(ArchiveError):
    """An archived file is missing or no longer matches its recorded hash."""


@dataclass(frozen=True, slots=True)
class PutResult:
    """Outcome of `put`: the stored entry, and whether this call stored it."""

    entry: ArchiveEntry
    created: bool


ProblemKind = Literal["missing", "altered", "deleted", "unsealed", "broken", "unproven"]
FileKind = Literal["pdf", "json", "xml"]
CheckedPart = Literal["pdf", "json", "xml", "index"]


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    """One archived file that is missing or no longer matches its recorded hash, or an index
    row that no longer matches its stored invoice or the index seal (`file` = "index"):
    altered, deleted, slipped in ("unsealed"), a broken seal, or a keyed seal that could not be
    proven for want of its key ("unproven")."""

    tenant: str
    invoice_number: str
    file: CheckedPart
    kind: ProblemKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Result of `verify`: how many entries were checked and what is wrong. `sealed`: rows
    of an archive written before the index seal, sealed by this verify. `notes`: what the
    seal proves (keyed or not, the anchored head), one line each."""

    checked: int
    problems: list[VerifyProblem] = field(default_factory=list)
    sealed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file is present and unaltered and the index matches its seal."""
        return not self.problems


class ArchiveStore(Protocol):
    """Append-only store of issued invoices, keyed by (tenant, invoice number)."""

    def put(self, item: NewArchiveItem) -> PutResult:
        """Archive an issued invoice.

        Same number with the same PDF (or none), JSON (and XML) hashes is a no-op
        (`created=False`); with different content it raises `ArchiveConflict`. Never
        overwrites.
        """
        ...

    def get(self, tenant: str, invoice_number: str) -> ArchiveEntry:
        """The entry for an invoice number; raises `NotArchived`."""
        ...

    def pdf(self, tenant: str, invoice_number: str) -> bytes:
        """The exact PDF bytes as issued; raises `NoPdfKept` (a `NotArchived`) for an invoice
        in Uniconta's layout archived without its PDF, `NotArchived` or `ArchiveDamaged`."""
        ...

    def invoice_json(self, tenant: str, invoice_number: str) -> str:
        """The invoice JSON text as archived; raises `NotArchived` or `ArchiveDamaged`."""
        ...

    def xml(self, tenant: str, invoice_number: str) -> bytes:
        """The e-invoice XML as issued; raises `NoEInvoice` (a `NotArchived`) when the invoice
        was archived without one, `NotArchived` or `ArchiveDamaged`."""
        ...

    def list(
        self,
        tenant: str,
        *,
        customer: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ArchiveEntry]:
        """Entries newest issue date first; filters combine with AND.

        `customer` is a customer number; `q` is case-insensitive text in the customer name;
        the date range on issue_date is inclusive.
        """
        ...

    def find_by_source_id(self, tenant: str, source_id: str) -> ArchiveEntry | None:
        """The entry issued for a source-system invoice identity, if any."""
        ...

    def verify(self, tenant: str | None = None) -> VerifyReport:
        """Recompute every hash (of one tenant or all) and report missing and altered files."""
        ...


class BlobStore(Protocol):
    """Write-once byte storage addressed by '/'-separated keys (a folder, or an S3 bucket)."""

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Store `data` under `key` unless the key exists; True if this call stored it.

        Must be atomic: readers see either no object or the complete one, and an existing
        object is never replaced.
        """
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; raises `KeyError` if absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        ...


class ArchiveIndex(Protocol):
    """Searchable metadata of archived invoices; unique on (tenant, invoice_number)."""

    def insert(self, entry: ArchiveEntry) -> bool:
        """Add an entry; False (and no change) if the tenant already has that number."""
        ...

    def get(self, tenant: str, invoice_number: str) -> ArchiveEntry | None:
        """The entry, or None."""
        ...

    def list(
        self,
        tenant: str,
        *,
        customer: str | None,
        date_from: date | None,
        date_to: date | None,
        q: str | None,
        limit: int,
        offset: int,
    ) -> list[ArchiveEntry]:
        """Filtered page of entries, newest issue date first (see `ArchiveStore.list`)."""
        ...

    def find_by_source_id(self, tenant: str, source_id: str) -> ArchiveEntry | None:
        """The first archived entry with this source id, or None."""
        ...

    def all(self, tenant: str | None = None) -> Iterator[ArchiveEntry]:
        """Every entry (of one tenant, or all), streamed in archive order."""
        ...
