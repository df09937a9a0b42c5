"""A full credit note of an issued invoice: the same customer, supply and lines, credited.

The credit note names the invoice it credits (BT-25) and states what it credits as positive
amounts, as every credit note here does (EN 16931). Its identity in the source system is
derived from the credited invoice's number, so asking twice gives the same credit note (issuing
is idempotent on that identity), never two.

>>> credit_note_source_id("20260004")
'credit-of-20260004'
"""

from __future__ import annotations

from datetime import date

from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice, InvoiceTypeCode

#: What a full credit note leaves out of the invoice it credits: its number (Uniconta gives
#: the credit note its own), its due date (a credit note's is its issue date plus terms) and
#: the source system's own number of the invoice.
_NOT_COPIED = ("invoice_number", "due_date", "source_invoice_number")


def credit_note_source_id(invoice_number: str) -> str:
    """The source id of the full credit note of invoice `invoice_number`."""
    return f"credit-of-{invoice_number}"


def full_credit_note(invoice: Invoice, invoice_number: str, issue_date: date) -> Invoice:
    """The credit note crediting all of `invoice` (issued as `invoice_number`), dated
    `issue_date`; refuses a credit note (a credit note credits an invoice)."""
    if invoice.is_credit_note:
        raise InvalidInput("", [Problem("preceding_invoice_reference",
                                        "names a credit note: a credit note credits an"
                                        " invoice")])
    data = invoice.model_dump(mode="json", exclude=set(_NOT_COPIED))
    data.update(source_id=credit_note_source_id(invoice_number),
                type_code=int(InvoiceTypeCode.CREDIT_NOTE),
                preceding_invoice_reference=invoice_number,
                issue_date=issue_date.isoformat())
    return Invoice.model_validate(data)
