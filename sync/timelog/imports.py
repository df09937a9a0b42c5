"""Imports from Uniconta in TimeLog's shape: expenses, and customers with their contacts.

The TimeLog↔Uniconta guide transfers these the other way round from invoices; the field
names of the output are the guide's TimeLog technical names, so the files can be read by
TimeLog (or by `faktura sync customers`, which takes the same shape).

**Expenses** (the guide's Expenses table) come from Uniconta's **`Vouchers`** by default:
a voucher is the purchase document itself, with the net amount *and* its VAT
(`PurchasedAmount = Amount + VatAmount`, `PurchasedAmountVat = VatAmount`), a document date
(the purchase date) and a text. `ProjectTrans` is offered as the alternative source
(`source="project-trans"`) for companies that book expenses on projects: it carries cost
amounts without VAT and mixes hours with expenses, so only rows whose project category is
an expense type (Materials, ExternalWork, Miscellaneous, Other) are taken, with VAT 0.
Either way one query with a date range filter (`DocumentDate` resp. `Date`) is made.

**Customers** (the Customer and Contacts tables, reversed) come from `Debtor` and
`Contact` (two queries, or two filtered ones with `accounts`).

Pure mapping functions (`expense_from_voucher`, `expense_from_project_trans`,
`customer_from_debtor`, `contact_from_row`) do the work; the `*_from_uniconta` functions
add the calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from faktura.errors import FakturaError
from sync.posting.mapping import COUNTRIES
from sync.uniconta.gateway import GatewayClient
from sync.uniconta.wire import (
    between,
    byte_to_currency_code,
    field,
    one_of,
    parse_wire_date,
    to_decimal,
)

EXPENSE_SOURCES: tuple[str, ...] = ("vouchers", "project-trans")
#: Project category types whose transactions are expenses (not hours, not revenue).
EXPENSE_CATEGORY_TYPES = frozenset({"Materials", "ExternalWork", "Miscellaneous", "Other"})
#: Uniconta's CountryCode enum names → ISO 3166 alpha-2 (the reverse of the invoice mapping).
ISO_COUNTRIES = {name: iso for iso, name in COUNTRIES.items()}
_NO_CURRENCY = {"", "XXX", "0", "None"}
_DEBTOR_CONTACT = {1, "1", "Debtor"}


class ImportFailed(FakturaError):
    """An import cannot be done as asked; the message says why. Nothing was written."""


@dataclass
class CustomerImport:
    customers: list[dict[str, Any]]
    warnings: list[str] = dc_field(default_factory=list)


def check_period(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise ImportFailed(f"empty period: --from {start} is after --to {end}")


# --------------------------------------------------------------------------- expenses


def _currency(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = byte_to_currency_code(value)
    text = str(value).strip().upper()
    return None if text in _NO_CURRENCY else text


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _expense(*, created: dt.date | None, purchased: dt.date | None, currency: str,
             company_currency: str, quantity: Decimal | None, amount: Decimal,
             vat: Decimal, comment: str | None, key: str) -> dict[str, Any]:
    return {
        "Created": created.isoformat() if created else None,
        "CurrencyID": currency,
        "Quantity": quantity if quantity else Decimal(1),
        # TimeLog fetches the rate itself for a foreign currency; 1 for the company's own.
        "ExchangeRate": Decimal(1) if currency == company_currency else None,
        "PaymentMethod": None,
        "PurchaseDate": purchased.isoformat() if purchased else None,
        "ProjectID": 0,
        "PurchasedAmount": amount + vat,
        "PurchasedAmountVat": vat,
        "Comment": comment,
        "ExternalKey": key,  # not in the guide: where the expense came from in Uniconta
    }


def expense_from_voucher(row: Mapping[str, Any], company_currency: str) -> dict[str, Any]:
    """A `Vouchers` row → the guide's Expenses shape.

    Created ← PostingDate (else DocumentDate), PurchaseDate ← DocumentDate, Quantity ← Qty
    (1 when blank), PurchasedAmount ← Amount + VatAmount, PurchasedAmountVat ← VatAmount,
    Comment ← Text, CurrencyID ← Currency (blank: the company's), ProjectID 0.
    """
    document = parse_wire_date(field(row, "DocumentDate"))
    return _expense(
        created=parse_wire_date(field(row, "PostingDate")) or document,
        purchased=document,
        currency=_currency(field(row, "Currency")) or company_currency,
        company_currency=company_currency,
        quantity=to_decimal(field(row, "Qty")),
        amount=to_decimal(field(row, "Amount")) or Decimal(0),
        vat=to_decimal(field(row, "VatAmount")) or Decimal(0),
        comment=_text(field(row, "Text")),
        key=f"Vouchers/{field(row, 'RowId')}",
    )


def expense_from_project_trans(row: Mapping[str, Any], company_currency: str) -> dict[str, Any]:
    """A `ProjectTrans` row → the guide's Expenses shape (cost amount, no VAT on this entity)."""
    date = parse_wire_date(field(row, "Date"))
    return _expense(
        created=date,
        purchased=date,
        currency=_currency(field(row, "Currency")) or company_currency,
        company_currency=company_currency,
        quantity=to_decimal(field(row, "Qty")),
        amount=to_decimal(field(row, "CostAmount")) or Decimal(0),
        vat=Decimal(0),
        comment=_text(field(row, "Text")),
        key=f"ProjectTrans/{field(row, 'RowId')}",
    )


def expenses_from_uniconta(client: GatewayClient, start: dt.date, end: dt.date,
                           source: str = "vouchers") -> list[dict[str, Any]]:
    """The expenses dated `start`..`end` (inclusive), in the guide's TimeLog shape."""
    check_period(start, end)
    if source not in EXPENSE_SOURCES:
        raise ImportFailed(f"unknown expense source {source!r}"
                           f" (use {' or '.join(EXPENSE_SOURCES)})")
    company_currency = client.resolve_company().currency or "DKK"
    if source == "vouchers":
        rows = client.query("Vouchers", DocumentDate=between(start, end))
        expenses = [expense_from_voucher(row, company_currency) for row in rows]
    else:
        categories = {str(field(c, "Number")): str(field(c, "CatType") or "")
                      for c in client.query("PrCategory")}
        rows = client.query("ProjectTrans", Date=between(start, end))
        expenses = [expense_from_project_trans(row, company_currency) for row in rows
                    if categories.get(str(field(row, "PrCategory") or "")) in
                    EXPENSE_CATEGORY_TYPES]
    return sorted(expenses, key=lambda e: (e["PurchaseDate"] or "", e["ExternalKey"]))


# --------------------------------------------------------------------------- customers


def _split_name(name: str) -> tuple[str, str]:
    """Uniconta keeps one name; TimeLog first + last: the last word is the last name."""
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), ""
    return " ".join(parts[:-1]), parts[-1]


