"""Invoice → HTML (Jinja2) → PDF (WeasyPrint).

A `Renderer` is built once per process and reused: it holds the Jinja environment, the
parsed stylesheet and WeasyPrint's font configuration, so each invoice pays only for its
own layout. Batch workers keep one each. It is safe to share between threads.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from renderer.system import RendererUnavailable, warn_if_slow

try:
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration
except OSError as _error:  # Pango or HarfBuzz missing: one clear line, not a traceback
    raise RendererUnavailable.from_os_error(_error) from None

from faktura.computed import ComputedInvoice
from faktura.model import Invoice
from faktura.money import round_ore
from faktura.settings import Settings
from renderer import formatting
from renderer.document import InvoiceView, build_view
from renderer.resources import TEMPLATES_DIR, ProjectOnlyFetcher

PdfVariant = Literal["pdf/a-3b"] | None
#: Every PDF the product writes is PDF/A-3b (archival: fonts embedded, XMP metadata with the
#: conformance claim, an sRGB output intent), previews and drafts included. `None` asks for
#: the same: there is no plain-PDF mode.
PDF_VARIANT: Literal["pdf/a-3b"] = "pdf/a-3b"
STYLESHEET = TEMPLATES_DIR / "invoice.css"


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside the PDF, e.g. the e-invoice XML in a PDF/A-3 (an alternative
    representation of the same invoice: AFRelationship /Alternative)."""

    filename: str
    data: bytes
    description: str = ""
    relationship: Literal["Alternative", "Data", "Source", "Supplement"] = "Alternative"


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

    def __init__(self) -> None:
        warn_if_slow()
        env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for name in ("amount", "money", "quantity", "percent", "rate", "short_date",
                     "long_date"):
            env.filters[name] = _localised(getattr(formatting, name))
        env.filters.update(kroner=kroner, ore=ore)
        self._template = env.get_template("invoice.html.j2")
        self._fetcher = ProjectOnlyFetcher()
        self._fonts = FontConfiguration()
        self._css = CSS(filename=str(STYLESHEET), font_config=self._fonts,
                        url_fetcher=self._fetcher)
        self._base_url = TEMPLATES_DIR.as_uri() + "/"

    def html(self, view: InvoiceView, *, standalone: bool = False) -> str:
        """The invoice as HTML; `standalone` links the stylesheet, for opening in a browser."""
        href = STYLESHEET.as_uri() if standalone else None
        return self._template.render(view=view, stylesheet_href=href)

    def pdf_from_html(self, html: str, *, pdf_variant: PdfVariant = None,
                      attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        document = HTML(string=html, base_url=self._base_url, url_fetcher=self._fetcher)
        options: dict[str, Any] = {"pdf_variant": pdf_variant or PDF_VARIANT}
        if attachments:
            options["attachments"] = [
                Attachment(file_obj=io.BytesIO(file.data), name=file.filename,
                           description=file.description, relationship=file.relationship)
                for file in attachments]
        return document.write_pdf(stylesheets=[self._css], font_config=self._fonts, **options)

    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None,
            attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        return self.pdf_from_html(self.html(view), pdf_variant=pdf_variant,
                                  attachments=attachments)

    def render(self, invoice: Invoice | ComputedInvoice, settings: Settings, *,
               draft: bool = False, pdf_variant: PdfVariant = None,
               attachments: Sequence[EmbeddedFile] = ()) -> tuple[InvoiceView, bytes]:
        """Build the view and the PDF of one invoice, with any files it carries."""
        view = build_view(invoice, settings, draft=draft)
        if not attachments:  # a subclass's pdf() may predate embedded files
            return view, self.pdf(view, pdf_variant=pdf_variant)
        return view, self.pdf(view, pdf_variant=pdf_variant, attachments=attachments)
