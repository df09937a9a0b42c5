"""Invoice posting: ``POST /Companies/{id}/Invoice/DebtorOrders/{n}`` (§6(b) 13).

Checks, in this order (emulator policy where the reference marks the trigger as unverified):
order missing ``CouldNotFind`` · no line with a quantity ``NoLinesToUpdate`` · debtor blocked
``DebtorIsStopped`` · blocked project ``ProjectIsBlocked`` · project without category
``PrCategoryCannotBeBlank`` · blocked item ``ItemIsOnHold`` · missing receivables/revenue/VAT
account ``AccountIsMissing`` (unknown VAT code ``VatTypeDoesNotExist``, purchase VAT
``VatIsNotSalesVat``) · invoice series missing ``NumberSerieDoesNotExist`` / blocked
``NumberSerieIsBlocked``.

Amounts: line net = qty × price × (1 − line discount) × (1 − order end discount), each rounded
half-up to 0.01 with :class:`~decimal.Decimal`; VAT per VAT code on the summed net, rounded the
same way. VAT applies to item lines whose item group has a sales VAT code (text lines: the debtor
group's), unless the line names its own ``Vat``; debtors in VAT zone EU/Foreign/VatFree get none.
GL: receivables (debtor group ``SummeryAccount``) debit = revenue credits + VAT credits; negative
quantities (credit notes) flip every sign.

Currency: the invoice (DebtorInvoice, InvTrans) states the order currency. The ledger rows
(GLTrans, DebtorTrans) book ``Amount`` in the company currency (DKK) and ``AmountCur`` in the
order currency, at the order's ``ExchangeRate`` (company currency for one unit of the order
currency): each revenue and VAT row is converted and rounded to øre, the receivables row is
their sum, so the voucher balances. Emulator policy (the reference does not say what Uniconta
does without a rate): an order in another currency without ``ExchangeRate`` is refused with
``FieldCannotBeBlank``.

A real posting writes everything — number series, DebtorInvoice, InvTrans, DebtorTrans (and
the open item, DebtorTransOpen), GLTrans,
the PDF and the order deletion (``DeleteOrder``) — in one SQLite transaction. Without
``DeleteOrder`` the order and its lines stay and the order's ``InvoiceNumber`` is set.
Document types other than Invoice/Creditnote only render a document (nothing is posted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sync.emulator.entities import REGISTRY
from sync.emulator.enums import INVOICING_DOCUMENT_TYPES
from sync.emulator.errors import UnicontaError
from sync.emulator.pdf import PdfDocument, PdfLine
from sync.emulator.rules import CompanyContext
from sync.emulator.wire import blank_row, encode_row, format_date

Row = dict[str, Any]
CENT = Decimal("0.01")
_NO_VAT_ZONES = {"EU", "Foreign", "VatFree"}


def money(value: Decimal) -> Decimal:
    """Round half-up to øre."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def dec(value: Any) -> Decimal:
    return Decimal(repr(float(value or 0.0)))


@dataclass(frozen=True)
class PostingRequest:
    """Query parameters of one posting call, already parsed."""

    order_number: int
    simulate: bool
    document_type: str
    emails: tuple[str, ...]
    date: date | None


@dataclass
class PricedLine:
    line: Row
    net: Decimal
    revenue_account: str
    vat_code: str
    dims: tuple[str | None, ...]


@dataclass
class Draft:
    """Everything computed before anything is written."""

    order: Row
    lines: list[Row]
    debtor: Row
    debtor_group: Row
    priced: list[PricedLine]
    vat_rates: dict[str, tuple[Decimal, str]]  # code -> (rate, account)
    invoice_date: date
    due_date: date
    currency: str
    exchange_rate: Decimal = Decimal(1)  # company currency for one unit of `currency`
    net: Decimal = Decimal(0)
    vat_by_code: dict[str, Decimal] = field(default_factory=dict)

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_by_code.values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.net + self.vat

    def in_company_currency(self, amount: Decimal) -> Decimal:
        """An amount of the order currency in the company currency, rounded to øre."""
        return money(amount * self.exchange_rate)

    def revenue(self) -> dict[tuple[str, str, tuple[str | None, ...]], Decimal]:
        """Net revenue per (account, VAT code, dimensions): one GL row each."""
        out: dict[tuple[str, str, tuple[str | None, ...]], Decimal] = defaultdict(Decimal)
        for p in self.priced:
            out[(p.revenue_account, p.vat_code, p.dims)] += p.net
        return out

    @property
    def total_in_company_currency(self) -> Decimal:
        """The receivable: the sum of the converted revenue and VAT, so the voucher balances."""
        parts = [*self.revenue().values(), *self.vat_by_code.values()]
        return sum((self.in_company_currency(a) for a in parts), Decimal(0))


