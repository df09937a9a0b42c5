"""What the e-invoice rules demand of an invoice, checked before a document is made.

The official rule sets (OIOUBL schematron 1.17.2, EN 16931 and Peppol BIS 3.0 with the
Danish DK-R rules) are the authority; these are the product's own checks of the rules an
invoice from this product can break, so that an invalid e-invoice is refused with a reason
a user can act on rather than produced. Each problem names the invoice field and the rule.
"""

from __future__ import annotations

from decimal import Decimal

from einvoice.terms import Format
from einvoice.ubl import buyer_endpoint, payment_route
from faktura.computed import ComputedInvoice
from faktura.errors import InvalidInput, Problem
from faktura.settings import Settings

#: Why a buyer without an electronic address (BT-49) gets no e-invoice, per format.
NO_ELECTRONIC_ADDRESS: dict[Format, str] = {
    "oioubl": "the buyer needs an electronic address: an EAN (GLN) number or a Danish CVR"
              " number [F-INV044]",
    "peppol": "the buyer needs an electronic address: an EAN (GLN) number, an organisation"
              " number (Danish, Swedish, Norwegian, Finnish, Belgian, Italian) or a European"
              " VAT number [PEPPOL-EN16931-R010]",
}

#: FI card type → the payment ID's length (F-LIB156/157, DK-R-010).
FIK_ID_LENGTH = {"71": 15, "75": 16}


def problems(computed: ComputedInvoice, settings: Settings, fmt: Format) -> list[Problem]:
    """Every rule the invoice breaks for the format; empty when it may be sent."""
    found: list[Problem] = []
    invoice = computed.invoice
    if computed.invoice_number is None or computed.payment is None:
        found.append(Problem("invoice_number", "an e-invoice needs the number the ledger"
                                               " assigned (a draft cannot be sent)"))
    found += _totals(computed)
    found += _lines(computed, fmt)
    found += _payment(computed)
    if fmt == "oioubl" and payment_route(computed, settings) == "iban" and not settings.seller.bic:
        found.append(Problem("seller.bic", "an OIOUBL bank transfer by IBAN (code 31) needs the"
                                           " bank's BIC [F-LIB113]"))
    if buyer_endpoint(computed, fmt) is None:
        found.append(Problem("customer.ean", NO_ELECTRONIC_ADDRESS[fmt]))
    if fmt == "oioubl" and not invoice.buyer_reference:
        found.append(Problem("buyer_reference", "OIOUBL needs the buyer's reference (a person"
                                                " or department) [F-INV051]"))
    if fmt == "peppol" and not (invoice.buyer_reference or invoice.purchase_order_reference):
        found.append(Problem("buyer_reference", "Peppol needs the buyer's reference or the"
                                                " order reference [PEPPOL-EN16931-R003]"))
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


def _lines(computed: ComputedInvoice, fmt: Format) -> list[Problem]:
    found = []
    for index, line in enumerate(computed.lines):
        if line.is_text:
            continue
        if fmt == "oioubl" and not line.line.quantity:
            found.append(Problem(f"lines[{index}].quantity", "must not be zero in OIOUBL"
                                                            " [F-INV147]"))
    return found


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


def check(computed: ComputedInvoice, settings: Settings, fmt: Format) -> None:
    """Raise `InvalidInput` naming every rule the invoice breaks for the format."""
    found = problems(computed, settings, fmt)
    if found:
        raise InvalidInput("invoice", found)
