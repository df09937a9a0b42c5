"""`LocalArchive`: the embedded default archive — files in a folder plus a SQLite index.

Layout under `root`::

    root/index.sqlite                         metadata (WAL)
    root/<tenant>/<year>/<invoice_number>.pdf  the exact PDF as issued (read-only)
    root/<tenant>/<year>/<invoice_number>.json the invoice JSON as issued (read-only)
    root/<tenant>/<year>/<invoice_number>.xml  the e-invoice, when one was made (read-only)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from archive.anchor import Anchor
from archive.blobs import LocalBlobStore, remove_abandoned
from archive.core import Archive, utc_now
from archive.index import SqliteIndex
from archive.seal_key import SealKey
from archive.store import VerifyReport
from infra.private import private_dir

INDEX_FILE = "index.sqlite"


class LocalArchive(Archive):
    """An `Archive` rooted in a local folder (created if missing)."""

    def __init__(self, root: Path, *, clock: Callable[[], datetime] = utc_now,
                 seal_key: SealKey | None = None, anchor: Anchor | None = None) -> None:
        self.root = private_dir(Path(root))
        self.sqlite_index = SqliteIndex(self.root / INDEX_FILE)
        super().__init__(LocalBlobStore(self.root), self.sqlite_index, clock=clock,
                         seal_key=seal_key, anchor=anchor)

    def verify(self, tenant: str | None = None) -> VerifyReport:
        """As `Archive.verify`, and remove the half-written files a killed writer left
        behind (never part of the archive: a file is linked to its name only when complete)."""
        report = super().verify(tenant)
        folders = [self.root / tenant] if tenant is not None else \
            [p for p in self.root.iterdir() if p.is_dir()]
        removed = [name for folder in folders if folder.is_dir()
                   for year in folder.iterdir() if year.is_dir()
                   for name in remove_abandoned(year)]
        if removed:
            report.notes.append(f"removed {len(removed)} half-written file(s) that a stopped "
                                "writer left behind")
        return report

    def close(self) -> None:
        """Release the index's database connections."""
        self.sqlite_index.close()

    def __enter__(self) -> LocalArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
