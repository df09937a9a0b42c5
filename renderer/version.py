"""The renderer's version: what a PDF depends on besides the invoice and the settings.

The templates, stylesheets, labels and fonts on disk (each by name, size and modification
time: a render worker started later reads them again) and WeasyPrint's version, read from its
package metadata: a process that only keeps documents (the API server) never imports WeasyPrint
for it. Two renders of the same invoice with the same settings and the same version give the same bytes, so a
rendered document may be kept under it (`api.preview_cache`).
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version

from renderer.paths import FONTS_DIR, TEMPLATES_DIR


def renderer_version() -> str:
    """A digest of the renderer's own files and WeasyPrint's version (a few dozen `stat`s)."""
    digest = hashlib.sha256(version("weasyprint").encode())
    for folder in (TEMPLATES_DIR, FONTS_DIR):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(folder.parent)}\0{stat.st_size}\0"
                              f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
