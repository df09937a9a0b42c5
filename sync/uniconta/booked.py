"""Read what Uniconta booked: a debtor invoice with its lines, over the documented entities.

Works on either transport (`query` of the REST client or the gateway client). Calls, each
counted against the user's daily budget:

* `booked_numbers_after(client, n)`: one `DebtorInvoiceClient` read filtered to
  `InvoiceNumber > n` → the booked numbers, ascending (the poll).
* `read_booked(client, invoice_number=… | row_id=…)`: `DebtorInvoiceClient` (1) and its lines
  `InvTransClient` by `InvoiceNumber` (1).
* `with_customer(client, booked)`: the debtor `DebtorClient` (1) and, for a foreign currency,
  the booked exchange rate from `DebtorTransClient` (1).

Nothing here trusts a webhook's payload: callers pass only a number or a row id to read back,
and `None` means Uniconta has no such booked invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from faktura.booking import BookedCustomer, BookedInvoice, BookedLine
from sync.posting.mapping import COUNTRIES, MARKER_PREFIX, credits_line
from sync.uniconta.records import as_int, currency_of
from sync.uniconta.wire import between, field, parse_wire_date, to_decimal

_ISO_OF_COUNTRY = {name: code for code, name in COUNTRIES.items()}


class Reader(Protocol):
    def query(self, type_name: str, where: Mapping[str, Any] | None = None, /,
              **filters: Any) -> list[dict[str, Any]]: ...


def booked_numbers_after(client: Reader, after: int) -> list[int]:
    """Invoice numbers booked above `after`, ascending (one call)."""
    rows = client.query("DebtorInvoice", InvoiceNumber=between(after + 1, None))
    numbers = {as_int(field(row, "InvoiceNumber")) for row in rows}
    return sorted(n for n in numbers if n and n > after)


def read_booked(client: Reader, *, invoice_number: int | None = None,
                row_id: int | None = None) -> BookedInvoice | None:
    """The booked invoice (two calls), or None when Uniconta has none with that number (or
    row id)."""
    if row_id is not None:
        rows = client.query("DebtorInvoice", RowId=row_id)
    elif invoice_number is not None:
        rows = client.query("DebtorInvoice", InvoiceNumber=invoice_number)
    else:
        raise ValueError("read_booked needs an invoice number or a row id")
    rows = [row for row in rows if as_int(field(row, "InvoiceNumber"))]
    if len(rows) != 1:
        return None
    header = rows[0]
    number = as_int(field(header, "InvoiceNumber"))
    lines = sorted(client.query("InvTrans", InvoiceNumber=number),
                   key=lambda r: (to_decimal(field(r, "LineNumber")) or 0, field(r, "RowId")))
    return _booked(header, lines)


def with_customer(client: Reader, booked: BookedInvoice) -> BookedInvoice:
    """The booking with Uniconta's debtor (one call) and, for a foreign currency, the booked
    exchange rate (one call): for invoices made in Uniconta, with no Faktura source."""
    debtors = client.query("Debtor", Account=booked.account)
    rate = booked.exchange_rate
    if booked.currency != "DKK":
        rate = _exchange_rate(client.query("DebtorTrans", Invoice=int(booked.invoice_number)))
    return replace(booked, customer=_customer(debtors[0]) if len(debtors) == 1 else None,
                   exchange_rate=rate)


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = field(row, name)
    return str(value) if value not in (None, "") else None


def _booked(header: Mapping[str, Any], lines: list[Mapping[str, Any]]) -> BookedInvoice:
    remark = _text(header, "Remark") or ""
    remark_lines = remark.splitlines()
    source_id = None
    prefix = MARKER_PREFIX
    if remark_lines and remark_lines[-1].startswith(prefix):
        source_id = remark_lines[-1][len(prefix):] or None
    credited = None
    credit_prefix = credits_line("")
    for text in remark_lines:
        if text.startswith(credit_prefix) and text[len(credit_prefix):].isdigit():
            credited = text[len(credit_prefix):]
    document_type = "Creditnote" if _text(header, "DocumentType") == "Creditnote" else "Invoice"
    issue_date = parse_wire_date(field(header, "Date"))
    due_date = parse_wire_date(field(header, "DueDate")) or issue_date
    assert issue_date is not None and due_date is not None
    return BookedInvoice(
        invoice_number=str(as_int(field(header, "InvoiceNumber"))),
        document_type=document_type,
        account=str(field(header, "Account") or ""),
        issue_date=issue_date,
        due_date=due_date,
        currency=currency_of(header) or "DKK",
        net=to_decimal(field(header, "NetAmount")) or Decimal(0),
        vat=to_decimal(field(header, "VatAmount")) or Decimal(0),
        total=to_decimal(field(header, "TotalAmount")) or Decimal(0),
        lines=tuple(_line(row) for row in lines),
        order_number=as_int(field(header, "OrderNumber")),
        voucher=as_int(field(header, "Voucher")),
        journal_posted_id=as_int(field(header, "JournalPostedId")),
        your_ref=_text(header, "YourRef"),
        requisition=_text(header, "Requisition"),
        remark=remark or None,
        source_id=source_id,
        credited_invoice_number=credited,
    )


def _line(row: Mapping[str, Any]) -> BookedLine:
    return BookedLine(
        text=str(field(row, "Text") or ""),
        item=_text(row, "Item"),
        quantity=to_decimal(field(row, "Qty")),
        unit_price=to_decimal(field(row, "Price")),
        discount_percent=to_decimal(field(row, "DiscountPct")) or Decimal(0),
        net_amount=to_decimal(field(row, "NetAmount")) or Decimal(0),
        vat_code=_text(row, "Vat"),
        unit=_text(row, "Unit"),
    )


def _customer(row: Mapping[str, Any]) -> BookedCustomer:
    country = _text(row, "Country")
    code = _ISO_OF_COUNTRY.get(country or "", country if country and len(country) == 2
                               else "DK")
    return BookedCustomer(
        account=str(field(row, "Account")),
        name=_text(row, "Name") or str(field(row, "Account")),
        address_lines=tuple(x for x in (_text(row, f"Address{i}") for i in (1, 2, 3)) if x),
        post_code=_text(row, "ZipCode"),
        city=_text(row, "City"),
        country_code=code,
        cvr=_text(row, "CompanyRegNo"),
        vat_number=_text(row, "VatNumber"),
        ean=_text(row, "EAN"),
        email=_text(row, "ContactEmail"),
        invoice_email=_text(row, "InvoiceEmail"),
    )


def _exchange_rate(rows: list[Mapping[str, Any]]) -> Decimal | None:
    """DKK for one unit of the invoice currency, from the booked receivable (Amount/AmountCur)."""
    for row in rows:
        amount, amount_cur = to_decimal(field(row, "Amount")), to_decimal(field(row, "AmountCur"))
        if amount and amount_cur:
            return (amount / amount_cur).quantize(Decimal("0.000001"))
    return None