@dataclass
class PostingOutcome:
    """The JSON result, the PDF (when produced) and the invoice number (0 when simulated)."""

    result: dict[str, Any]
    pdf: bytes | None
    invoice_number: int


def _check_projects(ctx: CompanyContext, order: Row, lines: list[Row]) -> None:
    for line in [order, *lines]:
        number = line.get("Project") or order.get("Project")
        if not number:
            continue
        project = ctx.get("Project", number)
        if project is None:
            raise UnicontaError("CouldNotFind")
        if project.get("Blocked"):
            raise UnicontaError("ProjectIsBlocked")
        if not (line.get("PrCategory") or order.get("PrCategory")):
            raise UnicontaError("PrCategoryCannotBeBlank")


def _vat_rate(ctx: CompanyContext, code: str, cache: dict[str, tuple[Decimal, str]]) -> None:
    if code in cache:
        return
    vat = ctx.get("GLVat", code)
    if vat is None:
        raise UnicontaError("VatTypeDoesNotExist")
    if vat.get("VatType") != "Sales":
        raise UnicontaError("VatIsNotSalesVat")
    if not vat.get("Account"):
        raise UnicontaError("AccountIsMissing")
    cache[code] = (dec(vat.get("Rate")), str(vat["Account"]))


def _price_lines(ctx: CompanyContext, draft_parts: dict[str, Any]) -> list[PricedLine]:
    order, debtor, group = draft_parts["order"], draft_parts["debtor"], draft_parts["group"]
    rates: dict[str, tuple[Decimal, str]] = draft_parts["rates"]
    end_discount = Decimal(1) - dec(order.get("EndDiscountPct")) / 100
    priced = []
    for line in draft_parts["lines"]:
        if line.get("Item"):
            item = ctx.get("InvItem", line["Item"])
            if item is None:
                raise UnicontaError("CouldNotFind")
            if item.get("Blocked"):
                raise UnicontaError("ItemIsOnHold")
            source = ctx.get("InvGroup", item.get("Group")) or {}
        else:
            source = group
        account = str(source.get("RevenueAccount") or "")
        if not account:
            raise UnicontaError("AccountIsMissing")
        vat_code = str(line.get("Vat") or source.get("SalesVat") or "")
        if debtor.get("VatZone") in _NO_VAT_ZONES:
            vat_code = ""
        if vat_code:
            _vat_rate(ctx, vat_code, rates)
        gross = dec(line.get("Qty")) * dec(line.get("Price"))
        net = money(gross * (Decimal(1) - dec(line.get("DiscountPct")) / 100) * end_discount)
        dims = tuple(line.get(f"Dimension{i}") or order.get(f"Dimension{i}") for i in range(1, 6))
        priced.append(PricedLine(line, net, account, vat_code, dims))
    return priced


def _invoice_serie(ctx: CompanyContext, group: Row) -> Row:
    serie = ctx.get("NumberSerie", group.get("InvoiceSerie"))
    if serie is None:
        raise UnicontaError("NumberSerieDoesNotExist")
    if serie.get("Blocked"):
        raise UnicontaError("NumberSerieIsBlocked")
    return serie


def _parse_row_date(text: str | None) -> date | None:
    return datetime.strptime(text[:10], "%Y-%m-%d").date() if text else None


