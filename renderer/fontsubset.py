"""Font subsets made once per font, not once per PDF.

WeasyPrint embeds in each PDF a subset of every font it draws with: the glyphs that PDF uses,
at their own glyph ids (HarfBuzz). Making those subsets is about a tenth of a one-page render
and compressing them nearly as much again, while one invoice's subset differs from the next
only by a few letters. Inside `shared_subsets()` a font's subset instead holds a fixed
repertoire (`REPERTOIRE`: Latin letters with the accents of Danish and its neighbours,
punctuation, currency signs) plus any glyph outside it that the document uses (a ligature, a
letter of another script), and is made once and kept: every PDF of a process embeds the same
bytes for the same font, and `SubsetCache` hands them out. Identical bytes are what let the
compressed stream be kept too (`renderer.render`) and the sheet and the content share one copy
of each font (`renderer.overlay`).

Every subset is made by fontTools (`subset_font`), never by HarfBuzz's subsetter even where
`libharfbuzz-subset0` is installed, and with the font's own modification time kept: the two
make different bytes for the same glyphs, and WeasyPrint's fontTools path stamps each subset
with the time it was made, so a PDF would otherwise differ from one machine to the next and
from one run to the next. The tables WeasyPrint drops are removed before subsetting, not
after, so fontTools never reads the large layout tables; the hints are kept and the bounding
boxes are the whole font's (still true of a subset), for removing and recomputing them
costs more than their bytes are worth. A shared subset is made once per process either way.

Glyph ids are kept, so the widths, the text map and the drawing WeasyPrint writes for the
glyphs a page uses stay exactly as they are; the font file only holds more glyphs than it
draws, which PDF/A-2 and -3 allow (there is no CIDSet to agree with).

>>> "ø" in REPERTOIRE and "€" in REPERTOIRE and "–" in REPERTOIRE
True
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from fontTools import subset
from fontTools.ttLib import TTFont
from weasyprint.pdf import fonts as weasyprint_fonts

#: The characters every shared subset holds: printable ASCII, Latin-1, Latin Extended-A, and
#: the typographic punctuation and signs invoices use.
REPERTOIRE = "".join(
    [chr(code) for code in range(0x20, 0x7F)]
    + [chr(code) for code in range(0xA0, 0x180)]
    + list("‐‑–—‘’‚“”„†‡•…‰‹›€™−≈≤≥"))

_shared: ContextVar[bool] = ContextVar("shared_font_subsets", default=False)

#: The tables WeasyPrint leaves out of an embedded font (the PDF draws glyphs by id: no
#: shaping, no bitmaps, no colour glyphs).
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH",
                  "PCLT", "SVG ")


def subset_font(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
    """Replace `font.file_content` with its subset holding the glyph ids `to_unicode`: the
    same bytes on every machine and at every time (the font's own dates kept); the font is
    left whole if fontTools cannot read it. `hinting` is WeasyPrint's wish; hints are kept."""
    del hinting  # kept either way: dropping them is a third of the work
    try:
        face = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True,
                      recalcTimestamp=False, recalcBBoxes=False)
        for tag in DROPPED_TABLES:
            if tag in face:
                del face[tag]
        options = subset.Options(retain_gids=True, passthrough_tables=True,
                                 ignore_missing_glyphs=True, hinting=True,
                                 desubroutinize=True, notdef_outline=bool(font.missing))
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(to_unicode))
        subsetter.subset(face)
        out = io.BytesIO()
        face.save(out)
    except Exception:  # noqa: BLE001 - fontTools raises many kinds for a font it cannot read
        return
    font.file_content = out.getvalue()



class SubsetCache:
    """Subsets by font and by the glyphs beyond the repertoire; the newest `size` kept."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._repertoires: dict[tuple[Any, ...], frozenset[int]] = {}
        self._subsets: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

    def subset(self, font: Any, used: dict[int, str], hinting: bool) -> bytes:
        """The bytes of `font`'s shared subset holding the glyph ids `used`."""
        key = (font.hash, len(font.file_content), font.index, hinting, bool(font.missing))
        repertoire = self._repertoires.get(key)
        if repertoire is None:
            repertoire = self._repertoires.setdefault(key, _glyph_ids(font, REPERTOIRE))
        beyond = frozenset(used).difference(repertoire)
        with self._lock:
            found = self._subsets.get((key, beyond))
            if found is not None:
                self._subsets.move_to_end((key, beyond))
                return found
        subset_font(font, dict.fromkeys(repertoire | beyond, ""), hinting)
        with self._lock:
            self._subsets[(key, beyond)] = font.file_content
            while len(self._subsets) > self._size:
                self._subsets.popitem(last=False)
        return font.file_content


#: The OpenType features HarfBuzz applies by default: the alternates they substitute for the
#: repertoire's characters (Inter's case-sensitive punctuation between capitals, say) belong
#: in the repertoire's subset too.
_SHAPING_FEATURES = ["ccmp", "locl", "rvrn", "rlig", "liga", "clig", "calt", "kern", "mark",
                     "mkmk"]


def _glyph_ids(font: Any, characters: str) -> frozenset[int]:
    """The glyph ids that shaping `characters` with the font can draw, and .notdef; none for
    a font fontTools cannot read (its subsets then hold each document's own glyphs, as
    WeasyPrint makes them)."""
    try:
        face = TTFont(io.BytesIO(font.file_content), fontNumber=font.index)
        cmap = face.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - fontTools raises many kinds for a font it cannot read
        return frozenset()
    ids = {0} | {face.getGlyphID(cmap[ord(c)]) for c in characters if ord(c) in cmap}
    options = subset.Options(layout_features=_SHAPING_FEATURES)
    closure = subset.Subsetter(options)
    closure.populate(unicodes=[ord(c) for c in characters])
    try:
        closure._closure_glyphs(face)
        ids |= {face.getGlyphID(name) for name in closure.glyphs_retained}
    except Exception:  # noqa: BLE001 - a closure fontTools cannot make: the letters alone serve
        pass
    return frozenset(ids)


_cache = SubsetCache()


def _subset(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
    if not to_unicode:
        return
    if not _shared.get():
        subset_font(font, to_unicode, hinting)
        return
    font.file_content = _cache.subset(font, to_unicode, hinting)


weasyprint_fonts.Font.subset = _subset


@contextmanager
def shared_subsets() -> Iterator[None]:
    """PDFs written in the block embed the shared subsets (other WeasyPrint use gets each
    document's own subsets, made by `subset_font` too)."""
    token = _shared.set(True)
    try:
        yield
    finally:
        _shared.reset(token)
