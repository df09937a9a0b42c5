"""One e-invoice document: which format an invoice gets, checked, written, and named for
archiving and embedding."""

from __future__ import annotations

from dataclasses import dataclass

from einvoice import formats
from einvoice.checks import check
from faktura.computed import ComputedInvoice
from faktura.model import Invoice
from faktura.settings import Settings


@dataclass(frozen=True)
class EInvoice:
    """The document of an issued invoice in one format, with what an archive or a PDF/A-3
    needs."""

    format: str  # the format's name: "oioubl", "peppol"
    format_name: str  # its title: "OIOUBL 2.1", "Peppol BIS Billing 3.0"
    filename: str  # "<invoice number>.xml"
    xml: bytes
    media_type: str = "application/xml"
    archive_label: str = ""  # the archive's `xml_format`
    attachment_name: str = ""  # inside the PDF/A-3: "<invoice number>-<format>.xml"


def format_for(invoice: Invoice, settings: Settings) -> str | None:
    """The format issuing makes for this invoice (`[einvoice]`), or None for no e-invoice.

    A buyer with an EAN (GLN) gets the format serving them (OIOUBL, for NemHandel), unless
    e-invoices are off; any other buyer gets the `format` setting when e-invoices are made
    always, else none.
    """
    when = settings.einvoice.when
    if when == "never":
        return None
    if invoice.buyer_ean:
        return formats.for_ean_buyers().name
    return formats.get(settings.einvoice.format).name if when == "always" else None


def build(computed: ComputedInvoice, settings: Settings, fmt: str) -> EInvoice:
    """The e-invoice of a numbered computed invoice, or `InvalidInput` naming the rule it breaks.

    The invoice is checked against the rules first (`einvoice.checks`): an e-invoice that the
    buyer's access point would reject is refused, not produced.
    """
    chosen = formats.get(fmt)
    check(computed, settings, fmt)
    return EInvoice(format=chosen.name, format_name=chosen.title,
                    filename=f"{computed.invoice_number}.xml",
                    xml=chosen.build(computed, settings), media_type=chosen.media_type,
                    archive_label=chosen.label,
                    attachment_name=f"{computed.invoice_number}{chosen.file_suffix}")
