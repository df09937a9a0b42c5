"""Whether this machine can render: WeasyPrint's system libraries, said in one clear line.

WeasyPrint needs Pango (and HarfBuzz, through it) to lay out text; without them it cannot
be imported at all. HarfBuzz's subsetter (`libharfbuzz-subset0`) is not needed: fonts are
subset with fontTools on every machine, so a PDF's bytes do not depend on whether it is
installed (`renderer.fontsubset`).
"""

from __future__ import annotations

from faktura.errors import FakturaError

PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"


class RendererUnavailable(FakturaError):
    """The PDF renderer cannot run on this machine (a system library is missing)."""

    @classmethod
    def from_os_error(cls, error: OSError) -> RendererUnavailable:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return cls(f"cannot render PDFs: a system library WeasyPrint needs is missing ({first});"
                   f" install Pango and HarfBuzz, e.g. apt-get install {PACKAGES}")
