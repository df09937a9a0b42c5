"""An invoice booked in Uniconta, and the one computed invoice made from it.

Once Uniconta has booked an invoice, the booking is the legal truth: its number, date, due date,
currency, lines, amounts and VAT. `computed_from_booking` builds the invoice Faktura issues
from the booking — taking from the source invoice (when Faktura drafted it) only what Uniconta
does not keep: the buyer's details, references, units and headings — computes it once with
`faktura.computed.compute`, and refuses it (`BookingNotIssuable`) when the computed figures
would differ from the booked ones, so no document ever states other figures than the ledger.
`source_differences` names what the bookkeeper changed against the source invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from faktura import units
from faktura.computed import ComputedInvoice, compute
from faktura.errors import FakturaError
from faktura.model import Invoice, InvoiceLine, parse_invoice
from faktura.settings import Settings

#: Uniconta ItemUnit → the unit printed when the source invoice does not name one.
_PRINTED_UNIT = {"Hours": "timer", "Pcs": "stk", "Days": "dage", "Minutes": "min",
                 "Qty": "antal", "Cartons": "kasser"}


class BookingNotIssuable(FakturaError):
    """A booked invoice that cannot be issued as booked; the reason says what to fix."""


@dataclass(frozen=True)
class BookedLine:
    """One booked line (Uniconta's InvTrans): amounts as booked, negative on a credit note."""

    text: str
    item: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)
    net_amount: Decimal = Decimal(0)
    vat_code: str | None = None
    unit: str | None = None  # Uniconta ItemUnit name

    @property
    def is_text(self) -> bool:
        return not self.item and not self.quantity and not self.unit_price


@dataclass(frozen=True)
class BookedCustomer:
    """The debtor as Uniconta keeps it (for invoices made in Uniconta itself)."""

    account: str
    name: str
    address_lines: tuple[str, ...] = ()
    post_code: str | None = None
    city: str | None = None
    country_code: str = "DK"
    cvr: str | None = None
    vat_number: str | None = None
    ean: str | None = None
    email: str | None = None
    invoice_email: str | None = None


@dataclass(frozen=True)
class BookedInvoice:
    """What Uniconta booked (DebtorInvoice with its lines), as read back."""

    invoice_number: str
    document_type: Literal["Invoice", "Creditnote"]
    account: str
    issue_date: date
    due_date: date
    currency: str
    net: Decimal
    vat: Decimal
    total: Decimal
    lines: tuple[BookedLine, ...]
    order_number: int | None = None
    voucher: int | None = None
    journal_posted_id: int | None = None
    your_ref: str | None = None
    requisition: str | None = None
    remark: str | None = None
    source_id: str | None = None  # the Faktura source invoice this booking came from, if any
    credited_invoice_number: str | None = None
    exchange_rate: Decimal | None = None  # DKK for one unit of `currency`, as booked
    customer: BookedCustomer | None = field(default=None, compare=False)

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "Creditnote"


def _unit(line: BookedLine, template: InvoiceLine | None) -> str | None:
    if template is not None and template.unit:
        return template.unit
    printed = _PRINTED_UNIT.get(line.unit or "")
    return printed if printed and units.find(printed) else None


def _line(line: BookedLine, sign: int, template: InvoiceLine | None) -> dict[str, Any]:
    if line.is_text:
        return {"text": line.text}
    assert line.quantity is not None
    data: dict[str, Any] = {
        "text": line.text,
        "item_number": line.item,
        "quantity": str(sign * line.quantity),
        "unit_price": str(line.unit_price if line.unit_price is not None else 0),
        "discount_percent": str(line.discount_percent),
        "vat": bool(line.vat_code),
        "unit": _unit(line, template),
    }
    if template is not None:
        data.update({"kind": template.kind, "line_id": template.line_id})
    return data


def _templates(booked: BookedInvoice, source: Invoice | None) -> list[InvoiceLine | None]:
    """Per booked line, the source line it came from (same text; in order), or None."""
    unused = list(source.lines) if source else []
    out: list[InvoiceLine | None] = []
    for line in booked.lines:
        match = next((s for s in unused if s.text == line.text), None)
        if match is not None:
            unused.remove(match)
        out.append(match)
    return out


def _customer(customer: BookedCustomer) -> dict[str, Any]:
    lines = [x for x in customer.address_lines if x]
    return {
        "customer_number": customer.account,
        "name": customer.name,
        "address": {"line1": lines[0] if lines else None,
                    "line2": lines[1] if len(lines) > 1 else None,
                    "line3": lines[2] if len(lines) > 2 else None,
                    "post_code": customer.post_code, "city": customer.city,
                    "country_code": customer.country_code},
        "vat_number": customer.vat_number or customer.cvr,
        "ean": customer.ean,
        "email": customer.email,
        "invoice_email": customer.invoice_email,
    }


