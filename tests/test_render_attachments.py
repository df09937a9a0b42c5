"""A PDF/A-3 invoice can carry its e-invoice XML: still PDF/A-3b, the XML an /Alternative
representation that a reader gets back byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdf

from einvoice import build
from faktura.computed import compute
from infra.invoice_file import load_invoice
from infra.settings_files import load_settings
from renderer.render import EmbeddedFile, Renderer

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_the_e_invoice_rides_in_the_pdf_a_3b_as_its_alternative() -> None:
    settings = load_settings(SAMPLES / "settings.toml")
    invoice = load_invoice(SAMPLES / "02-consulting-month.timelog.json").with_number("5123")
    computed = compute(invoice, settings)
    einvoice = build(computed, settings, "peppol")
    _, pdf = Renderer().render(invoice, settings, pdf_variant="pdf/a-3b", attachments=[
        EmbeddedFile(einvoice.filename, einvoice.xml, einvoice.format_name)])
    with pikepdf.open(io.BytesIO(pdf)) as document:
        metadata = document.open_metadata()
        assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("3", "B")
        embedded = document.attachments["5123.xml"]
        assert embedded.obj.get("/AFRelationship") == "/Alternative"
        assert embedded.description == "Peppol BIS Billing 3.0"
        assert embedded.get_file().read_bytes() == einvoice.xml
        assert any(spec.get("/F") == "5123.xml" for spec in document.Root.AF)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert computed.payment is not None and computed.payment.fik is not None
    assert computed.payment.fik.code_line in text.replace(" ", "")  # the slip is still there
