"""Laying the sheet's pages under an invoice's content pages, as WeasyPrint writes them.

Each sheet page becomes a form XObject drawn first on the content page it goes under. A
sheet is prepared once per process (`_PreparedSheet`, with pikepdf, i.e. qpdf): its pages
made forms, and every object a form reaches (its fonts, their descriptors, font files and
ToUnicode maps, the logo) serialised once, each reference to another of them left as a slot.
While WeasyPrint writes an invoice's content (`lay_under`, from the renderer's finisher,
before pydyf serialises the document), those objects are added to the content's pydyf PDF,
their slots filled with the numbers they get there; each page draws its forms before its own
content (a content array: the sheet's stream, then the page's), and names them in its
resources. A font file the content already embeds with the same bytes (the shared subsets of
`renderer.fontsubset`) is not added: the sheet's font descriptor points at the content's.

The content PDF is the document: its PDF/A metadata, output intent and embedded files are
WeasyPrint's, and pydyf makes its /ID from everything written, the sheet's objects included.
The same content and sheet give the same bytes: the forms are named by their sheet page and
added in the sheet's own order. Nothing is opened or saved again after WeasyPrint.

A long invoice written in pieces (`renderer.chunked`) has the sheet laid under each piece
as it is written; `join` puts the pieces' pages together (pikepdf), storing each sheet form
and each font file of the same bytes once.
"""

from __future__ import annotations

import io
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pikepdf
import pydyf

#: How a sheet page's form is named in a content page's resources.
FORM_NAME = "Sheet{}"
#: How many sellers' sheets a process keeps: rendered (`renderer.sheet.SheetCache`) and
#: prepared for laying under (`_PreparedSheets`), alike.
SHEETS_KEPT = 32


@dataclass(frozen=True)
class Underlay:
    """The sheet (its PDF) and, for each page of the content, the sheet's pages that go
    under it (the first on top): what `lay_under` adds while the content is written. Plain
    data, so a piece laid out in another process carries it (`renderer.chunked`)."""

    sheet: bytes
    pages: tuple[tuple[int, ...], ...]

    def part(self, start: int, stop: int | None = None) -> Underlay:
        """What goes under the content's pages `start` up to (without) `stop`: a piece's."""
        return Underlay(self.sheet, self.pages[start:stop])


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


# --- a sheet prepared once per process ------------------------------------------------------

class _Template:
    """An object's serialisation: bytes, and in between the indices (in the prepared sheet)
    of the objects it refers to."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[bytes | int] = []

    def add(self, part: bytes | int) -> None:
        if isinstance(part, bytes) and self.parts and isinstance(self.parts[-1], bytes):
            self.parts[-1] += part
        else:
            self.parts.append(part)

    def filled(self, references: dict[int, bytes]) -> bytes:
        """The bytes, each slot filled with its object's reference."""
        return b"".join(part if isinstance(part, bytes) else references[part]
                        for part in self.parts)


class _SheetObject(pydyf.Object):
    """One of the sheet's objects in a content PDF, its bytes made: a stream is written as
    its own object, anything else may go into the object stream (as pydyf decides for its
    own objects)."""

    def __init__(self, data: bytes, is_stream: bool) -> None:
        super().__init__()
        self._data = data
        self._is_stream = is_stream

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def compressible(self) -> bool:
        return not self.generation and not self._is_stream


