"""One e-invoice document: which format an invoice gets, checked, written, and named for
archiving and embedding."""

from __future__ import annotations

from dataclasses import dataclass

from einvoice.checks import check
from einvoice.terms import FORMAT_NAMES, Format
from einvoice.ubl import build_xml
from faktura.computed import ComputedInvoice
from faktura.model import Invoice
from faktura.settings import Settings


@dataclass(frozen=True)
class EInvoice:
    """The XML of an issued invoice in one format, with what an archive or a PDF/A-3 needs."""

    format: Format  # "oioubl" or "peppol"
    format_name: str  # "OIOUBL 2.1", "Peppol BIS Billing 3.0"
    filename: str  # "<invoice number>.xml"
    xml: bytes
    media_type: str = "application/xml"

    @property
    def attachment_name(self) -> str:
        """The name it carries inside the PDF/A-3: '<invoice number>-<format>.xml'."""
        return f"{self.filename.removesuffix('.xml')}-{self.format}.xml"


def format_for(invoice: Invoice, settings: Settings) -> Format | None:
    """The format issuing makes for this invoice (`[einvoice]`), or None for no e-invoice.

    A buyer with an EAN (GLN) gets OIOUBL, for NemHandel, unless e-invoices are off; any
    other buyer gets the `format` setting when e-invoices are made always, else none.
    """
    when = settings.einvoice.when
    if when == "never":
        return None
    if invoice.buyer_ean:
        return "oioubl"
    return settings.einvoice.format if when == "always" else None


def build(computed: ComputedInvoice, settings: Settings, fmt: Format) -> EInvoice:
    """The e-invoice of a numbered computed invoice, or `InvalidInput` naming the rule it breaks.

    The invoice is checked against the rules first (`einvoice.checks`): an e-invoice that the
    buyer's access point would reject is refused, not produced.
    """
    check(computed, settings, fmt)
    return EInvoice(format=fmt, format_name=FORMAT_NAMES[fmt],
                    filename=f"{computed.invoice_number}.xml",
                    xml=build_xml(computed, settings, fmt))