def _iso_country(value: Any, where: str, warnings: list[str]) -> str | None:
    if value in (None, "", 0, "Unknown"):
        return None
    iso = ISO_COUNTRIES.get(str(value))
    if iso is None:
        warnings.append(f"{where}: country {value!r} has no ISO code in this integration;"
                        " left blank")
    return iso


def contact_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A `Contact` row → the guide's Contacts table, TimeLog side."""
    first, last = _split_name(str(field(row, "Name") or ""))
    return {
        "FirstName": first,
        "LastName": last,
        "Phone": _text(field(row, "Mobil")),
        "Email": _text(field(row, "Email")),
        "ExternalID": _text(field(row, "DCAccount")),
    }


def customer_from_debtor(row: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]],
                         warnings: list[str] | None = None) -> dict[str, Any]:
    """A `Debtor` row (and its contacts) → the guide's Customer table, TimeLog side."""
    account = str(field(row, "Account"))
    sink = warnings if warnings is not None else []
    return {
        "Name": _text(field(row, "Name")),
        "CustomerNo": account,
        "Phone": _text(field(row, "Phone")),
        "ContactEmail": _text(field(row, "ContactEmail")),
        "Address": {
            "Address": _text(field(row, "Address1")),
            "Address2": _text(field(row, "Address2")),
            "Address3": _text(field(row, "Address3")),
            "ZipCode": _text(field(row, "ZipCode")),
            "City": _text(field(row, "City")),
            "Country": _iso_country(field(row, "Country"), f"debtor {account}", sink),
        },
        "VatNo": _text(field(row, "CompanyRegNo")),
        "Currency": _currency(field(row, "Currency")),
        "EAN": _text(field(row, "EAN")),
        "Contacts": [contact_from_row(c) for c in contacts],
    }


def customers_from_uniconta(client: GatewayClient,
                            accounts: Sequence[str] = ()) -> CustomerImport:
    """Uniconta's debtors with their contacts; `accounts` limits it (each must exist)."""
    wanted = list(dict.fromkeys(a.strip() for a in accounts if a.strip()))
    if wanted:
        debtors = client.query("Debtor", Account=one_of(*wanted))
        found = {str(field(d, "Account")) for d in debtors}
        missing = [a for a in wanted if a not in found]
        if missing:
            raise ImportFailed(f"debtor {', '.join(missing)} does not exist in Uniconta"
                               " (deleted or renamed there?); nothing was written")
        contacts = client.query("Contact", DCAccount=one_of(*wanted))
    else:
        debtors = client.query("Debtor")
        contacts = client.query("Contact")
    by_account: dict[str, list[dict[str, Any]]] = {}
    for contact in contacts:
        if field(contact, "DCType") not in _DEBTOR_CONTACT:
            continue
        by_account.setdefault(str(field(contact, "DCAccount")), []).append(contact)
    warnings: list[str] = []
    customers = [
        customer_from_debtor(d, sorted(by_account.get(str(field(d, "Account")), []),
                                       key=lambda c: field(c, "RowId") or 0), warnings)
        for d in sorted(debtors, key=lambda d: str(field(d, "Account")))
    ]
    return CustomerImport(customers, warnings)
