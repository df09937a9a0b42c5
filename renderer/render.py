"""Invoice → HTML (Jinja2) → PDF (WeasyPrint).

A `Renderer` is built once per process and reused: it holds the Jinja environment, the
parsed stylesheets, WeasyPrint's font configuration and its image cache (the logo is decoded
once), so each invoice pays only for its own layout. Batch workers keep one each. It is safe
to share between threads.

What makes a render cheaper without changing the page:
* the seller's sheet (letterhead, footer texts, the FI slip's frame) is laid out once and
  kept (`renderer.sheet`); each invoice lays out only its own content, and the sheet's pages
  are laid under its pages while WeasyPrint writes them (`renderer.overlay`, from the
  finisher);
* the template's output is parsed as XML by expat rather than by WeasyPrint's HTML5 parser;
* the browser defaults come from `templates/user-agent.css` (the few rules the layout uses)
  instead of WeasyPrint's full HTML5 stylesheet, which is matched against every element;
* streams are compressed at zlib's default level instead of pydyf's level 9: the same size
  within 0.5 % in a third of the time (fonts are most of a PDF's bytes);
* each font's subset is made once per process for a fixed repertoire of letters
  (`renderer.fontsubset`), so its bytes, and their compressed form, are made once, not on
  every render;
* a property no rule sets on an element is computed by a short path (`renderer.styles`):
  the parent's value or the initial one, as WeasyPrint's general path gives it;
* the functions layout calls for every box (used lengths, floats, backgrounds) take short
  paths for the values our documents give (`renderer.layoutpaths`), with the same result;
* drawing takes short paths (`renderer.drawpaths`): each text line is shaped, and its glyphs
  worked out, once per document for every box alike, colours and numbers are written from
  kept bytes and the lines table's collapsed borders without detours, the same operators;
* pydyf makes each object's bytes once (`renderer.writepaths`), not again to hash the file
  for its /ID;
* a long invoice is written as two PDFs of half its pages each, the second laid out by
  another process while this one lays out the first where one is lent (`layout_helper`: in
  the render pool, an idle sibling worker; `renderer.chunked`);
* Python's cyclic garbage collector is paused while a document is laid out (a render builds
  hundreds of thousands of short-lived objects and no cycles that outlive it; the layout is
  let go before it runs again, so it never walks it), and
  `warm_up()` moves what a long-lived process keeps (fonts, stylesheets, templates) out of
  the collector's sight with `gc.freeze()`.
"""

from __future__ import annotations

import gc
import io
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal
from xml.etree import ElementTree

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from renderer.system import RendererUnavailable

try:
    import cssselect2
    import pydyf
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration
except OSError as _error:  # Pango or HarfBuzz missing: one clear line, not a traceback
    raise RendererUnavailable.from_os_error(_error) from None

from faktura.computed import ComputedInvoice
from faktura.model import Invoice
from faktura.money import round_ore
from faktura.settings import Settings
from renderer import chunked, formatting
from renderer.collector import collector_paused
from renderer.document import InvoiceView, build_view
from renderer.embedded import EmbeddedFile, PdfVariant
from renderer.fontsubset import shared_subsets
from renderer.framestack import on_roomy_stack
from renderer.overlay import Underlay, join, lay_under, own_resources
from renderer.paths import STYLESHEET, TEMPLATES_DIR, USER_AGENT_STYLESHEET
from renderer.resources import ProjectOnlyFetcher
from renderer.sheet import Sheet, SheetCache, fits, measure
from renderer import drawpaths  # noqa: F401 - drawing takes the short paths
from renderer import layoutpaths  # noqa: F401 - layout takes the short paths
from renderer import styles  # noqa: F401 - computed styles take the short path
from renderer import writepaths  # noqa: F401 - writing takes the short path

#: Every PDF the product writes is PDF/A-3b (archival: fonts embedded, XMP metadata with the
#: conformance claim, an sRGB output intent), previews and drafts included. `None` asks for
#: the same: there is no plain-PDF mode.
PDF_VARIANT: Literal["pdf/a-3b"] = "pdf/a-3b"