def invoice_from_booking(booked: BookedInvoice, source: Invoice | None) -> Invoice:
    """The invoice as booked: the booking's number, dates, currency and lines; the source's
    (or, without one, Uniconta's debtor's) buyer and references. Raises `InvalidInput`."""
    sign = -1 if booked.is_credit_note else 1
    data: dict[str, Any] = source.model_dump(mode="json") if source is not None else {
        "source_id": f"uniconta-{booked.invoice_number}",
        "customer": _customer(booked.customer) if booked.customer else {
            "customer_number": booked.account, "name": booked.account},
        "buyer_reference": booked.your_ref,
        "purchase_order_reference": booked.requisition,
    }
    exchange_rate = booked.exchange_rate
    if exchange_rate is None and source is not None and source.currency_code == booked.currency:
        exchange_rate = source.exchange_rate
    data.update({
        "invoice_number": booked.invoice_number,
        "type_code": 381 if booked.is_credit_note else 380,
        "preceding_invoice_reference": (booked.credited_invoice_number or
                                        data.get("preceding_invoice_reference"))
        if booked.is_credit_note else None,
        "issue_date": booked.issue_date.isoformat(),
        "due_date": booked.due_date.isoformat(),
        "currency_code": booked.currency,
        "exchange_rate": None if booked.currency == "DKK" or exchange_rate is None
        else str(exchange_rate),
        "default_discount_percent": "0",
        "lines": [_line(line, sign, template)
                  for line, template in zip(booked.lines, _templates(booked, source),
                                            strict=True)],
    })
    return parse_invoice(data, f"Uniconta invoice {booked.invoice_number}")


def disagreements(computed: ComputedInvoice, booked: BookedInvoice) -> list[str]:
    """Each figure where the computed invoice would state otherwise than the booking."""
    sign = -1 if booked.is_credit_note else 1
    totals = computed.totals
    wanted: list[tuple[str, object, object]] = [
        ("net", sign * totals.line_total, booked.net),
        ("VAT", sign * totals.vat_amount, booked.vat),
        ("total", sign * totals.total_with_vat, booked.total),
        ("currency", computed.invoice.currency_code, booked.currency),
        ("due date", computed.due_date, booked.due_date),
    ]
    for line, booked_line in zip(computed.lines, booked.lines, strict=True):
        if line.net_amount is not None and sign * line.net_amount != booked_line.net_amount:
            wanted.append((f"line {line.position}", sign * line.net_amount,
                           booked_line.net_amount))
    return [f"{name}: computed {ours}, booked {theirs}" for name, ours, theirs in wanted
            if ours != theirs]


def computed_from_booking(booked: BookedInvoice, source: Invoice | None,
                          settings: Settings) -> ComputedInvoice:
    """The one computed invoice of a booking (numbered, with its FI line). Raises
    `BookingNotIssuable` when it cannot be issued as booked (with the reason)."""
    try:
        computed = compute(invoice_from_booking(booked, source), settings)
    except FakturaError as error:
        raise BookingNotIssuable(f"invoice {booked.invoice_number}: {error}") from None
    found = disagreements(computed, booked)
    if found:
        raise BookingNotIssuable(
            f"invoice {booked.invoice_number}: the documents would state other figures than"
            f" Uniconta booked ({'; '.join(found)}); nothing is issued from it")
    return computed


def source_differences(source: ComputedInvoice, booked: ComputedInvoice) -> list[str]:
    """What the booking changed against the source invoice, one sentence each (empty: none)."""
    out: list[str] = []

    def shown(line: Any) -> tuple[str, Decimal | None, Decimal | None, Decimal | None]:
        return (line.line.text, line.line.quantity, line.line.unit_price, line.net_amount)

    ours = [shown(line) for line in source.lines]
    theirs = [shown(line) for line in booked.lines]
    for line in theirs:
        if line in ours:
            ours.remove(line)
        else:
            out.append(f"line added or changed in Uniconta: {_describe(line)}")
    out += [f"line of the source not booked: {_describe(line)}" for line in ours]
    pairs = [("issue date", source.invoice.issue_date, booked.invoice.issue_date),
             ("due date", source.due_date, booked.due_date),
             ("currency", source.invoice.currency_code, booked.invoice.currency_code),
             ("net", source.totals.line_total, booked.totals.line_total),
             ("VAT", source.totals.vat_amount, booked.totals.vat_amount),
             ("total", source.totals.total_with_vat, booked.totals.total_with_vat)]
    out += [f"{name}: source {a}, booked {b}" for name, a, b in pairs if a != b]
    return out


def _describe(line: tuple[str, Decimal | None, Decimal | None, Decimal | None]) -> str:
    text, quantity, price, net = line
    if net is None or price is None:
        return repr(text)
    shown = f"{price:.2f}" if price == price.quantize(Decimal("0.01")) else str(price)
    return f"{text!r} {quantity} × {shown} = {net}"
