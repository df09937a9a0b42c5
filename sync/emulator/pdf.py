"""A small "Uniconta layout" invoice PDF, written directly (one page, Helvetica).

This stands in for the PDF Uniconta's report engine would produce; it is a real PDF (bytes start
with ``%PDF-``) showing the Uniconta layout marker, document title and number, customer, lines
and totals, so a client can store or forward it and tests can read it back with pypdf.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

_TITLES = {
    "Invoice": "Faktura",
    "Creditnote": "Kreditnota",
    "Packnote": "Følgeseddel",
    "OrderConfirmation": "Ordrebekræftelse",
    "Offer": "Tilbud",
    "PurchageOrder": "Indkøbsordre",
    "Requisition": "Rekvisition",
}

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


def text_lines(doc: PdfDocument) -> list[tuple[float, str]]:
    """The page's text as (font size, line), top to bottom."""
    title = _TITLES.get(doc.document_type, doc.document_type)
    number = "KLADDE (simulering)" if doc.simulated else f"nr. {doc.number}"
    out = [(8.0, f"UNICONTA LAYOUT · {doc.company_name}"), (18.0, f"{title} {number}"),
           (10.0, ""), (10.0, f"Kunde {doc.customer_account}"), (10.0, doc.customer_name)]
    out += [(10.0, line) for line in doc.customer_address if line]
    out += [(10.0, ""), (10.0, f"Dato: {doc.date}   Forfald: {doc.due_date}"
                                f"   Deres ref.: {doc.your_ref}"), (10.0, "")]
    out += [(10.0, f"{line.text[:60]:<60} {line.qty.normalize():f} x {_money(line.price)}"
                   f" = {_money(line.amount)}") for line in doc.lines]
    out += [(10.0, ""), (10.0, f"Netto {_money(doc.net)} {doc.currency}"),
            (10.0, f"Moms {_money(doc.vat)} {doc.currency}"),
            (12.0, f"Total {_money(doc.total)} {doc.currency}")]
    return out


def _pdf_string(text: str) -> bytes:
    data = text.encode("cp1252", errors="replace")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def render_pdf(doc: PdfDocument) -> bytes:
    """A one-page PDF in Helvetica (a standard font: nothing embedded, no layout engine).

    Uniconta's real report engine is not ours to imitate; what matters to a client is a real
    PDF it can archive and read back, produced as fast as a posting.
    """
    y, ops = 800.0, [b"BT"]
    for size, line in text_lines(doc):
        y -= size * 1.5
        ops.append(b"/F1 %.1f Tf 1 0 0 1 50 %.1f Tm " % (size, y) + _pdf_string(line) + b" Tj")
        if y < 60:
            break
    ops.append(b"ET")
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
