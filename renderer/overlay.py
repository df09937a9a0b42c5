"""Laying the sheet's pages under an invoice's content pages (pikepdf, i.e. qpdf).

Each sheet page becomes a form XObject drawn first on the content page it goes under; fonts
and the logo are copied once per document, and a font file the content already embeds with
the same bytes (the shared subsets of `renderer.fontsubset`) is not copied at all. The
content PDF stays the document: its PDF/A metadata, output intent and embedded files are kept
as they are. Streams already compressed are written as they are, not decoded and compressed
again. A sheet is opened once per process, its pages made forms and their font files read
once (`_OpenSheet`); each document copies the forms it needs from it.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence

import pikepdf


def own_resources(sheet: bytes) -> bytes:
    """The sheet with each page holding only the fonts and images it draws.

    WeasyPrint gives all pages one shared resource dictionary; a page made a form XObject
    would carry every font and image of the sheet (a reader of the PDF would find the logo
    under every page, though drawn on the first only)."""
    with pikepdf.open(io.BytesIO(sheet)) as pdf:
        for page in pdf.pages:
            used = {str(operands[0]) for operands, _ in
                    pikepdf.parse_content_stream(page, "Do Tf") if operands}
            resources = pikepdf.Dictionary({key: value for key, value in
                                            page.obj.Resources.items()})
            for kind in ("/XObject", "/Font"):
                if kind in resources:
                    resources[kind] = pikepdf.Dictionary({
                        name: value for name, value in resources[kind].items()
                        if name in used})
            page.obj.Resources = resources
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


_FONT_FILES = ("/FontFile3", "/FontFile2", "/FontFile")


def _font_files(resources: pikepdf.Object) -> Iterator[tuple[pikepdf.Object, str]]:
    """Each embedded font file of `resources`: (its font descriptor, the key naming it)."""
    fonts = resources.get("/Font") if resources is not None else None
    for font in (fonts or {}).values():
        for descendant in font.get("/DescendantFonts") or [font]:
            descriptor = descendant.get("/FontDescriptor")
            for key in _FONT_FILES if descriptor is not None else ():
                if key in descriptor:
                    yield descriptor, key


def _content_font_files(pdf: pikepdf.Pdf, pages: int | None = None
                        ) -> dict[bytes, pikepdf.Object]:
    """The font files of the content's pages (its first `pages`, or all), by their bytes."""
    return {descriptor[key].read_raw_bytes(): descriptor[key]
            for page in list(pdf.pages)[:pages]
            for descriptor, key in _font_files(page.obj.Resources)}


def share_font_files(pdf: pikepdf.Pdf, forms: Iterable[pikepdf.Object],
                     pages: int | None = None) -> None:
    """Point the forms' font descriptors at the font files with the same bytes of the
    content's pages (its first `pages`, or all)."""
    embedded = _content_font_files(pdf, pages)
    for form in forms:
        for descriptor, key in _font_files(form.get("/Resources")):
            same = embedded.get(descriptor[key].read_raw_bytes())
            if same is not None:
                descriptor[key] = same


class _OpenSheet:
    """A sheet's PDF opened once per process: its pages made form XObjects once, and the
    bytes of each form's font files read once (in `_font_files`' order, which a copy of the
    form keeps: a dictionary's keys are sorted). One document at a time copies from it, under
    `lock`: qpdf reads the copied streams from it until that document is saved."""

    def __init__(self, sheet: bytes) -> None:
        self.pdf = pikepdf.open(io.BytesIO(sheet))
        self.lock = threading.Lock()
        self._forms: dict[int, tuple[pikepdf.Object, list[bytes]]] = {}

    def form(self, index: int) -> tuple[pikepdf.Object, list[bytes]]:
        """Sheet page `index` as a form XObject of the sheet, and its font files' bytes."""
        kept = self._forms.get(index)
        if kept is None:
            form = self.pdf.pages[index].as_form_xobject()
            kept = form, [descriptor[key].read_raw_bytes()
                          for descriptor, key in _font_files(form.get("/Resources"))]
            self._forms[index] = kept
        return kept


class _OpenSheets:
    """The newest `size` sheets opened (`renderer.sheet.SheetCache` keeps each seller's sheet
    bytes, the same object every render, so a look-up compares them by identity)."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._open: OrderedDict[bytes, _OpenSheet] = OrderedDict()

    def get(self, sheet: bytes) -> _OpenSheet:
        with self._lock:
            opened = self._open.get(sheet)
            if opened is not None:
                self._open.move_to_end(sheet)
                return opened
        opened = _OpenSheet(sheet)
        with self._lock:
            opened = self._open.setdefault(sheet, opened)
            while len(self._open) > self._size:
                self._open.popitem(last=False)
        return opened


_OPEN_SHEETS = _OpenSheets()


def lay_under(content: bytes, sheet: bytes, under: Sequence[Sequence[int]],
              more: Sequence[bytes] = ()) -> bytes:
    """`content` with, under its page i, the pages `under[i]` of `sheet` (the first on top).

    `more` are PDFs whose pages follow the content's (the pieces of a long invoice laid out
    side by side, `renderer.chunked`); the content's PDF stays the document (its metadata,
    output intent and embedded files), and their font files of the same bytes as its own are
    stored once.

    The same content and sheet give the same bytes: the forms are named by their sheet page
    and the file's /ID is made from its content. A batch resumed after a crash renders an
    invoice again and must find the bytes it may already have archived."""
    opened = _OPEN_SHEETS.get(sheet)
    if not opened.lock.acquire(blocking=False):  # another thread copies from it: a copy
        opened = _OpenSheet(sheet)
        opened.lock.acquire()
    try:
        with pikepdf.open(io.BytesIO(content)) as pdf:
            return _laid_under(pdf, opened, under, more)
    finally:
        opened.lock.release()


def _laid_under(pdf: pikepdf.Pdf, source: _OpenSheet, under: Sequence[Sequence[int]],
                more: Sequence[bytes]) -> bytes:
    own, added = len(pdf.pages), []
    for part in more:
        with pikepdf.open(io.BytesIO(part)) as other:
            for page in other.pages:
                pdf.pages.append(page)
                added.append(pdf.pages[-1].obj)
    share_font_files(pdf, added, own)
    forms: dict[int, tuple[pikepdf.Object, list[bytes]]] = {}
    for page, sheet_pages in zip(pdf.pages, under, strict=True):
        for index in sheet_pages:  # each prepended: the last one is drawn first
            if index not in forms:
                form, font_bytes = source.form(index)
                forms[index] = pdf.copy_foreign(form), font_bytes
            name = page.add_resource(forms[index][0], pikepdf.Name.XObject,
                                     pikepdf.Name(f"/Sheet{index}"))
            page.contents_add(pdf.make_stream(f"q {name} Do Q\n".encode()), prepend=True)
    embedded = _content_font_files(pdf) if forms else {}
    for form, font_bytes in forms.values():
        for (descriptor, key), raw in zip(_font_files(form.get("/Resources")), font_bytes,
                                          strict=True):
            same = embedded.get(raw)
            if same is not None:
                descriptor[key] = same
    out = io.BytesIO()
    pdf.save(out, compress_streams=True,
             stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.preserve,
             fix_metadata_version=False, deterministic_id=True)
    return out.getvalue()
