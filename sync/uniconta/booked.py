"""Read what Uniconta booked: a debtor invoice with its lines, over the documented entities.

Works on either transport (`query` of the REST client or the gateway client). Calls, each
counted against the user's daily budget:

* `read_booked(client, invoice_number=… | row_id=…)`: `DebtorInvoiceClient` (1) and its lines
  `InvTransClient` by `InvoiceNumber` (1).
* `read_booked_many(client, invoice_numbers=…, row_ids=…)` / `read_booked_after(client, n)`:
  every booked invoice named (or booked above `n`) with its lines, in two calls however many
  (three when a row id named no invoice and its number is asked instead).
* `with_customer(client, booked)`: the debtor `DebtorClient` (1) and, for a foreign currency,
  the booked exchange rate from `DebtorTransClient` (1); `with_customers` for many at once
  (the same two calls).

Nothing here trusts a webhook's payload: callers pass only a number or a row id to read back,
and `None` means Uniconta has no such booked invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
    return _booked(header, client.query("InvTrans", InvoiceNumber=number))


def read_booked_many(client: Reader, *, invoice_numbers: Iterable[int] = (),
                     row_ids: Iterable[int] = ()) -> list[BookedInvoice]:
    """The booked invoices with these numbers or row ids, ascending by number (a number
    Uniconta has no single booked invoice for is left out)."""
    numbers, rows = sorted(set(invoice_numbers)), sorted(set(row_ids))
    headers = client.query("DebtorInvoice", RowId=rows) if rows else []
    found = {as_int(field(row, "InvoiceNumber")) for row in headers}
    missing = [n for n in numbers if n not in found]
    if missing:
        headers += client.query("DebtorInvoice", InvoiceNumber=missing)
    return _with_lines(client, headers, lambda wanted: {"InvoiceNumber": wanted})


def read_booked_after(client: Reader, after: int) -> list[BookedInvoice]:
    """Every invoice booked above `after` with its lines, ascending by number (two calls)."""
    headers = client.query("DebtorInvoice", InvoiceNumber=between(after + 1, None))
    return _with_lines(client, headers,
                       lambda _: {"InvoiceNumber": between(after + 1, None)})


def _with_lines(client: Reader, headers: list[dict[str, Any]],
                lines_of: Callable[[list[int]], dict[str, Any]]) -> list[BookedInvoice]:
    """The invoices of `headers` (one row a number; others left out) with their lines, read
    in one call filtered by `lines_of(the numbers)`."""
    by_number: dict[int, list[dict[str, Any]]] = {}
    for row in headers:
        number = as_int(field(row, "InvoiceNumber"))
        if number:
            by_number.setdefault(number, []).append(row)
    single = sorted(n for n, rows in by_number.items() if len(rows) == 1)
    if not single:
        return []
    lines: dict[int, list[dict[str, Any]]] = {n: [] for n in single}
    for row in client.query("InvTrans", lines_of(single)):
        wanted = lines.get(as_int(field(row, "InvoiceNumber")) or 0)
        if wanted is not None:
            wanted.append(row)
    return [_booked(by_number[n][0], lines[n]) for n in single]


def with_customer(client: Reader, booked: BookedInvoice) -> BookedInvoice:
    """The booking with Uniconta's debtor (one call) and, for a foreign currency, the booked
    exchange rate (one call): for invoices made in Uniconta, with no Faktura source."""
    debtors = client.query("Debtor", Account=booked.account)
    rate = booked.exchange_rate
    if booked.currency != "DKK":
        rate = _exchange_rate(client.query("DebtorTrans", Invoice=int(booked.invoice_number)))
    return replace(booked, customer=_customer(debtors[0]) if len(debtors) == 1 else None,
                   exchange_rate=rate)


def with_customers(client: Reader, many: list[BookedInvoice]) -> list[BookedInvoice]:
    """`with_customer` for many bookings: one call for their debtors and, when some are in a
    foreign currency, one for their booked exchange rates."""
    if not many:
        return []
    debtors: dict[str, list[dict[str, Any]]] = {}
    for row in client.query("Debtor", Account=sorted({b.account for b in many})):
        debtors.setdefault(str(field(row, "Account")).lower(), []).append(row)
    foreign = [int(b.invoice_number) for b in many if b.currency != "DKK"]
    receivables: dict[int, list[dict[str, Any]]] = {}
    for row in client.query("DebtorTrans", Invoice=foreign) if foreign else []:
        receivables.setdefault(as_int(field(row, "Invoice")) or 0, []).append(row)
    out = []
    for booked in many:
        found = debtors.get(booked.account.lower(), [])
        rate = booked.exchange_rate
        if booked.currency != "DKK":
            rate = _exchange_rate(receivables.get(int(booked.invoice_number), []))
        out.append(replace(booked, customer=_customer(found[0]) if len(found) == 1 else None,
                           exchange_rate=rate))
    return out


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = field(row, name)
    return str(value) if value not in (None, "") else None


def _booked(header: Mapping[str, Any], lines: list[Mapping[str, Any]]) -> BookedInvoice:
    lines = sorted(lines, key=lambda r: (to_decimal(field(r, "LineNumber")) or 0,
                                         field(r, "RowId")))
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