def prepare(
    ctx: CompanyContext, request: PostingRequest, today: date, use_order_date: bool
) -> Draft:
    """Run every check and compute the invoice; writes nothing."""
    order = ctx.get("DebtorOrder", request.order_number)
    if order is None:
        raise UnicontaError("CouldNotFind")
    lines = sorted(
        ctx.numbered("DebtorOrderLine", "OrderNumber", order["OrderNumber"]),
        key=lambda r: (float(r.get("LineNumber") or 0), r["RowId"]),
    )
    if not any(float(r.get("Qty") or 0) for r in lines):
        raise UnicontaError("NoLinesToUpdate")
    debtor = ctx.get("Debtor", order.get("Account"))
    if debtor is None:
        raise UnicontaError("AccountDoesNotExist")
    if debtor.get("Blocked"):
        raise UnicontaError("DebtorIsStopped")
    group = ctx.get("DebtorGroup", debtor.get("Group"))
    if group is None or not group.get("SummeryAccount"):
        raise UnicontaError("AccountIsMissing")
    _check_projects(ctx, order, lines)
    rates: dict[str, tuple[Decimal, str]] = {}
    parts = {"order": order, "debtor": debtor, "group": group, "rates": rates, "lines": lines}
    priced = _price_lines(ctx, parts)
    _invoice_serie(ctx, group)

    invoice_date = request.date
    if invoice_date is None and use_order_date:
        invoice_date = _parse_row_date(order.get("InvoiceDate"))
    invoice_date = invoice_date or today
    term = (
        ctx.get("PaymentTerm", order.get("Payment"))
        or ctx.get("PaymentTerm", debtor.get("Payment"))
        or ctx.default_row("PaymentTerm")
        or {}
    )
    due = invoice_date + timedelta(days=int(term.get("Days") or 0))
    currency = order.get("Currency") or debtor.get("Currency") or ctx.currency
    rate = Decimal(1)
    if currency != ctx.currency:
        rate = dec(order.get("ExchangeRate"))
        if rate <= 0:
            raise UnicontaError("FieldCannotBeBlank")
    draft = Draft(order, lines, debtor, group, priced, rates, invoice_date, due, currency, rate)
    draft.net = sum((p.net for p in priced), Decimal(0))
    base: dict[str, Decimal] = defaultdict(Decimal)
    for p in priced:
        if p.vat_code:
            base[p.vat_code] += p.net
    draft.vat_by_code = {
        code: money(amount * rates[code][0] / 100) for code, amount in base.items()
    }
    return draft


# -- building rows --------------------------------------------------------------------------


def _row(entity: str, **values: Any) -> Row:
    row = blank_row(REGISTRY[entity.lower()])
    row.update(values)
    return row


def _gl_rows(draft: Draft, number: int, voucher: int, journal: int) -> list[Row]:
    when = format_date(draft.invoice_date)
    text = f"Faktura {number}" if number else "Faktura"
    common = {
        "Date": when,
        "Text": text,
        "Voucher": voucher,
        "Invoice": number,
        "JournalPostedId": journal,
        "Currency": draft.currency,
    }

    def gl(account: str, amount_cur: Decimal, amount: Decimal, **extra: Any) -> Row:
        value = float(amount)
        return _row(
            "GLTrans",
            Account=account,
            Amount=value,
            AmountCur=float(amount_cur),
            Debit=max(value, 0.0),
            Credit=max(-value, 0.0),
            **common,
            **extra,
        )

    credits: list[Row] = []
    for (account, vat_code, dims), amount in draft.revenue().items():
        dim_values = {f"Dimension{i + 1}": d for i, d in enumerate(dims)}
        credits.append(gl(account, -amount, -draft.in_company_currency(amount),
                          Vat=vat_code or None, **dim_values))
    for code, amount in draft.vat_by_code.items():
        credits.append(gl(draft.vat_rates[code][1], -amount,
                          -draft.in_company_currency(amount), Vat=code))
    receivable = gl(str(draft.debtor_group["SummeryAccount"]), draft.total,
                    draft.total_in_company_currency, DCAccount=draft.debtor["Account"])
    return [receivable, *(r for r in credits if r["Amount"] != 0.0)]


