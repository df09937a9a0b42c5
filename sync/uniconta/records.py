"""What Uniconta answers, as values: the resolved company and an invoice posting's result.

Both transports (the gateway contract and the official REST service) and the typed errors
use these, so they live below all three.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from sync.uniconta.errors import UnexpectedResponseError
from sync.uniconta.wire import byte_to_currency_code, field, parse_wire_date, to_decimal


@dataclass(frozen=True)
class CompanyInfo:
    """The resolved company and its dimension setup (names only when the extension exists)."""

    company_id: int
    name: str | None = None
    currency: str | None = None
    number_of_dimensions: int | None = None
    dimension_names: tuple[str, ...] = ()
    raw: Mapping[str, Any] = dc_field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CompanyInfo:
        """Build from a ``GET /Companies`` row (tolerates CompanyClient spellings)."""
        company_id = as_int(field(row, "CompanyId"))
        if company_id is None:
            raise UnexpectedResponseError(
                "company row without CompanyId", operation="GET Companies"
            )
        dims_count = as_int(field(row, "NumberOfDimensions"))
        names = [field(row, f"Dim{i}") for i in range(1, 6)]
        if dims_count is not None:
            names = names[:dims_count]
        currency = field(row, "Currency")
        if isinstance(currency, int) and not isinstance(currency, bool):
            currency = byte_to_currency_code(currency)
        return cls(
            company_id=company_id,
            name=field(row, "Name"),
            currency=currency,
            number_of_dimensions=dims_count,
            dimension_names=tuple(str(n) for n in names if n),
            raw=dict(row),
        )


@dataclass(frozen=True)
class PostingResult:
    """Outcome of ``POST .../Invoice/DebtorOrders/{n}`` (reference §3.12).

    ``invoice_number`` is 0 for a simulation; ``voucher``/``journal_posted_id`` are ``None``
    when Uniconta reports none (simulation); amounts are ``Decimal`` (``None`` if absent).
    ``simulated_trans`` are the GL lines of a simulation.  ``raw`` is the JSON as received
    (or the ``DebtorInvoice`` row in PDF-fallback mode).
    """

    order_number: int
    invoice_number: int
    simulated: bool
    voucher: int | None = None
    journal_posted_id: int | None = None
    net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    account: str | None = None
    simulated_trans: list[dict[str, Any]] = dc_field(default_factory=list, repr=False)
    lines: list[dict[str, Any]] = dc_field(default_factory=list, repr=False)
    pdf: bytes | None = dc_field(default=None, repr=False)
    raw: Mapping[str, Any] = dc_field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(
        cls, order_number: int, simulated: bool, data: Mapping[str, Any]
    ) -> PostingResult:
        """Parse an ``InvoicePostingResult`` JSON object."""
        header = data.get("Header")
        header = header if isinstance(header, Mapping) else {}
        ledger = data.get("ledgerRes") or data.get("LedgerRes")
        ledger = ledger if isinstance(ledger, Mapping) else {}
        trans = ledger.get("SimulatedTrans") or []
        lines = data.get("Lines") or []
        return cls(
            order_number=order_number,
            invoice_number=as_int(field(header, "InvoiceNumber")) or 0,
            simulated=simulated,
            voucher=as_int(field(header, "Voucher")) or None,
            journal_posted_id=(
                as_int(field(ledger, "JournalPostedlId"))
                or as_int(field(header, "JournalPostedId"))
                or None
            ),
            net=to_decimal(field(header, "NetAmount")),
            vat=to_decimal(field(header, "VatAmount")),
            total=to_decimal(field(header, "TotalAmount")),
            invoice_date=parse_wire_date(field(header, "Date")),
            due_date=parse_wire_date(field(header, "DueDate")),
            currency=currency_of(header),
            account=field(header, "Account"),
            simulated_trans=[dict(t) for t in trans if isinstance(t, Mapping)],
            lines=[dict(x) for x in lines if isinstance(x, Mapping)],
            raw=dict(data),
        )

    @classmethod
    def from_invoice_row(cls, order_number: int, row: Mapping[str, Any]) -> PostingResult:
        """Build from a ``DebtorInvoice`` row (PDF fallback: the JSON result is not returned)."""
        return cls(
            order_number=order_number,
            invoice_number=as_int(field(row, "InvoiceNumber")) or 0,
            simulated=False,
            voucher=as_int(field(row, "Voucher")) or None,
            journal_posted_id=as_int(field(row, "JournalPostedId")) or None,
            net=to_decimal(field(row, "NetAmount")),
            vat=to_decimal(field(row, "VatAmount")),
            total=to_decimal(field(row, "TotalAmount")),
            invoice_date=parse_wire_date(field(row, "Date")),
            due_date=parse_wire_date(field(row, "DueDate")),
            currency=currency_of(row),
            account=field(row, "Account"),
            raw=dict(row),
        )


def currency_of(row: Mapping[str, Any]) -> str | None:
    """The ISO currency code of a row (the `Currency` code, or the `_Currency` byte)."""
    value = field(row, "Currency")
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return byte_to_currency_code(value)
        except Exception:  # an unknown byte: not comparable
            return None
    return str(value) if value else None


def as_int(value: Any) -> int | None:
    """An integer from a wire value (int, numeric string, decimal), else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(Decimal(str(value)))
        except Exception:
            return None
