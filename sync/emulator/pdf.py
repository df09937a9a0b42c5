"""A small "Uniconta layout" invoice PDF, rendered with WeasyPrint from a tiny HTML page.

This stands in for the PDF Uniconta's report engine would produce; it is a real PDF (bytes start
with ``%PDF-``) showing the Uniconta layout marker, document title and number, customer, lines
and totals, so a client can store or forward it and tests can read it back with pypdf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

_TITLES = {
    "Invoice": "Faktura",
    "Creditnote": "Kreditnota",
    "Packnote": "Følgeseddel",
    "OrderConfirmation": "Ordrebekræftelse",
    "Offer": "Tilbud",
    "PurchageOrder": "Indkøbsordre",
    "Requisition": "Rekvisition",
}

_CSS = """
@page { size: A4; margin: 18mm; }
body { font-size: 10pt; color: #222; }
.brand { color: #0a5a8c; font-weight: bold; font-size: 9pt; letter-spacing: 1px; }
h1 { font-size: 18pt; margin: 4mm 0; }
table { width: 100%; border-collapse: collapse; margin-top: 6mm; }
th, td { padding: 1.5mm 2mm; border-bottom: 0.3pt solid #bbb; text-align: left; }
td.n, th.n { text-align: right; }
.totals td { border: none; }
"""


@dataclass
class PdfLine:
    text: str
    qty: Decimal
    price: Decimal
    amount: Decimal


@dataclass
class PdfDocument:
    """What the layout shows."""

    company_name: str
    document_type: str
    number: int
    date: str
    due_date: str
    customer_account: str
    customer_name: str
    customer_address: list[str]
    currency: str
    net: Decimal
    vat: Decimal
    total: Decimal
    lines: list[PdfLine] = field(default_factory=list)
    your_ref: str = ""
    simulated: bool = False


def _money(value: Decimal) -> str:
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def render_html(doc: PdfDocument) -> str:
    """The HTML of the layout (exposed for tests and debugging)."""
    title = _TITLES.get(doc.document_type, doc.document_type)
    number = "KLADDE (simulering)" if doc.simulated else f"nr. {doc.number}"
    rows = "".join(
        f"<tr><td>{escape(line.text)}</td><td class='n'>{line.qty.normalize():f}</td>"
        f"<td class='n'>{_money(line.price)}</td><td class='n'>{_money(line.amount)}</td></tr>"
        for line in doc.lines
    )
    address = "<br>".join(escape(a) for a in doc.customer_address if a)
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{_CSS}</style></head><body>
<div class="brand">UNICONTA LAYOUT · {escape(doc.company_name)}</div>
<h1>{escape(title)} {escape(number)}</h1>
<p><b>Kunde {escape(doc.customer_account)}</b><br>{escape(doc.customer_name)}<br>{address}</p>
<p>Dato: {escape(doc.date)} · Forfald: {escape(doc.due_date)}
 · Deres ref.: {escape(doc.your_ref)}</p>
<table><tr><th>Tekst</th><th class="n">Antal</th><th class="n">Pris</th>
<th class="n">Beløb</th></tr>
{rows}</table>
<table class="totals">
<tr><td>Netto</td><td class="n">{_money(doc.net)} {escape(doc.currency)}</td></tr>
<tr><td>Moms</td><td class="n">{_money(doc.vat)} {escape(doc.currency)}</td></tr>
<tr><td><b>Total</b></td><td class="n"><b>{_money(doc.total)} {escape(doc.currency)}</b></td></tr>
</table></body></html>"""


def render_pdf(doc: PdfDocument) -> bytes:
    """Render the document to PDF bytes."""
    from weasyprint import HTML  # imported lazily: slow import, only needed when posting

    data = HTML(string=render_html(doc)).write_pdf()
    assert data is not None and data.startswith(b"%PDF-")
    return data