class _PreparedSheet:
    """A sheet's pages as form XObjects, each with the objects it reaches, serialised once:
    `templates` (in the order first reached), for each sheet page the indices its form
    reaches (`reached`, the form first), which of them are streams, and the decoded bytes of
    each font file (to find the content's copy of the same font)."""

    def __init__(self, sheet: bytes) -> None:
        self.templates: list[_Template] = []
        self.streams: set[int] = set()
        self.font_files: dict[int, bytes] = {}
        self._index: dict[tuple[int, int], int] = {}
        with pikepdf.open(io.BytesIO(sheet)) as pdf:
            forms = []
            for page in pdf.pages:
                form = page.as_form_xobject()
                forms.append(self._index_of(form if form.is_indirect
                                            else pdf.make_indirect(form)))
        del self._index
        self.reached = [self._reached_from(form) for form in forms]

    def _index_of(self, obj: pikepdf.Object) -> int:
        """The index of indirect `obj`, serialised (with what it refers to) the first time."""
        index = self._index.get(obj.objgen)
        if index is None:
            index = self._index[obj.objgen] = len(self.templates)
            template = _Template()
            self.templates.append(template)
            self._serialise(obj, template, top=True)
        return index

    def _reached_from(self, start: int) -> list[int]:
        """The indices of `start` and every object it reaches, in the order first reached."""
        reached, seen = [start], {start}
        for index in reached:  # grows as it goes
            for part in self.templates[index].parts:
                if isinstance(part, int) and part not in seen:
                    seen.add(part)
                    reached.append(part)
        return reached

    def _serialise(self, obj: Any, template: _Template, top: bool = False) -> None:
        """Add `obj`'s PDF syntax to `template`; an indirect object inside it (`top`: not
        `obj` itself) becomes a slot. A stream without a filter is compressed."""
        if isinstance(obj, pikepdf.Object) and obj.is_indirect and not top:
            template.add(self._index_of(obj))
        elif isinstance(obj, pikepdf.Stream):
            index = self._index[obj.objgen]
            self.streams.add(index)
            extra = {key: value for key, value in obj.stream_dict.items() if key != "/Length"}
            if "/Filter" in extra:
                raw = obj.read_raw_bytes()
            else:  # a form's drawing, as qpdf makes it from the page's: compressed here
                raw = zlib.compress(obj.read_bytes(), zlib.Z_DEFAULT_COMPRESSION)
                extra["/Filter"] = pikepdf.Name.FlateDecode
            self._dictionary(extra, template, length=len(raw))
            template.add(b"\nstream\n" + raw + b"\nendstream")
        elif isinstance(obj, pikepdf.Dictionary):
            self._dictionary(dict(obj.items()), template)
        elif isinstance(obj, pikepdf.Array):
            template.add(b"[")
            for position, item in enumerate(obj):
                if position:
                    template.add(b" ")
                self._serialise(item, template)
            template.add(b"]")
        elif isinstance(obj, bool):
            template.add(b"true" if obj else b"false")
        elif isinstance(obj, int):
            template.add(str(obj).encode())
        elif isinstance(obj, Decimal):
            template.add(format(obj, "f").encode())
        elif obj is None:
            template.add(b"null")
        else:  # a name, a string, null
            template.add(obj.unparse())

    def _dictionary(self, items: dict[str, Any], template: _Template,
                    length: int | None = None) -> None:
        template.add(b"<<")
        for key, value in items.items():
            template.add(pikepdf.Name(key).unparse() + b" ")
            self._serialise(value, template)
            if key in _FONT_FILES and isinstance(value, pikepdf.Stream):
                self.font_files[self._index[value.objgen]] = value.read_bytes()
        if length is not None:
            template.add(b"/Length " + str(length).encode())
        template.add(b">>")


class _PreparedSheets:
    """The newest `size` sheets prepared (`renderer.sheet.SheetCache` keeps each seller's
    sheet bytes, the same object every render, so a look-up compares them by identity; a
    piece laid out in another process brings equal bytes)."""

    def __init__(self, size: int = SHEETS_KEPT) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._prepared: OrderedDict[bytes, _PreparedSheet] = OrderedDict()

    def get(self, sheet: bytes) -> _PreparedSheet:
        with self._lock:
            prepared = self._prepared.get(sheet)
            if prepared is not None:
                self._prepared.move_to_end(sheet)
                return prepared
        prepared = _PreparedSheet(sheet)
        with self._lock:
            prepared = self._prepared.setdefault(sheet, prepared)
            while len(self._prepared) > self._size:
                self._prepared.popitem(last=False)
        return prepared


_PREPARED = _PreparedSheets()


# --- laying the sheet under the content as it is written ----------------------------------

def _stream_bytes(stream: pydyf.Stream) -> bytes:
    """A pydyf stream's bytes before compression."""
    if len(stream.stream) == 1 and isinstance(stream.stream[0], bytes):
        return stream.stream[0]
    return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


def _content_font_files(pdf: pydyf.PDF) -> dict[bytes, bytes]:
    """The reference of each font file the content embeds, by its bytes."""
    found = {}
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/FontDescriptor":
            for key in _FONT_FILES:
                reference = pdf_object.get(key[1:])
                if reference is not None:
                    stream = pdf.objects[int(reference.split()[0])]
                    found[_stream_bytes(stream)] = reference
    return found


def _resolved(pdf: pydyf.PDF, value: Any) -> Any:
    if isinstance(value, bytes | str):  # a reference, "n 0 R"
        return pdf.objects[int(value.split()[0])]
    return value