_WARM_UP_PAGE = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"></head><body>
<h1>Faktura 1</h1><table class="lines"><thead><tr><th>Tekst</th><th class="num">Beløb</th></tr>
</thead><tbody><tr><td>Rådgivning</td><td class="num">1.000,00</td></tr></tbody></table>
<p><strong>Betal</strong> <em>senest</em> <span class="codeline-inline">+71&lt;</span></p>
</body></html>"""


class _Packed:
    """Streams compressed once at zlib's default level, the newest `size` kept (those of at
    most `largest` bytes; an embedded file is compressed each time): the shared font subsets
    (`renderer.fontsubset`) are the same bytes in every PDF of a process, and so are the
    sRGB output profile and, for an invoice rendered again (an edited draft's preview), its
    fonts' ToUnicode maps."""

    def __init__(self, size: int = 32, largest: int | None = None) -> None:
        self._size = size
        self._largest = largest
        self._lock = threading.Lock()
        self._packed: OrderedDict[bytes, bytes] = OrderedDict()

    def __call__(self, data: bytes) -> bytes:
        if self._largest is not None and len(data) > self._largest:
            return zlib.compress(data, zlib.Z_DEFAULT_COMPRESSION)
        with self._lock:
            packed = self._packed.get(data)
            if packed is not None:
                self._packed.move_to_end(data)
                return packed
        packed = zlib.compress(data, zlib.Z_DEFAULT_COMPRESSION)
        with self._lock:
            self._packed[data] = packed
            while len(self._packed) > self._size:
                self._packed.popitem(last=False)
        return packed


class _DefaultLevelStream(pydyf.Stream):
    """A PDF stream compressed at zlib's default level (pydyf uses level 9), once: pydyf
    asks for every object's bytes twice, to write it and to hash the file for its /ID."""

    pack = staticmethod(_Packed(64, largest=16 * 1024))

    @cached_property
    def data(self) -> bytes:
        stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
        extra = pydyf.Dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            stream = self.pack(stream)
        extra["Length"] = len(stream)
        return b"\n".join((extra.data, b"stream", stream, b"endstream"))


class _FontFileStream(_DefaultLevelStream):
    """An embedded font program, compressed once per process."""

    pack = staticmethod(_Packed())


def _is_font_file(stream: pydyf.Stream) -> bool:
    return stream.extra.get("Subtype") == "/OpenType" or "Length1" in stream.extra


def _compress_at_default_level(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: every plain `pydyf.Stream` of the PDF (fonts, images, forms)
    compresses at the default level, each font program once per process. The pages' content
    streams (WeasyPrint's own subclass) keep pydyf's level 9, as every invoice so far was
    written: changing it would change the bytes of every invoice for ~1 ms a page."""
    for pdf_object in pdf.objects:
        if type(pdf_object) is pydyf.Stream:
            pdf_object.__class__ = (_FontFileStream if _is_font_file(pdf_object)
                                    else _DefaultLevelStream)


class _InvoiceHTML(HTML):
    """An HTML document whose browser defaults are the layout's own small stylesheet."""

    user_agent_stylesheet: CSS

    @classmethod
    def from_template(cls, html: str, *, base_url: str, url_fetcher: Any) -> _InvoiceHTML:
        """The template's output, parsed as the XML it also is (expat, in C) rather than by
        WeasyPrint's HTML5 parser (in Python): the same tree, the template writing every
        element closed and every table's row group (tests/test_render_layers.py compares).
        Anything that is not well-formed XML goes to the HTML5 parser."""
        try:
            root = ElementTree.fromstring(html)
        except ElementTree.ParseError:
            return cls(string=html, base_url=base_url, url_fetcher=url_fetcher)
        document = cls.__new__(cls)
        document.base_url = base_url
        document.url_fetcher = url_fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
        return document

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [self.user_agent_stylesheet]


def _one_af_entry_per_file(_document: Any, pdf: Any) -> None:
    """List each embedded file once in the catalogue's /AF array (a WeasyPrint finisher).

    WeasyPrint's PDF/A-3 step adds a file found both in the EmbeddedFiles name tree and as a
    file specification twice; the array names the associated files, so once is right."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


def _metadata_uncompressed(_document: Any, pdf: Any) -> None:
    """Write the XMP metadata stream uncompressed (a WeasyPrint finisher): any tool that
    scans a file for XMP packets finds the invoice's title and PDF/A claim, as it did when
    qpdf wrote the file."""
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, pydyf.Stream) and pdf_object.extra.get("Type") == "/Metadata":
            pdf_object.compress = False


def _finish(document: Any, pdf: Any) -> None:
    """The WeasyPrint finisher of every PDF: each embedded file listed once, the metadata
    uncompressed, plain streams compressed at the default level."""
    _one_af_entry_per_file(document, pdf)
    _metadata_uncompressed(document, pdf)
    _compress_at_default_level(document, pdf)


def _finisher(underlay: Underlay | None) -> Callable[[Any, Any], None]:
    """`_finish`, then the sheet laid under the pages (`renderer.overlay`), if any."""
    if underlay is None:
        return _finish

    def finish(document: Any, pdf: Any) -> None:
        _finish(document, pdf)
        lay_under(pdf, underlay)

    return finish


def _localised(function: Callable[..., str]) -> Callable[..., str]:
    """A Jinja filter that formats in the language of the invoice being rendered."""

    @pass_context
    def bound(context: Context, value: Any, *args: Any) -> str:
        return function(value, *args, context["view"].language)

    return bound


def kroner(value: Decimal) -> str:
    """The whole kroner of an amount, for the slip's 'Kroner' field."""
    return str(int(round_ore(value)))


def ore(value: Decimal) -> str:
    """The øre of an amount, two digits, for the slip's 'Øre' field."""
    return f"{int(round_ore(value) * 100) % 100:02d}"


class Renderer:
    """Renders invoices in the ClientTime layout; one instance serves many invoices."""

    #: Who lays out a long invoice's second piece beside this process, while it is set (the
    #: render pool's worker sets it for a render where a sibling is idle); None: the invoice
    #: is laid out in one pass and written in the same two pieces, the same bytes.
    layout_helper: chunked.PieceLayouter | None = None

    def __init__(self) -> None:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for name in ("amount", "price", "money", "quantity", "percent", "rate", "short_date",
                     "long_date"):
            env.filters[name] = _localised(getattr(formatting, name))
        env.filters.update(kroner=kroner, ore=ore)
        self._template = env.get_template("invoice.html.j2")
        self._fetcher = ProjectOnlyFetcher()
        self._fonts = FontConfiguration()
        self._css = CSS(filename=str(STYLESHEET), font_config=self._fonts,
                        url_fetcher=self._fetcher)
        self._user_agent_css = CSS(filename=str(USER_AGENT_STYLESHEET),
                                   url_fetcher=self._fetcher)
        self._images: dict[str, Any] = {}
        self._sheets = SheetCache()
        self._base_url = TEMPLATES_DIR.as_uri() + "/"

    def warm_up(self) -> None:
        """Render a small page once and freeze what the process keeps from then on.

        For long-lived processes (batch workers, the API): after `gc.freeze()` the collector
        no longer walks the fonts, stylesheets, templates and caches on every collection."""
        self.pdf_from_html(_WARM_UP_PAGE)
        gc.collect()
        gc.freeze()

    def html(self, view: InvoiceView, *, standalone: bool = False) -> str:
        """The invoice as HTML; `standalone` links the stylesheet, for opening in a browser."""
        href = STYLESHEET.as_uri() if standalone else None
        return self._template.render(view=view, stylesheet_href=href)

    @on_roomy_stack
    def pdf_from_html(self, html: str, *, pdf_variant: PdfVariant = None,
                      attachments: Sequence[EmbeddedFile] = (), dated: date | None = None
                      ) -> bytes:
        """The PDF of `html`; `dated` is the date the embedded files carry (else today)."""
        with collector_paused():
            return self._write(self._layout(html), pdf_variant, attachments, dated)

    @on_roomy_stack
    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None,
            attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        """The invoice's PDF: its content laid out and written, the seller's sheet under it."""
        slip = view.fi_slip
        if not fits(slip, kroner(slip.amount) if slip else ""):
            return self.pdf_from_html(self.html(view), pdf_variant=pdf_variant,
                                      attachments=attachments, dated=view.invoice.issue_date)
        sheet = self.sheet(view, pdf_variant=pdf_variant)
        pieces = chunked.render(self, self.layout_helper, view, sheet, pdf_variant,
                                attachments)
        if pieces is not None:
            return join(pieces)
        html = self._template.render(view=view, stylesheet_href=None, layer="content",
                                     sheet=sheet)
        with collector_paused():
            document = self._layout(html, template=True)
            underlay = sheet.underlay(len(document.pages), slip is not None)
            content = self._write(document, pdf_variant, attachments, view.invoice.issue_date,
                                  underlay)
            del document
        return content

    def sheet(self, view: InvoiceView, *, pdf_variant: PdfVariant = None) -> Sheet:
        """The sheet the invoice is printed on: rendered once per seller, language and slip."""
        html = self._template.render(view=view, stylesheet_href=None, layer="sheet")
        key = f"{pdf_variant or PDF_VARIANT}\n{html}"
        sheet = self._sheets.get(key)
        if sheet is None:
            with collector_paused():
                document = self._layout(html, template=True)
                pdf = own_resources(self._write(document, pdf_variant, ()))
                sheet = measure(document, pdf)
            self._sheets.put(key, sheet)
        return sheet

    def _layout(self, html: str, *, template: bool = False, css: CSS | None = None) -> Any:
        if template:
            document = _InvoiceHTML.from_template(html, base_url=self._base_url,
                                                  url_fetcher=self._fetcher)
        else:
            document = _InvoiceHTML(string=html, base_url=self._base_url,
                                    url_fetcher=self._fetcher)
        document.user_agent_stylesheet = self._user_agent_css
        stylesheets = [self._css] if css is None else [self._css, css]
        return document.render(stylesheets=stylesheets, font_config=self._fonts,
                               cache=self._images)

    def _write(self, document: Any, pdf_variant: PdfVariant,
               attachments: Sequence[EmbeddedFile], dated: date | None = None,
               underlay: Underlay | None = None) -> bytes:
        """The PDF, with the sheet laid under its pages as `underlay` says. Embedded files
        are dated `dated` (the invoice's issue date), not the moment of writing: the same
        invoice gives the same bytes whenever it is rendered."""
        options: dict[str, Any] = {"pdf_variant": pdf_variant or PDF_VARIANT,
                                   "finisher": _finisher(underlay)}
        if attachments:
            stamp = None if dated is None else datetime.combine(dated, time(), UTC)
            options["attachments"] = [
                Attachment(file_obj=io.BytesIO(file.data), name=file.filename,
                           description=file.description, relationship=file.relationship,
                           created=stamp, modified=stamp)
                for file in attachments]
        with shared_subsets():
            return document.write_pdf(**options)

    def render(self, invoice: Invoice | ComputedInvoice, settings: Settings, *,
               draft: bool = False, pdf_variant: PdfVariant = None,
               attachments: Sequence[EmbeddedFile] = ()) -> tuple[InvoiceView, bytes]:
        """Build the view and the PDF of one invoice, with any files it carries."""
        view = build_view(invoice, settings, draft=draft)
        if not attachments:  # a subclass's pdf() may predate embedded files
            return view, self.pdf(view, pdf_variant=pdf_variant)
        return view, self.pdf(view, pdf_variant=pdf_variant, attachments=attachments)
