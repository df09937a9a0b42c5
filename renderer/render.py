"""Invoice → HTML (Jinja2) → PDF (WeasyPrint).

A `Renderer` is built once per process and reused: it holds the Jinja environment, the
parsed stylesheet and WeasyPrint's font configuration, so each invoice pays only for its
own layout. Batch workers keep one each. It is safe to share between threads.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from renderer.system import RendererUnavailable, warn_if_slow

try:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
except OSError as _error:  # Pango or HarfBuzz missing: one clear line, not a traceback
    raise RendererUnavailable.from_os_error(_error) from None

from faktura.model import Invoice
from faktura.money import round_ore
from faktura.settings import Settings
from renderer import formatting
from renderer.document import InvoiceView, build_view
from renderer.resources import TEMPLATES_DIR, ProjectOnlyFetcher

PdfVariant = Literal["pdf/a-3b"] | None
STYLESHEET = TEMPLATES_DIR / "invoice.css"


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

    def pdf_from_html(self, html: str, *, pdf_variant: PdfVariant = None) -> bytes:
        document = HTML(string=html, base_url=self._base_url, url_fetcher=self._fetcher)
        options = {"pdf_variant": pdf_variant} if pdf_variant else {}
        return document.write_pdf(stylesheets=[self._css], font_config=self._fonts, **options)

    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None) -> bytes:
        return self.pdf_from_html(self.html(view), pdf_variant=pdf_variant)

    def render(self, invoice: Invoice, settings: Settings, *, draft: bool = False,
               pdf_variant: PdfVariant = None) -> tuple[InvoiceView, bytes]:
        """Build the view and the PDF of one invoice."""
        view = build_view(invoice, settings, draft=draft)
        return view, self.pdf(view, pdf_variant=pdf_variant)