def lay_under(pdf: pydyf.PDF, underlay: Underlay) -> None:
    """Add the sheet's forms to WeasyPrint's `pdf` and draw them under its pages.

    Called before pydyf writes the document (a WeasyPrint finisher), after anything else
    that changes the content's objects."""
    sheet = _PREPARED.get(underlay.sheet)
    kids = pdf.pages["Kids"][0::3]
    if len(kids) != len(underlay.pages):
        raise ValueError(f"{len(kids)} pages, the sheet under {len(underlay.pages)}")
    content_fonts = _content_font_files(pdf)
    references: dict[int, bytes] = {}
    added: list[int] = []
    for sheet_page in sorted({index for under in underlay.pages for index in under}):
        for index in sheet.reached[sheet_page]:
            if index in references:
                continue
            font_file = sheet.font_files.get(index)
            same = content_fonts.get(font_file) if font_file is not None else None
            if same is not None:
                references[index] = same
            else:
                references[index] = f"{len(pdf.objects) + len(added)} 0 R".encode()
                added.append(index)
    for index in added:
        pdf.add_object(_SheetObject(sheet.templates[index].filled(references),
                                    index in sheet.streams))
    drawn: dict[tuple[int, ...], bytes] = {}
    for number, under in zip(kids, underlay.pages, strict=True):
        if not under:
            continue
        page = pdf.objects[number]
        if under not in drawn:  # the last sheet page drawn first, the first on top
            stream = pydyf.Stream([f"q /{FORM_NAME.format(index)} Do Q".encode()
                                   for index in reversed(under)])
            pdf.add_object(stream)
            drawn[under] = stream.reference
        contents = page["Contents"]
        page["Contents"] = pydyf.Array([drawn[under], *(
            contents if isinstance(contents, list) else [contents])])
        resources = _resolved(pdf, page["Resources"])
        forms = resources.get("XObject")
        if forms is None:
            forms = resources["XObject"] = pydyf.Dictionary()
        for index in under:
            forms[FORM_NAME.format(index)] = references[sheet.reached[index][0]]


# --- a long invoice's pieces put together ---------------------------------------------------

def _font_files(resources: pikepdf.Object | None, depth: int = 0
                ) -> Iterator[tuple[pikepdf.Object, str]]:
    """Each embedded font file of `resources` and of the forms they draw: (its font
    descriptor, the key naming it)."""
    if resources is None:
        return
    for font in (resources.get("/Font") or {}).values():
        for descendant in font.get("/DescendantFonts") or [font]:
            descriptor = descendant.get("/FontDescriptor")
            for key in _FONT_FILES if descriptor is not None else ():
                if key in descriptor:
                    yield descriptor, key
    for xobject in (resources.get("/XObject") or {}).values() if depth < 2 else ():
        if xobject.get("/Subtype") == "/Form":
            yield from _font_files(xobject.get("/Resources"), depth + 1)


def join(pieces: Sequence[bytes]) -> bytes:
    """The pieces' pages in one PDF, the first piece's the document (its metadata, output
    intent and embedded files). A sheet form the first piece has already is drawn from it,
    and a font file of the same bytes as one of the first piece's is stored once.

    The same pieces give the same bytes: the file's /ID is made from its content."""
    first, *more = pieces
    if not more:
        return first
    with pikepdf.open(io.BytesIO(first)) as pdf:
        own = len(pdf.pages)
        forms: dict[str, pikepdf.Object] = {}
        embedded: dict[bytes, pikepdf.Object] = {}
        for page in pdf.pages:
            for name, xobject in (page.obj.Resources.get("/XObject") or {}).items():
                forms.setdefault(name, xobject)
            for descriptor, key in _font_files(page.obj.Resources):
                embedded.setdefault(descriptor[key].read_raw_bytes(), descriptor[key])
        for part in more:
            with pikepdf.open(io.BytesIO(part)) as other:
                for page in other.pages:
                    pdf.pages.append(page)
        for page in list(pdf.pages)[own:]:
            xobjects = page.obj.Resources.get("/XObject")
            for name in list(xobjects.keys()) if xobjects is not None else ():
                if name in forms and name.startswith("/" + FORM_NAME.format("")):
                    xobjects[name] = forms[name]
            for descriptor, key in _font_files(page.obj.Resources):
                same = embedded.get(descriptor[key].read_raw_bytes())
                if same is not None:
                    descriptor[key] = same
        out = io.BytesIO()
        pdf.save(out, compress_streams=True,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                 fix_metadata_version=False, deterministic_id=True)
        return out.getvalue()
