"""The renderer's version: what a PDF depends on besides the invoice and the settings.

The templates, stylesheets, labels and fonts on disk (each by name, size and modification
time: a render worker started later reads them again) and WeasyPrint's version, read from its
package metadata (again when that file changes or goes): a process that only keeps documents
(the API server) never imports WeasyPrint for it. Two renders of the same invoice with the
same settings and the same version give the same bytes, so a rendered document may be kept
under it (`api.preview_cache`), and every preview asks for it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from renderer.paths import FONTS_DIR, TEMPLATES_DIR


class _InstalledVersion:
    """A package's installed version, read from its metadata again only when the metadata
    file it was read from changes or goes (an upgrade writes a new one, in a new folder)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._read: tuple[str, tuple[int, int], str] | None = None  # file, (size, mtime), version

    def __call__(self) -> str:
        read = self._read
        if read is not None:
            try:
                stat = os.stat(read[0])
                if (stat.st_size, stat.st_mtime_ns) == read[1]:
                    return read[2]
            except OSError:
                pass
        with self._lock:
            found = distribution(self._name)
            number = found.version
            where = getattr(found, "_path", None)
            metadata = None if where is None else os.path.join(where, "METADATA")
            try:
                if metadata is None:
                    raise PackageNotFoundError(self._name)
                stat = os.stat(metadata)
            except (OSError, PackageNotFoundError):
                self._read = None  # no file to watch: read every time
                return number
            self._read = (metadata, (stat.st_size, stat.st_mtime_ns), number)
            return number


_weasyprint_version = _InstalledVersion("weasyprint")


def _files(folder: Path) -> list[tuple[tuple[str, ...], os.stat_result]]:
    """Every file under `folder` (at any depth): its path's parts below `folder`'s parent and
    its `stat`, in the order of sorted `Path` objects (by their parts)."""
    found = []
    top = (folder.name,)
    pending = [(str(folder), top)]
    while pending:
        where, parts = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                inner = (*parts, entry.name)
                if entry.is_dir(follow_symlinks=False):  # as `Path.rglob`, not into links
                    pending.append((entry.path, inner))
                if entry.is_file():
                    found.append((inner, entry.stat()))
    found.sort(key=lambda item: item[0])
    return found


def renderer_version() -> str:
    """A digest of the renderer's own files and WeasyPrint's version (a few dozen `stat`s)."""
    digest = hashlib.sha256(_weasyprint_version().encode())
    for folder in (TEMPLATES_DIR, FONTS_DIR):
        for parts, stat in _files(folder):
            digest.update(f"{'/'.join(parts)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
