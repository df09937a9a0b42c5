"""Money, VAT and totals, right to the øre.

The rounding rule (one rule, used everywhere):

* a line amount is quantity × unit price × (1 − discount % / 100), rounded half-up to øre;
* the VAT is the VAT rate applied to the *sum* of the rounded amounts of the lines with VAT,
  rounded half-up to øre (not a sum of per-line VAT, which drifts);
* totals are sums of already rounded amounts, so they need no rounding of their own;
* a foreign-currency invoice states its VAT in DKK as VAT × exchange rate, rounded half-up.

Lines with VAT (standard rated, VAT category S) and lines without (exempt, E) are subtotalled
separately, as momsbekendtgørelsen § 58 stk. 3 requires; outlays (udlæg: paid in the customer's
name, outside the VAT base) have a subtotal of their own. Field names follow EN 16931's
document totals (BG-22) and VAT breakdown (BG-23).

>>> line_net_amount(Decimal("7.5"), Decimal("950"), Decimal("0"))
Decimal('7125.00')
>>> line_net_amount(Decimal("1"), Decimal("0.125"), Decimal("0"))
Decimal('0.13')
>>> vat_of(Decimal("7125.00"), Decimal("25"))
Decimal('1781.25')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faktura.model import Invoice

ORE = Decimal("0.01")
HUNDRED = Decimal(100)


def round_ore(amount: Decimal) -> Decimal:
    """Round half-up to øre (2 decimals): the product's one rounding rule.

    Zero is always positive zero, so a credited line with 100 % discount prints "0,00" and
    not "-0,00".

    >>> round_ore(Decimal("2.675")), round_ore(Decimal("-2.675"))
    (Decimal('2.68'), Decimal('-2.68'))
    >>> round_ore(Decimal("-0.004"))
    Decimal('0.00')
    """
    rounded = amount.quantize(ORE, rounding=ROUND_HALF_UP)
    return rounded if rounded else rounded.copy_abs()


def line_net_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """BT-131 Invoice line net amount: quantity × net price, rounded to øre."""
    return round_ore(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)


def net_price(unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """BT-146 Item net price: the unit price less the discount, exact (never rounded).

    >>> net_price(Decimal("950.00"), Decimal("10")), net_price(Decimal("0.125"), Decimal("0"))
    (Decimal('855.00'), Decimal('0.125'))
    """
    if not discount_percent:
        return unit_price
    return unit_price * (HUNDRED - discount_percent) / HUNDRED


def vat_of(taxable_amount: Decimal, rate_percent: Decimal) -> Decimal:
    """BT-117 VAT category tax amount."""
    return round_ore(taxable_amount * rate_percent / HUNDRED)


@dataclass(frozen=True)
class VatBreakdown:
    """BG-23 VAT breakdown for one VAT category."""

    category_code: str  # BT-118: "S" standard rated, "E" exempt
    rate: Decimal  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117


@dataclass(frozen=True)
class InvoiceTotals:
    """BG-22 document totals, plus what a Danish invoice must print about them."""

    currency_code: str
    line_amounts: tuple[Decimal | None, ...]  # BT-131 per line; None for text lines
    vat_rate: Decimal  # BT-119 of the standard-rated lines
    taxable_amount: Decimal  # BT-116 (S): lines with VAT
    exempt_amount: Decimal  # BT-116 (E): lines without VAT, outlays not included
    line_total: Decimal  # BT-106 Sum of invoice line net amounts
    vat_amount: Decimal  # BT-110 Invoice total VAT amount
    total_with_vat: Decimal  # BT-112 Invoice total amount with VAT
    amount_due: Decimal  # BT-115 Amount due for payment
    exchange_rate: Decimal | None  # DKK per unit of the invoice currency
    vat_amount_dkk: Decimal | None  # BT-111 VAT in the accounting currency (DKK)
    has_exempt_lines: bool = False  # some line is exempt (E), even if its amount is 0.00
    has_standard_lines: bool = True  # some line is standard rated (S), even at 0.00
    outlay_amount: Decimal = Decimal("0.00")  # outlays (udlæg), outside the VAT base
    has_outlay_lines: bool = False  # some line is an outlay, even if its amount is 0.00

    @property
    def vat_breakdown(self) -> tuple[VatBreakdown, ...]:
        """The VAT categories the lines use, standard rated first (one per category: BR-CO-18)."""
        out = []
        if self.has_standard_lines or self.taxable_amount:
            out.append(VatBreakdown("S", self.vat_rate, self.taxable_amount, self.vat_amount))
        if self.has_exempt_lines or self.exempt_amount or self.has_outlay_lines:
            out.append(VatBreakdown("E", Decimal(0), self.exempt_amount + self.outlay_amount,
                                    Decimal("0.00")))
        return tuple(out)

    @property
    def is_foreign_currency(self) -> bool:
        return self.currency_code != "DKK"


def compute_totals(invoice: Invoice, vat_percentage: Decimal) -> InvoiceTotals:
    """The totals of an invoice at the given VAT rate (the settings' VatPercentage)."""
    amounts: list[Decimal | None] = []
    taxable = exempt = outlays = Decimal("0.00")
    for line in invoice.lines:
        if line.is_text:
            amounts.append(None)
            continue
        assert line.quantity is not None and line.unit_price is not None
        amount = line_net_amount(line.quantity, line.unit_price, invoice.discount_of(line))
        amounts.append(amount)
        if line.vat:
            taxable += amount
        elif line.outlay:
            outlays += amount
        else:
            exempt += amount
    vat = vat_of(taxable, vat_percentage)
    total = taxable + exempt + outlays + vat
    foreign = invoice.currency_code != "DKK"
    return InvoiceTotals(
        currency_code=invoice.currency_code,
        line_amounts=tuple(amounts),
        vat_rate=vat_percentage,
        taxable_amount=taxable,
        exempt_amount=exempt,
        line_total=taxable + exempt + outlays,
        vat_amount=vat,
        total_with_vat=total,
        amount_due=total,
        exchange_rate=invoice.exchange_rate if foreign else None,
        vat_amount_dkk=round_ore(vat * invoice.exchange_rate)
        if foreign and invoice.exchange_rate
        else None,
        has_exempt_lines=any(not line.is_text and not line.vat and not line.outlay
                             for line in invoice.lines),
        has_standard_lines=any(not line.is_text and line.vat for line in invoice.lines),
        outlay_amount=outlays,
        has_outlay_lines=any(line.outlay for line in invoice.lines),
    )


def due_date(invoice: Invoice, terms_of_payment_days: int) -> date:
    """BT-9: the invoice's own due date, else issue date + the settings' TermsOfPayment."""
    return invoice.due_date or invoice.issue_date + timedelta(days=terms_of_payment_days)
