"""Whether this machine can render: WeasyPrint's system libraries, said in one clear line.

WeasyPrint needs Pango (and HarfBuzz, through it) to lay out text; without them it cannot
be imported at all. HarfBuzz's subsetter (`libharfbuzz-subset0`) is optional to WeasyPrint:
without it fonts are subset with fontTools, which makes a process's first render about three
times slower (1.4 s instead of 0.45); later renders reuse the shared subsets either way
(`renderer.fontsubset`).
"""

from __future__ import annotations

import sys
from functools import cache

from faktura.errors import FakturaError

PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


class RendererUnavailable(FakturaError):
    """The PDF renderer cannot run on this machine (a system library is missing)."""

    @classmethod
    def from_os_error(cls, error: OSError) -> RendererUnavailable:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return cls(f"cannot render PDFs: a system library WeasyPrint needs is missing ({first});"
                   f" install Pango and HarfBuzz, e.g. apt-get install {PACKAGES}")


def subsetting_available() -> bool:
    """Whether HarfBuzz's font subsetter was found (imports WeasyPrint)."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


@cache
def warn_if_slow() -> None:
    """Say once, on stderr, when rendering will be slow for want of `libharfbuzz-subset0`."""
    if not subsetting_available():
        print("warning: libharfbuzz-subset0 is missing: fonts are subset with fontTools and"
              " the first render takes about 3x longer (apt-get install libharfbuzz-subset0)",
              file=sys.stderr)
