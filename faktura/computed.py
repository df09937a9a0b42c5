"""The computed invoice: one invoice, computed once, from which every document is made.

`compute(invoice, settings)` decides everything a document states about an invoice: each
line's amount and VAT category, the VAT breakdown and totals, the due date, the language,
the document type and the invoice it credits, how the buyer's VAT number is labelled and
whether reverse charge applies, and — once Uniconta has assigned the number —
the payment means with its FI code line. The PDF prints it, the e-invoice serialises it, the
sync posts it and the archive stores it; none of them computes an amount, a date or a VAT flag
of its own, so they agree to the øre and the day by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from faktura import fik, money, printable, units, vatid
from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice, InvoiceLine
from faktura.money import InvoiceTotals, VatBreakdown, compute_totals
from faktura.settings import Settings

DocumentType = Literal["invoice", "credit_note"]

#: BT-118 VAT category codes (UNCL 5305) the product uses.
STANDARD_RATED = "S"
EXEMPT = "E"
REVERSE_CHARGE = "AE"  # VAT reverse charge: VAT-free lines to a business in another EU state
VAT_FREE = (EXEMPT, REVERSE_CHARGE)


@dataclass(frozen=True)
class ComputedLine:
    """BG-25 one invoice line with what was computed for it."""

    position: int  # 1-based, as printed and as posted
    line: InvoiceLine
    net_amount: Decimal | None  # BT-131; None for a text line
    discount_percent: Decimal  # BT-138: the line's own, else the invoice's default
    vat_category: str | None  # BT-151: "S", "E" or "AE"; None for a text line
    vat_rate: Decimal | None  # BT-152
    # BT-146 Item net price: the unit price less the discount, exact (not rounded), so that
    # quantity × net price rounds to the net amount; None for a text line.
    net_price: Decimal | None = None
    # The line's share of VAT (net amount × rate), for formats that state VAT per line
    # (OIOUBL). Informational only: the invoice's VAT is the rate applied to the sum.
    vat_amount: Decimal | None = None

    @property
    def is_text(self) -> bool:
        return self.line.is_text

    @property
    def is_vat_free(self) -> bool:
        """Exempt (E) or reverse charge (AE): the line carries no Danish VAT."""
        return self.vat_category in VAT_FREE

    @property
    def is_outlay(self) -> bool:
        """An outlay (udlæg): outside the VAT base, e-invoiced as exempt (E)."""
        return self.line.outlay

    @property
    def price_discount(self) -> Decimal | None:
        """BT-147 Item price discount: unit price (BT-148 gross price) less the net price."""
        if self.net_price is None or self.line.unit_price is None:
            return None
        return self.line.unit_price - self.net_price


@dataclass(frozen=True)
class FikPayment:
    """BG-16 payment by FI card (PaymentMeansCode 93, or 50 for giro)."""

    card_type: str  # "71", "73", "75", "01", "04", "15"
    creditor_number: str  # 8 digits (7 for giro 01)
    payment_id: str | None  # the payment ID with its check digit; None for 73 and 01
    code_line: str  # "+71<000000000000018+12345678<"


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16 how and by when the customer pays."""

    due_date: date  # BT-9
    amount_due: Decimal  # BT-115
    fik: FikPayment | None  # None where there is no FI line (see `fik_payment`)


@dataclass(frozen=True)
class ComputedInvoice:
    """An invoice with everything computed that a document states about it."""

    invoice: Invoice
    document_type: DocumentType  # BT-3 380 / 381
    lines: tuple[ComputedLine, ...]
    totals: InvoiceTotals
    due_date: date  # BT-9
    language: str  # "da" or "en"
    payment: PaymentMeans | None  # None until Uniconta has assigned the number
    buyer_vat_id: str | None = None  # BT-48 as printed: a CVR number's digits, else prefixed
    buyer_vat_kind: vatid.Kind | None = None  # "cvr" (Danish), "eu", "other"; None: no number
    reverse_charge: bool = False  # EU business customer, no Danish VAT: "Omvendt betalingspligt"

    @property
    def invoice_number(self) -> str | None:
        return self.invoice.invoice_number

    @property
    def credited_invoice_number(self) -> str | None:
        """BT-25: the invoice a credit note credits."""
        return self.invoice.preceding_invoice_reference

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "credit_note"

    @property
    def has_exempt_lines(self) -> bool:
        """Some lines carry no Danish VAT (exempt or reverse charge)."""
        return any(line.is_vat_free for line in self.lines)

    @property
    def has_outlays(self) -> bool:
        return self.totals.has_outlay_lines

    @property
    def vat_breakdown(self) -> tuple[VatBreakdown, ...]:
        """BG-23: the totals' breakdown; under reverse charge the exempt part is AE, and the
        outlays, which are outside VAT whoever accounts for it, stay E beside it."""
        totals = self.totals
        if not self.reverse_charge:
            return totals.vat_breakdown
        out = [b for b in totals.vat_breakdown if b.category_code != EXEMPT]
        zero = Decimal("0.00")
        if totals.has_exempt_lines or totals.exempt_amount:
            out.append(VatBreakdown(REVERSE_CHARGE, Decimal(0), totals.exempt_amount, zero))
        if totals.has_outlay_lines:
            out.append(VatBreakdown(EXEMPT, Decimal(0), totals.outlay_amount, zero))
        return tuple(out)

    @property
    def has_discount(self) -> bool:
        return any(line.discount_percent for line in self.lines if not line.is_text)

    @property
    def has_item_numbers(self) -> bool:
        return any(line.line.item_number for line in self.lines)

    def numbered(self, invoice_number: str, settings: Settings) -> ComputedInvoice:
        """The same computed invoice with the number Uniconta assigned, and its payment means."""
        invoice = self.invoice.with_number(invoice_number)
        return replace(self, invoice=invoice,
                       payment=payment_means(invoice, self.totals, self.due_date, settings))


