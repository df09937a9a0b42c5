"""E-invoices: OIOUBL 2.1 and Peppol BIS Billing 3.0 (UBL 2.1) from the computed invoice."""

from einvoice.checks import check, problems
from einvoice.export import EInvoice, build, format_for
from einvoice.terms import FORMAT_NAMES, FORMATS, Format

__all__ = ["FORMATS", "FORMAT_NAMES", "EInvoice", "Format", "build", "check", "format_for",
           "problems"]
