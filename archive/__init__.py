"""The archive: an append-only store of issued invoices, kept exactly as issued.

Use `LocalArchive(root)` (folder + SQLite), or `issuing.bootstrap.open_archive(settings)` for the
backends the settings choose (PostgreSQL index, S3 files), through the `ArchiveStore` protocol.
"""

from archive.core import Archive
from archive.local import LocalArchive
from archive.model import ArchiveEntry, NewArchiveItem
from archive.store import (
    ArchiveConflict,
    ArchiveDamaged,
    ArchiveError,
    ArchiveStore,
    InvalidArchiveKey,
    NoEInvoice,
    NoPdfKept,
    NotArchived,
    PutResult,
    VerifyProblem,
    VerifyReport,
)

__all__ = [
    "Archive",
    "ArchiveConflict",
    "ArchiveDamaged",
    "ArchiveEntry",
    "ArchiveError",
    "ArchiveStore",
    "InvalidArchiveKey",
    "LocalArchive",
    "NewArchiveItem",
    "NoEInvoice",
    "NoPdfKept",
    "NotArchived",
    "PutResult",
    "VerifyProblem",
    "VerifyReport",
]
