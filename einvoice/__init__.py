"""E-invoices from the computed invoice, one module per format (`einvoice.formats`): OIOUBL 2.1
and Peppol BIS Billing 3.0 (UBL 2.1), and any format a plug-in registers."""

from einvoice.checks import check, problems
from einvoice.export import EInvoice, build, format_for
from einvoice import formats
from einvoice.formats import EInvoiceFormat, register

#: The names of the formats on offer when this package is imported (built in and installed).
FORMATS = formats.names()

__all__ = ["FORMATS", "EInvoice", "EInvoiceFormat", "build", "check", "format_for", "problems",
           "register"]
