"""One e-invoice document: checked, written, and named for archiving and embedding."""

from __future__ import annotations

from dataclasses import dataclass

from einvoice.checks import check
from einvoice.terms import FORMAT_NAMES, Format
from einvoice.ubl import build_xml
from faktura.computed import ComputedInvoice
from faktura.settings import Settings


@dataclass(frozen=True)
class EInvoice:
    """The XML of an issued invoice in one format, with what an archive or a PDF/A-3 needs."""

    format: Format  # "oioubl" or "peppol"
    format_name: str  # "OIOUBL 2.1", "Peppol BIS Billing 3.0"
    filename: str  # "<invoice number>.xml"
    xml: bytes
    media_type: str = "application/xml"


def build(computed: ComputedInvoice, settings: Settings, fmt: Format) -> EInvoice:
    """The e-invoice of a numbered computed invoice, or `InvalidInput` naming the rule it breaks.

    The invoice is checked against the rules first (`einvoice.checks`): an e-invoice that the
    buyer's access point would reject is refused, not produced.
    """
    check(computed, settings, fmt)
    return EInvoice(format=fmt, format_name=FORMAT_NAMES[fmt],
                    filename=f"{computed.invoice_number}.xml",
                    xml=build_xml(computed, settings, fmt))
