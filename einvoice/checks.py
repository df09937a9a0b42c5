"""What the e-invoice rules demand of an invoice, checked before a document is made.

The official rule sets (OIOUBL schematron 1.17.2, EN 16931 and Peppol BIS 3.0 with the
Danish DK-R rules) are the authority; these are the product's own checks of the rules an
invoice from this product can break, so that an invalid e-invoice is refused with a reason
a user can act on rather than produced. Each problem names the invoice field and the rule.
"""

from __future__ import annotations

from decimal import Decimal

from einvoice import formats
from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput, Problem
from faktura.settings import Settings

#: FI card type → the payment ID's length (F-LIB156/157, DK-R-010).
FIK_ID_LENGTH = {"71": 15, "75": 16}


def problems(computed: ComputedInvoice, settings: Settings, fmt: str) -> list[Problem]:
    """Every rule the invoice breaks for the format (by name); empty when it may be sent.

    The rules every format shares (a number, totals that add up, the FI payment, the VAT in
    DKK) are checked here; the format checks its own (`EInvoiceFormat.problems`)."""
    found: list[Problem] = []
    if computed.invoice_number is None or computed.payment is None:
        found.append(Problem("invoice_number", "an e-invoice needs the number the ledger"
                                               " assigned (a draft cannot be sent)"))
    found += _totals(computed)
    found += _payment(computed)
    found += formats.get(fmt).problems(computed, settings)
    if computed.totals.is_foreign_currency and computed.totals.vat_amount_dkk is None:
        found.append(Problem("exchange_rate", "a foreign-currency invoice states its VAT in DKK"
                                              " [BR-53]"))
    return found


def _totals(computed: ComputedInvoice) -> list[Problem]:
    """The totals add up (BR-CO-10, -13, -14, -15, -16; F-INV126/127/128/133)."""
    totals = computed.totals
    lines = sum((line.net_amount for line in computed.lines if line.net_amount is not None),
                start=Decimal("0.00"))
    breakdown = totals.vat_breakdown
    checks = (
        (lines == totals.line_total, "line_total", "BR-CO-10",
         "the sum of the line amounts"),
        (sum(b.taxable_amount for b in breakdown) == totals.line_total, "taxable_amount",
         "BR-CO-13", "the sum of the taxable amounts"),
        (sum(b.tax_amount for b in breakdown) == totals.vat_amount, "vat_amount", "BR-CO-14",
         "the sum of the VAT per category"),
        (totals.line_total + totals.vat_amount == totals.total_with_vat, "total_with_vat",
         "BR-CO-15", "the total without VAT plus the VAT"),
        (totals.total_with_vat == totals.amount_due, "amount_due", "BR-CO-16",
         "the total with VAT (nothing is prepaid)"),
    )
    return [Problem(f"totals.{field}", f"does not equal {what} [{rule}]")
            for ok, field, rule, what in checks if not ok]


def _payment(computed: ComputedInvoice) -> list[Problem]:
    """The FI payment: card type, payment ID length, creditor number (F-LIB152–157, DK-R-010)."""
    fik = computed.payment.fik if computed.payment else None
    if fik is None:
        return []
    found = []
    length = FIK_ID_LENGTH.get(fik.card_type)
    if length is None:
        found.append(Problem("layout.fi_card_type", "an e-invoice carries FI card type 71 or"
                                                    " 75 [F-LIB155, DK-R-010]"))
    elif fik.payment_id is None or len(fik.payment_id) != length:
        found.append(Problem("invoice_number", f"the payment ID of card type {fik.card_type}"
                                               f" must be {length} digits [F-LIB156/157]"))
    if not (len(fik.creditor_number) == 8 and fik.creditor_number.isdigit()):
        found.append(Problem("integration.FiCreditorNumber", "the FI creditor number must be"
                                                             " 8 digits [DK-R-011]"))
    return found


def check(computed: ComputedInvoice, settings: Settings, fmt: str) -> None:
    """Raise `InvalidInput` naming every rule the invoice breaks for the format."""
    found = problems(computed, settings, fmt)
    if found:
        raise InvalidInput("invoice", found)
