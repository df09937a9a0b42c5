"""What the ClientTime layout prints, computed once from an invoice and the settings.

The template only places and formats what this module decides: totals, due date, labels in
the customer's language, and whether there is an FI slip (with its code line) at all.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, cached_property

from faktura import payment_info
from faktura.computed import ComputedInvoice, ComputedLine, compute
from faktura.errors import InvalidInput, Problem
from faktura.model import Invoice
from faktura.money import InvoiceTotals
from faktura.settings import SellerSettings, Settings
from renderer.resources import TEMPLATES_DIR, logo_data_url


@cache
def labels(language: str) -> dict[str, str]:
    """The printed words of the layout in one language (from templates/labels.toml)."""
    table = tomllib.loads((TEMPLATES_DIR / "labels.toml").read_text(encoding="utf-8"))
    return table[language]


#: FI card types whose slip has a message field (73: instead of a payment ID; 75: besides it).
MESSAGE_CARD_TYPES = frozenset({"73", "75"})


@dataclass(frozen=True)
class FiSlip:
    """The FI payment slip (indbetalingskort) printed at the bottom of the last page."""

    card_type: str
    payment_id: str | None  # None for type 73: the slip has no payment ID field
    creditor_number: str
    code_line: str
    amount: Decimal
    due_date: date
    message: str | None  # types 73 and 75 have a message field; it names the invoice


@dataclass(frozen=True)
class InvoiceView:
    """The computed invoice plus what only the printed page needs (labels, logo, texts).

    The flags the template asks for on every row (item numbers, discounts, exempt lines) and
    the slip are worked out once per view: building the page stays linear in its lines.
    """

    computed: ComputedInvoice
    labels: dict[str, str]
    seller: SellerSettings
    logo_url: str | None
    footer_text: str
    payment_info: str
    draft: bool

    @property
    def invoice(self) -> Invoice:
        return self.computed.invoice

    @property
    def totals(self) -> InvoiceTotals:
        return self.computed.totals

    @property
    def due_date(self) -> date:
        return self.computed.due_date

    @property
    def language(self) -> str:
        return self.computed.language

    @property
    def title(self) -> str:
        return self.labels["credit_note" if self.computed.is_credit_note else "invoice"]

    @cached_property
    def has_exempt_lines(self) -> bool:
        return self.computed.has_exempt_lines

    @cached_property
    def show_item_numbers(self) -> bool:
        return self.computed.has_item_numbers

    @cached_property
    def show_discount(self) -> bool:
        return self.computed.has_discount

    @cached_property
    def fi_slip(self) -> FiSlip | None:
        """The slip, printed where the computed invoice has an FI payment (never on a draft)."""
        payment = self.computed.payment
        if self.draft or payment is None or payment.fik is None:
            return None
        fik = payment.fik
        message = (f"{self.labels['invoice_number']} {self.invoice.invoice_number}"
                   if fik.card_type in MESSAGE_CARD_TYPES else None)
        return FiSlip(card_type=fik.card_type, payment_id=fik.payment_id,
                      creditor_number=fik.creditor_number, code_line=fik.code_line,
                      amount=payment.amount_due, due_date=payment.due_date, message=message)

    def rows(self) -> list[ComputedLine]:
        return list(self.computed.lines)


def page_texts(settings: Settings, language: str) -> tuple[str, str]:
    """The footer text and payment info in the invoice's language.

    FooterText and PaymentInfo (the integration collection) are the Danish texts; an English
    invoice prints `[layout.en]` footer_text / payment_info where they are set; without its own
    payment_info, the seller's IBAN and BIC (`faktura.payment_info.built`).
    """
    integration = settings.integration
    if language == "en":
        texts, seller = settings.layout.en, settings.seller
        built = payment_info.built("en", seller.iban, seller.bic, seller.bank_reg_no,
                                   seller.bank_account) if seller.iban else ""
        return (texts.footer_text or integration.footer_text,
                texts.payment_info or built or integration.payment_info)
    return integration.footer_text, integration.payment_info


def build_view(invoice: Invoice | ComputedInvoice, settings: Settings, *,
               draft: bool = False) -> InvoiceView:
    """Everything the ClientTime layout prints for this invoice."""
    computed = invoice if isinstance(invoice, ComputedInvoice) else compute(invoice, settings)
    totals = computed.totals
    if totals.line_total < 0 or totals.total_with_vat < 0:
        raise InvalidInput("invoice", [Problem(
            "lines", "the total is negative: issue a credit note (type_code 381) instead")])
    language = computed.language
    footer_text, payment_info = page_texts(settings, language)
    return InvoiceView(
        computed=computed,
        labels=labels(language),
        seller=settings.seller,
        logo_url=logo_data_url(settings.seller.logo) if settings.seller.logo else None,
        footer_text=footer_text,
        payment_info=payment_info,
        draft=draft or computed.invoice_number is None,
    )
