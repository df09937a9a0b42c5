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
from archive.blobs import LocalBlobStore
from archive.core import Archive, utc_now
from archive.index import SqliteIndex
from archive.seal_key import SealKey
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