def _invoice_row(
    ctx: CompanyContext,
    draft: Draft,
    request: PostingRequest,
    number: int,
    voucher: int,
    journal: int,
) -> Row:
    order = draft.order
    refs = {
        k: order.get(k)
        for k in (
            "YourRef",
            "OurRef",
            "Requisition",
            "Remark",
            "Project",
            "Employee",
            "LayoutGroup",
            *(f"Dimension{i}" for i in range(1, 6)),
        )
    }
    return _row(
        "DebtorInvoice",
        InvoiceNumber=number,
        Account=draft.debtor["Account"],
        Name=draft.debtor.get("Name"),
        OrderNumber=order["OrderNumber"],
        Date=format_date(draft.invoice_date),
        DueDate=format_date(draft.due_date),
        Currency=draft.currency,
        NetAmount=float(draft.net),
        VatAmount=float(draft.vat),
        TotalAmount=float(draft.total),
        Voucher=voucher,
        JournalPostedId=journal,
        Payment=order.get("Payment") or draft.debtor.get("Payment"),
        DocumentType=request.document_type,
        SendTime=format_date(datetime.now().replace(microsecond=0)) if request.emails else None,
        Emails=";".join(request.emails) or None,
        Created=format_date(datetime.now().replace(microsecond=0)),
        **refs,
    )


def _line_rows(draft: Draft, number: int) -> list[Row]:
    out = []
    for p in draft.priced:
        line = p.line
        out.append(
            _row(
                "InvTrans",
                InvoiceNumber=number,
                Account=draft.debtor["Account"],
                OrderNumber=draft.order["OrderNumber"],
                Date=format_date(draft.invoice_date),
                LineNumber=line.get("LineNumber"),
                Item=line.get("Item"),
                Text=line.get("Text"),
                Qty=line.get("Qty"),
                Price=line.get("Price"),
                DiscountPct=line.get("DiscountPct"),
                NetAmount=float(p.net),
                Unit=line.get("Unit"),
                Vat=p.vat_code or None,
                RevenueAccount=p.revenue_account,
                Project=line.get("Project") or draft.order.get("Project"),
                PrCategory=line.get("PrCategory") or draft.order.get("PrCategory"),
                Employee=line.get("Employee"),
                Currency=draft.currency,
                **{f"Dimension{i + 1}": d for i, d in enumerate(p.dims)},
            )
        )
    return out


def pdf_document(
    ctx: CompanyContext, draft: Draft, request: PostingRequest, number: int
) -> PdfDocument:
    debtor = draft.debtor
    return PdfDocument(
        company_name=str(ctx.info.get("Name") or ""),
        document_type=request.document_type,
        number=number,
        date=draft.invoice_date.isoformat(),
        due_date=draft.due_date.isoformat(),
        customer_account=str(debtor["Account"]),
        customer_name=str(debtor.get("Name") or ""),
        customer_address=[str(debtor.get(k) or "") for k in ("Address1", "Address2", "Address3")]
        + [f"{debtor.get('ZipCode') or ''} {debtor.get('City') or ''}".strip()],
        currency=draft.currency,
        net=draft.net,
        vat=draft.vat,
        total=draft.total,
        lines=[
            PdfLine(
                str(p.line.get("Text") or ""),
                dec(p.line.get("Qty")),
                dec(p.line.get("Price")),
                p.net,
            )
            for p in draft.priced
        ],
        your_ref=str(draft.order.get("YourRef") or ""),
        simulated=number == 0,
    )


def _result(
    ctx: CompanyContext,
    header: Row,
    lines: list[Row],
    gl: list[Row] | None,
    journal: int,
    counter: int,
) -> dict[str, Any]:
    cid = ctx.company_id
    return {
        "Header": encode_row(REGISTRY["debtorinvoice"], header, cid),
        "ledgerRes": {
            "SimulatedTrans": None
            if gl is None
            else [encode_row(REGISTRY["gltrans"], r, cid) for r in gl],
            "AccountBalance": None,
            "JournalPostedlId": journal,
            "Err": "Succes",
            "Counter": counter,
            "Account": None,
            "ErrorProperty": None,
            "ErrorValue": None,
        },
        "Lines": [encode_row(REGISTRY["invtrans"], r, cid) for r in lines],
        "pdf": None,
        "Err": "Succes",
    }


