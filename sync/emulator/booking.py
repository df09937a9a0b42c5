"""The bookkeeper's hand: book a draft order as Uniconta would, then call the webhooks.

``book`` is what a bookkeeper does in Uniconta with an order a REST client left as a draft:
optionally add lines, then book it. It runs the same posting as the gateway route
(:mod:`.posting`: the next number of the debtor group's invoice series, DebtorInvoice, InvTrans,
DebtorTrans, GLTrans, the order removed), so the booking is readable over the documented REST
entities (``DebtorInvoiceClient``, ``InvTransClient``). A credit note is an order whose lines
sum below zero (booked as ``Creditnote``). An invoice date inside a closed finance period
(``closed_until``, set with :func:`close_periods`) is refused with ``FinancePeriodNotOpen``,
one of the contract's ErrorCodes; a refused booking writes nothing.

``fire_webhooks`` plays Uniconta's "Change URL": for each ``TableChangeEvent`` row whose
``TableId`` is the invoice table (:data:`DEBTOR_INVOICE_TABLE_ID`) or 0 (all tables), it calls
the row's URL with ``Company``, ``Table``, ``Key``, ``RowId`` and ``Operation`` added as query
arguments; with ``UsePost`` it POSTs the record as JSON, else it GETs. One attempt each, as
Uniconta documents no retry; the outcome of each call is returned (and ignored by Uniconta).
The calls share one HTTP client (making one costs more CPU than the call itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from sync.emulator import crud, posting
from sync.emulator.entities import REGISTRY
from sync.emulator.errors import BadRequest, UnicontaError
from sync.emulator.pdf import PdfDocument
from sync.emulator.rules import CompanyContext

Row = dict[str, Any]

#: Emulator policy: Uniconta's table id of debtor invoices is not established (reference).
DEBTOR_INVOICE_TABLE_ID = 79
_CLOSED_UNTIL = "closed_until:{company}"


@dataclass(frozen=True)
class AddedLine:
    """A line the bookkeeper adds before booking: item, text, quantity, price."""

    item: str | None
    text: str
    qty: Decimal
    price: Decimal | None

    @classmethod
    def parse(cls, text: str) -> AddedLine:
        """``ITEM;TEXT;QTY[;PRICE]`` (a blank ITEM: a line without item; no PRICE: the item's)."""
        parts = text.split(";")
        if len(parts) not in (3, 4):
            raise BadRequest(f"a line is ITEM;TEXT;QTY[;PRICE], not {text!r}")
        try:
            qty = Decimal(parts[2])
            price = Decimal(parts[3]) if len(parts) == 4 and parts[3] else None
        except InvalidOperation:
            raise BadRequest(f"QTY and PRICE are numbers in {text!r}") from None
        return cls(parts[0].strip() or None, parts[1], qty, price)


def close_periods(ctx: CompanyContext, until: date | None) -> None:
    """Close every finance period up to and including ``until`` (``None``: open them all)."""
    ctx.store.set_meta(_CLOSED_UNTIL.format(company=ctx.company_id),
                       until.isoformat() if until else "")


def closed_until(ctx: CompanyContext) -> date | None:
    text = ctx.store.get_meta(_CLOSED_UNTIL.format(company=ctx.company_id))
    return date.fromisoformat(text) if text else None


def book(ctx: CompanyContext, order_number: int, *, today: date,
         render: Callable[[PdfDocument], bytes], added: Sequence[AddedLine] = (),
         invoice_date: date | None = None) -> Row:
    """Book the draft order (after adding ``added``); the booked DebtorInvoice row as stored.

    Raises :class:`UnicontaError` (``CouldNotFind``, ``FinancePeriodNotOpen``, the posting's
    codes) with nothing written."""
    line_entity = REGISTRY["debtororderline"]
    with ctx.store.transaction():
        order = ctx.get("DebtorOrder", order_number)
        if order is None:
            raise UnicontaError("CouldNotFind")
        for line in added:
            row: Row = {"OrderNumber": order_number, "Text": line.text, "Qty": float(line.qty)}
            if line.item:
                row["Item"] = line.item
            if line.price is not None:
                row["Price"] = float(line.price)
            crud.insert(ctx, line_entity, row)
        lines = ctx.numbered("DebtorOrderLine", "OrderNumber", order_number)
        gross = sum(Decimal(str(r.get("Qty") or 0)) * Decimal(str(r.get("Price") or 0))
                    for r in lines)
        when = invoice_date or posting._parse_row_date(order.get("InvoiceDate")) or today
        closed = closed_until(ctx)
        if closed is not None and when <= closed:
            raise UnicontaError("FinancePeriodNotOpen")
        request = posting.PostingRequest(
            order_number=order_number, simulate=False,
            document_type="Creditnote" if gross < 0 else "Invoice", emails=(), date=when)
        outcome = posting.post(ctx, request, today=today, use_order_date=True, want_pdf=False,
                               render=render)
    found = ctx.numbered("DebtorInvoice", "InvoiceNumber", outcome.invoice_number)
    return found[-1]


def webhook_targets(ctx: CompanyContext) -> list[Row]:
    """The TableChangeEvent rows that want debtor invoice changes."""
    return [r for r in ctx.rows("TableChangeEvent")
            if int(r.get("TableId") or 0) in (0, DEBTOR_INVOICE_TABLE_ID) and r.get("Url")]


@cache
def _client() -> httpx.Client:
    return httpx.Client()


def fire_webhooks(ctx: CompanyContext, invoice: Row, record: Row, *,
                  operation: str = "Insert", timeout: float = 10.0) -> list[tuple[str, int | str]]:
    """Call every registered URL about the booked ``invoice`` (``record``: the row as the REST
    service shows it). Returns (the URL's host, HTTP status or the error's name)."""
    out: list[tuple[str, int | str]] = []
    arguments = urlencode({"Company": ctx.company_id, "Table": DEBTOR_INVOICE_TABLE_ID,
                           "Key": invoice.get("InvoiceNumber"), "RowId": invoice["RowId"],
                           "Operation": operation})
    for target in webhook_targets(ctx):
        url = str(target["Url"])
        full = f"{url}{'&' if '?' in url else '?'}{arguments}"
        parts = urlsplit(url)
        shown = f"{parts.scheme}://{parts.netloc}/…"  # the path may hold a secret token
        try:
            if target.get("UsePost"):
                response = _client().post(full, json=record, timeout=timeout)
            else:
                response = _client().get(full, timeout=timeout)
            out.append((shown, response.status_code))
        except httpx.HTTPError as error:
            out.append((shown, type(error).__name__))
    return out
