"""What the ClientTime layout prints, computed once from an invoice and the settings.

The template only places and formats what this module decides: totals, due date, labels in
the customer's language, and whether there is an FI slip (with its code line) at all.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from faktura import fik
from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice
from faktura.money import InvoiceTotals, compute_totals, due_date
from faktura.settings import SellerSettings, Settings
from renderer.resources import TEMPLATES_DIR, logo_data_url


@cache
def labels(language: str) -> dict[str, str]:
    """The printed words of the layout in one language (from templates/labels.toml)."""
    table = tomllib.loads((TEMPLATES_DIR / "labels.toml").read_text(encoding="utf-8"))
    return table[language]


@dataclass(frozen=True)
class FiSlip:
    """The FI payment slip (indbetalingskort) printed at the bottom of the last page."""

    card_type: str
    payment_id: str | None
    creditor_number: str
    code_line: str
    amount: Decimal
    due_date: date


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    totals: InvoiceTotals
    due_date: date
    language: str
    labels: dict[str, str]
    seller: SellerSettings
    logo_url: str | None
    footer_text: str
    payment_info: str
    fi_slip: FiSlip | None
    draft: bool

    @property
    def title(self) -> str:
        return self.labels["credit_note" if self.invoice.is_credit_note else "invoice"]

    @property
    def has_exempt_lines(self) -> bool:
        return bool(self.totals.exempt_amount) or any(
            not line.vat and not line.is_text for line in self.invoice.lines
        )

    @property
    def show_item_numbers(self) -> bool:
        return any(line.item_number for line in self.invoice.lines)

    @property
    def show_discount(self) -> bool:
        return any(self.invoice.discount_of(line) for line in self.invoice.lines
                   if not line.is_text)

    def rows(self) -> list[tuple[Any, Decimal | None]]:
        """Each line with its amount (None for text lines)."""
        return list(zip(self.invoice.lines, self.totals.line_amounts, strict=True))


def fi_slip(invoice: Invoice, totals: InvoiceTotals, settings: Settings,
            pay_by: date) -> FiSlip | None:
    """The FI slip, or None where there must be none.

    No slip for a credit note, for nothing to pay, for a foreign currency (the FI system
    pays DKK), or for an invoice without a number from the ledger (a draft).
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
    return FiSlip(card_type=card_type, payment_id=parsed.payment_id, creditor_number=creditor,
                  code_line=line, amount=totals.amount_due, due_date=pay_by)


def build_view(invoice: Invoice, settings: Settings, *, draft: bool = False) -> InvoiceView:
    """Everything the ClientTime layout prints for this invoice."""
    totals = compute_totals(invoice, settings.integration.vat_percentage)
    if totals.line_total < 0 or totals.total_with_vat < 0:
        raise InvalidInput("invoice", [Problem(
            "lines", "the total is negative: issue a credit note (type_code 381) instead")])
    pay_by = due_date(invoice, settings.integration.terms_of_payment)
    language = invoice.customer.language or settings.layout.language
    draft = draft or invoice.invoice_number is None
    return InvoiceView(
        invoice=invoice,
        totals=totals,
        due_date=pay_by,
        language=language,
        labels=labels(language),
        seller=settings.seller,
        logo_url=logo_data_url(settings.seller.logo) if settings.seller.logo else None,
        footer_text=settings.integration.footer_text,
        payment_info=settings.integration.payment_info,
        fi_slip=None if draft else fi_slip(invoice, totals, settings, pay_by),
        draft=draft,
    )