def post(
    ctx: CompanyContext,
    request: PostingRequest,
    *,
    today: date,
    use_order_date: bool,
    want_pdf: bool,
    render: Callable[[PdfDocument], bytes],
    misbook_vat: bool = False,
) -> PostingOutcome:
    """Simulate or post the order; a real posting commits in one transaction.

    `misbook_vat` (a fault switch) books 1.00 more VAT than the lines carry."""
    draft = prepare(ctx, request, today, use_order_date)
    if misbook_vat:
        code = next(iter(draft.vat_by_code), None) or "U25"
        _vat_rate(ctx, code, draft.vat_rates)
        draft.vat_by_code[code] = draft.vat_by_code.get(code, Decimal(0)) + Decimal("1.00")
    if request.simulate or request.document_type not in INVOICING_DOCUMENT_TYPES:
        header = _invoice_row(ctx, draft, request, 0, 0, 0)
        gl = _gl_rows(draft, 0, 0, 0)
        pdf = render(pdf_document(ctx, draft, request, 0)) if want_pdf else None
        return PostingOutcome(_result(ctx, header, _line_rows(draft, 0), gl, 0, len(gl)), pdf, 0)

    store = ctx.store
    from sync.emulator.fixtures import FIRST_JOURNAL_POSTED_ID, FIRST_VOUCHER

    with store.transaction():
        serie = _invoice_serie(ctx, draft.debtor_group)
        number = int(serie.get("Next") or serie.get("FirstValue") or 1)
        serie["Next"] = number + 1
        serie["InUse"] = True
        store.update(serie["RowId"], serie["Serie"], serie)
        voucher = store.next_counter(ctx.company_id, "Voucher", FIRST_VOUCHER)
        journal = store.next_counter(ctx.company_id, "JournalPostedId", FIRST_JOURNAL_POSTED_ID)

        header = _invoice_row(ctx, draft, request, number, voucher, journal)
        lines = _line_rows(draft, number)
        gl = _gl_rows(draft, number, voucher, journal)
        header["RowId"] = store.insert(ctx.company_id, "DebtorInvoice", None, header)
        for row in lines:
            row["RowId"] = store.insert(ctx.company_id, "InvTrans", None, row)
        store.insert(
            ctx.company_id,
            "DebtorTrans",
            None,
            _row(
                "DebtorTrans",
                Account=draft.debtor["Account"],
                Date=header["Date"],
                DueDate=header["DueDate"],
                Amount=float(draft.total_in_company_currency),
                AmountCur=header["TotalAmount"],
                Currency=draft.currency,
                Voucher=voucher,
                Invoice=number,
                Text=f"{'Kreditnota' if request.document_type == 'Creditnote' else 'Faktura'}"
                f" {number}",
                JournalPostedId=journal,
            ),
        )
        credit = request.document_type == "Creditnote"
        store.insert(ctx.company_id, "DebtorTransOpen", None, _row(
            "DebtorTransOpen", Account=draft.debtor["Account"], Date=header["Date"],
            DueDate=header["DueDate"], Amount=float(draft.total_in_company_currency),
            AmountOpen=float(draft.total_in_company_currency), AmountCur=header["TotalAmount"],
            AmountOpenCur=header["TotalAmount"], Currency=draft.currency, Voucher=voucher,
            Invoice=number, Text=f"{'Kreditnota' if credit else 'Faktura'} {number}"))
        for row in gl:
            store.insert(ctx.company_id, "GLTrans", None, row)
        pdf = render(pdf_document(ctx, draft, request, number))
        store.put_pdf(ctx.company_id, number, pdf)

        order = draft.order
        if order.get("DeleteOrder"):
            for line in draft.lines:
                store.delete(line["RowId"])
            store.delete(order["RowId"])
        else:
            order["InvoiceNumber"] = number
            store.update(order["RowId"], str(order["OrderNumber"]), order)
    result = _result(ctx, header, lines, None, journal, len(gl))
    return PostingOutcome(result, pdf if want_pdf else None, number)