def due_date(invoice: Invoice, settings: Settings) -> date:
    """BT-9: the invoice's own due date, else the issue date plus TermsOfPayment."""
    try:
        return money.due_date(invoice, settings.integration.terms_of_payment)
    except OverflowError:
        raise InvalidInput("invoice", [Problem(
            "issue_date", "is too late: the due date would be past year 9999")]) from None


def fik_payment(invoice: Invoice, totals: InvoiceTotals, settings: Settings) -> FikPayment | None:
    """The FI payment, or None where there must be none.

    No FI line for a credit note, for nothing to pay, for a foreign currency (the FI system
    pays DKK), for an invoice without a number from Uniconta, or without a creditor number.
    """
    creditor = settings.integration.fi_creditor_number
    if (invoice.is_credit_note or totals.amount_due <= 0 or invoice.currency_code != "DKK"
            or invoice.invoice_number is None or creditor is None):
        return None
    card_type = settings.layout.fi_card_type
    carries_id = fik.CARD_TYPES[card_type].ID_LENGTH is not None
    try:
        line = fik.code_line(card_type, creditor, invoice.invoice_number if carries_id else None)
    except fik.FikError as error:
        raise InvalidInput("invoice", [Problem("invoice_number", str(error))]) from None
    parsed = fik.codeline.parse(line)
    return FikPayment(card_type=card_type, creditor_number=creditor,
                      payment_id=parsed.payment_id, code_line=line)


def payment_means(invoice: Invoice, totals: InvoiceTotals, pay_by: date,
                  settings: Settings) -> PaymentMeans:
    return PaymentMeans(due_date=pay_by, amount_due=totals.amount_due,
                        fik=fik_payment(invoice, totals, settings))


def is_reverse_charge(invoice: Invoice) -> bool:
    """Reverse charge: the buyer is a business in another EU state (it has an EU VAT number
    that is not Danish) and no line carries Danish VAT. The buyer then accounts for the VAT.
    Outlays are outside VAT either way: an invoice of outlays only is no reverse charge."""
    number = invoice.customer.vat_number
    if not number or vatid.kind(number, invoice.customer.address.country_code) != "eu":
        return False
    supplies = [line for line in invoice.lines if not line.is_text and not line.outlay]
    return bool(supplies) and not any(line.vat for line in supplies)


def check(invoice: Invoice) -> None:
    """What every document needs of an invoice beyond its model, checked before anything is
    posted: every printed text can be printed (`faktura.printable`) and every unit is known
    (`faktura.units`). Raises one `InvalidInput` naming each field."""
    found = printable.problems(invoice) + units.problems(invoice)
    if found:
        raise InvalidInput("invoice", found)


def _computed_line(position: int, line: InvoiceLine, amount: Decimal | None,
                   discount: Decimal, rate: Decimal, vat_free: str) -> ComputedLine:
    if amount is None or line.quantity is None or line.unit_price is None:
        return ComputedLine(position=position, line=line, net_amount=None,
                            discount_percent=discount, vat_category=None, vat_rate=None)
    line_rate = rate if line.vat else Decimal(0)
    return ComputedLine(
        position=position,
        line=line,
        net_amount=amount,
        discount_percent=discount,
        vat_category=STANDARD_RATED if line.vat else EXEMPT if line.outlay else vat_free,
        vat_rate=line_rate,
        net_price=money.net_price(line.unit_price, discount),
        vat_amount=money.vat_of(amount, line_rate),
    )


def compute(invoice: Invoice, settings: Settings) -> ComputedInvoice:
    """Compute the invoice once (after `check`). A numbered invoice also gets its payment
    means."""
    check(invoice)
    rate = settings.integration.vat_percentage
    totals = compute_totals(invoice, rate)
    reverse_charge = is_reverse_charge(invoice)
    vat_free = REVERSE_CHARGE if reverse_charge else EXEMPT
    number, country = invoice.customer.vat_number, invoice.customer.address.country_code
    lines = tuple(
        _computed_line(position, line, amount, invoice.discount_of(line), rate,
                       vat_free)
        for position, (line, amount) in enumerate(
            zip(invoice.lines, totals.line_amounts, strict=True), start=1)
    )
    pay_by = due_date(invoice, settings)
    computed = ComputedInvoice(
        invoice=invoice,
        document_type="credit_note" if invoice.is_credit_note else "invoice",
        lines=lines,
        totals=totals,
        due_date=pay_by,
        language=invoice.customer.language or settings.layout.language,
        payment=None,
        buyer_vat_id=vatid.printed(number, country) if number else None,
        buyer_vat_kind=vatid.kind(number, country) if number else None,
        reverse_charge=reverse_charge,
    )
    if invoice.invoice_number is not None:
        computed = replace(computed, payment=payment_means(invoice, totals, pay_by, settings))
    return computed
