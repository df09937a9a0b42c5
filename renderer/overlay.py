"""Laying the sheet's pages under an invoice's content pages (pikepdf, i.e. qpdf).

Each sheet page becomes a form XObject drawn first on the content page it goes under; fonts
and the logo are copied once per document, and a font file the content already embeds with
the same bytes (the shared subsets of `renderer.fontsubset`) is not copied at all. The
content PDF stays the document: its PDF/A metadata, output intent and embedded files are kept
as they are. Streams already compressed are written as they are, not decoded and compressed
again.
"""

from __future__ import annotations

import io
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


def share_font_files(pdf: pikepdf.Pdf, forms: Iterable[pikepdf.Object],
                     pages: int | None = None) -> None:
    """Point the forms' font descriptors at the font files with the same bytes of the
    content's pages (its first `pages`, or all)."""
    embedded = {descriptor[key].read_raw_bytes(): descriptor[key]
                for page in list(pdf.pages)[:pages]
                for descriptor, key in _font_files(page.obj.Resources)}
    for form in forms:
        for descriptor, key in _font_files(form.get("/Resources")):
            same = embedded.get(descriptor[key].read_raw_bytes())
            if same is not None:
                descriptor[key] = same


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
    with pikepdf.open(io.BytesIO(content)) as pdf, pikepdf.open(io.BytesIO(sheet)) as source:
        own, added = len(pdf.pages), []
        for part in more:
            with pikepdf.open(io.BytesIO(part)) as other:
                for page in other.pages:
                    pdf.pages.append(page)
                    added.append(pdf.pages[-1].obj)
        share_font_files(pdf, added, own)
        forms: dict[int, pikepdf.Object] = {}
        for page, sheet_pages in zip(pdf.pages, under, strict=True):
            for index in sheet_pages:  # each prepended: the last one is drawn first
                if index not in forms:
                    forms[index] = pdf.copy_foreign(source.pages[index].as_form_xobject())
                name = page.add_resource(forms[index], pikepdf.Name.XObject,
                                         pikepdf.Name(f"/Sheet{index}"))
                page.contents_add(pdf.make_stream(f"q {name} Do Q\n".encode()), prepend=True)
        share_font_files(pdf, forms.values())
        out = io.BytesIO()
        pdf.save(out, compress_streams=True,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                 fix_metadata_version=False, deterministic_id=True)
        return out.getvalue()
