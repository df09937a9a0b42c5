"""Source invoice → Uniconta entities, per the seeds' mapping tables.

Pure functions: no calls. Each returns the `_`-prefixed backing-field names the gateway
writes (reference §2.5). A refusal is a `MappingError`: it names the field (`lines[2].unit`,
`customer.customer_number`, or the setting) and what to fix, never the refused value.

A line priced 0 is posted with a 100 % discount: Uniconta fills a line's price 0 in with the
item's sales price, and the discount keeps the booked line at 0 as the invoice states it
(docs/refusals.md).
"""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from faktura import units
from faktura.computed import ComputedLine
from faktura.errors import InvalidInput, Problem, field_path
from faktura.model import Contact, Customer, Employee, Invoice, InvoiceLine, Project
from faktura.settings import Settings
from sync.uniconta.wire import currency_code_to_byte

MAX_ACCOUNT_LENGTH = 20

# ISO 3166 alpha-2 → Uniconta's CountryCode enum names.
COUNTRIES = {
    "DK": "Denmark", "FO": "Faroe", "FI": "Finland", "FR": "France", "DE": "Germany",
    "GL": "Greenland", "IS": "Iceland", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "SE": "Sweden", "GB": "UnitedKingdom", "US": "UnitedStates",
}



FREE_LINE_DISCOUNT = Decimal(100)


class MappingError(InvalidInput):
    """The invoice cannot be expressed in Uniconta as it stands: the field and the fix (or
    several problems, each with its field)."""

    def __init__(self, field: str | list[Problem], message: str = "") -> None:
        super().__init__("invoice", field if isinstance(field, list)
                         else [Problem(field, message)])


def fingerprint(fields: dict[str, Any]) -> str:
    """A stable hash of mapped fields: master data is sent again only when this changes."""
    canonical = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def debtor_account(customer: Customer) -> str:
    """The Uniconta debtor account: the customer number, digits only, at most 20.

    Uniconta accepts no letters in customer numbers (the ClientTime guide); the FIK debtor
    part and auto-numbering are numeric too.
    """
    number = customer.customer_number
    if not number.isascii() or not number.isdigit():
        raise MappingError(
            CUSTOMER_NUMBER, "must contain digits only (Uniconta debtor accounts); change it"
            " in the source system")
    if len(number) > MAX_ACCOUNT_LENGTH:
        raise MappingError(
            CUSTOMER_NUMBER, f"has {len(number)} digits; Uniconta allows at most"
            f" {MAX_ACCOUNT_LENGTH}")
    return number


CUSTOMER_NUMBER = "customer.customer_number"


def country(code: str, where: str) -> str:
    """Uniconta's name of a country; `where` is the field that holds the code."""
    try:
        return COUNTRIES[code]
    except KeyError:
        raise MappingError(where, "is not a country this integration maps to Uniconta"
                           f" (known: {', '.join(sorted(COUNTRIES))})") from None


def currency_byte(code: str, where: str) -> int:
    """Uniconta's byte of a currency; `where` is the field that holds the code."""
    try:
        return currency_code_to_byte(code)
    except ValueError:
        raise MappingError(where, "is not a currency Uniconta knows") from None


def debtor_fields(customer: Customer, settings: Settings) -> dict[str, Any]:
    """Customer → Debtor (the seed's Customer table; group, VAT zone, payment terms and
    layout group come from the settings, set centrally)."""
    uni = settings.uniconta
    address = customer.address
    fields: dict[str, Any] = {
        "_Account": debtor_account(customer),
        "_Name": customer.name,
        "_Group": customer.group or uni.debtor_group,
        "_Address1": address.line1,
        "_Address2": address.line2,
        "_Address3": address.line3,
        "_ZipCode": address.post_code,
        "_City": address.city,
        "_Country": country(address.country_code, "customer.address.country_code"),
        "_LegalIdent": (customer.vat_number or "").removeprefix("DK") or None,
        "_Phone": customer.phone,
        "_ContactEmail": customer.email,
        "_InvoiceEmail": customer.invoice_email,
        "_EAN": customer.ean,
        "_Currency": currency_byte(customer.currency_code, "customer.currency_code")
        if customer.currency_code else None,
        "_Payment": uni.payment_terms,
        "_VatZone": uni.vat_zone,
        "_LayoutGroup": uni.layout_group,
    }
    return {key: value for key, value in fields.items() if value is not None}


#: Debtor fields the source owns: when the source has none, Uniconta's value is removed.
CLEARABLE_DEBTOR_FIELDS = ("_Address1", "_Address2", "_Address3", "_ZipCode", "_City",
                           "_LegalIdent", "_Phone", "_ContactEmail", "_InvoiceEmail", "_EAN")
CLEARABLE_CONTACT_FIELDS = ("_Email", "_Mobil")


def contact_fields(contact: Contact, account: str) -> dict[str, Any]:
    """Contact → Contact (first and last name concatenated; phone → Mobil)."""
    fields = {"_DCType": 1, "_DCAccount": account, "_Name": contact.name,
              "_Email": contact.email, "_Mobil": contact.phone}
    return {key: value for key, value in fields.items() if value is not None}


def employee_fields(employee: Employee) -> dict[str, Any]:
    fields = {"_Number": employee.number, "_Name": employee.name, "_Email": employee.email}
    return {key: value for key, value in fields.items() if value is not None}


def project_fields(project: Project, account: str, settings: Settings) -> dict[str, Any]:
    fields = {"_Number": project.number, "_Name": project.name,
              "_Description": project.description, "_DCAccount": account,
              "_Group": settings.uniconta.project_group}
    return {key: value for key, value in fields.items() if value is not None}


def dimension_fields(invoice: Invoice, settings: Settings,
                     number_of_dimensions: int | None) -> dict[str, Any]:
    """team / department / division → `_Dim<n>` per TeamDimension etc. (0 = not used)."""
    fields: dict[str, Any] = {}
    for name, dim in settings.integration.dimension_of.items():
        value = getattr(invoice, name)
        if not dim or not value:
            continue
        if number_of_dimensions is not None and dim > number_of_dimensions:
            raise MappingError(
                f"integration.{name.capitalize()}Dimension",
                f"names a dimension beyond the {number_of_dimensions} the Uniconta company"
                f" uses, and the invoice has a {name}: set it to a dimension of the company"
                " (0: not posted)")
        fields[f"_Dim{dim}"] = value
    return fields


def remark(invoice: Invoice) -> str:
    """Heading and comment concatenated (the seed's Remark), plus the source reference.

    A credit note's Remark names the invoice it credits (`Krediterer faktura <number>`): the
    order and the booked invoice have no other field for it. The last line,
    `Ref: <source id>`, lets the sync core find an order whose creation answer was lost; it
    also tells the bookkeeper where the invoice came from.
    """
    parts = [part for part in (invoice.header, invoice.note) if part]
    if invoice.is_credit_note and invoice.preceding_invoice_reference:
        parts.append(credits_line(invoice.preceding_invoice_reference))
    parts.append(marker(invoice))
    return "\n".join(parts)


def credits_line(invoice_number: str) -> str:
    return f"Krediterer faktura {invoice_number}"


def document_type(invoice: Invoice) -> str:
    """The posting's `documentType` (CompanyLayoutType): `Creditnote` for a credit note."""
    return "Creditnote" if invoice.is_credit_note else "Invoice"


#: The start of the Remark's last line that names the source invoice (`marker`).
MARKER_PREFIX = "Ref: "


def marker(invoice: Invoice) -> str:
    return f"{MARKER_PREFIX}{invoice.source_id}"


def order_fields(invoice: Invoice, settings: Settings, *, account: str,
                 contact_row_id: int | None, category: str | None,
                 number_of_dimensions: int | None,
                 payment_term: str | None = None) -> dict[str, Any]:
    """Invoice → DebtorOrder (the seed's Invoices table). `payment_term` is the Uniconta
    payment term whose days give the computed due date (Uniconta books DueDate from it)."""
    address = invoice.invoicing_address
    fields: dict[str, Any] = {
        "_DCAccount": account,
        "_ContactRef": contact_row_id,
        "_YourRef": invoice.buyer_reference or invoice.fixed_contact_full_name,
        "_OurRef": invoice.internal_reference.name if invoice.internal_reference else None,
        "_Employee": invoice.internal_reference.number if invoice.internal_reference else None,
        "_Requisition": invoice.purchase_order_reference,
        "_Remark": remark(invoice),
        "_Project": invoice.project.number if invoice.project else None,
        "_PrCategory": category if invoice.project else None,
        "_Currency": currency_byte(invoice.currency_code, "currency_code"),
        # DKK for one unit of the order currency: Uniconta books the DKK amounts at this rate.
        "_ExchangeRate": invoice.exchange_rate if invoice.currency_code != "DKK" else None,
        "_Payment": payment_term,
        "_InvoiceDate": invoice.issue_date,
        # BT-72 (§ 58): Uniconta's own invoice layout prints the delivery date it is given.
        "_DeliveryDate": invoice.delivery_date,
        "_DeleteOrder": True,
        **dimension_fields(invoice, settings, number_of_dimensions),
    }
    if invoice.fixed_customer_name:
        fields["_DeliveryName"] = invoice.fixed_customer_name
    if address is not None:
        fields.update({
            "_DeliveryAddress1": address.line1, "_DeliveryAddress2": address.line2,
            "_DeliveryAddress3": address.line3, "_DeliveryZipCode": address.post_code,
            "_DeliveryCity": address.city,
            "_DeliveryCountry": country(address.country_code,
                                        "invoicing_address.country_code"),
        })
    return {key: value for key, value in fields.items() if value is not None}


def item_of(line: InvoiceLine, settings: Settings) -> str | None:
    """The line's item: its own, else ProductNumber (with VAT) / ProductNumberExVat."""
    if line.is_text:
        return None
    if line.item_number:
        return line.item_number
    integration = settings.integration
    return integration.product_number if line.vat else integration.product_number_ex_vat


def line_field(position: int, name: str) -> str:
    """The field path of a line's field; `position` is 1-based, as printed and posted."""
    return field_path("lines", position - 1, name)


def quantity_for_item(line: InvoiceLine, position: int, item: str, decimals: int) -> Decimal:
    """The quantity rounded to the item's decimals — refused if that would change it."""
    assert line.quantity is not None
    rounded = line.quantity.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded != line.quantity:
        raise MappingError(
            line_field(position, "quantity"),
            f"has more decimals than item {item} allows in Uniconta ({decimals}), so Uniconta"
            " would book another quantity; set the item up with 2 decimals (the ClientTime"
            " guide requires it) or use another item")
    return rounded


def unit_of(line: InvoiceLine, position: int) -> str | None:
    """The line's Uniconta ItemUnit (`faktura.units`); None: the item's own unit."""
    try:
        return units.lookup(line.unit).uniconta
    except units.UnknownUnit as error:
        raise MappingError(line_field(position, "unit"), str(error)) from None


def line_fields(invoice: Invoice, computed: ComputedLine, settings: Settings, *,
                order_number: int, item: str | None, decimals: int | None,
                category: str | None, number_of_dimensions: int | None) -> dict[str, Any]:
    """Computed invoice line → DebtorOrderLine. Text lines carry only text; credit notes
    negate Qty. The discount is the computed one, but 100 % on a line priced 0 (Uniconta
    would book it at the item's sales price otherwise)."""
    line, position = computed.line, computed.position
    fields: dict[str, Any] = {"_OrderNumber": order_number, "_Text": line.text}
    if line.is_text:
        return fields
    assert item is not None and decimals is not None and line.unit_price is not None
    quantity = quantity_for_item(line, position, item, decimals)
    fields.update({
        "_Item": item,
        "_Qty": -quantity if invoice.is_credit_note else quantity,
        "_Price": line.unit_price,
        "_DiscountPct": (FREE_LINE_DISCOUNT if line.unit_price == 0
                         else computed.discount_percent),
        "_Unit": unit_of(line, position),
        "_Project": invoice.project.number if invoice.project else None,
        "_PrCategory": category if invoice.project else None,
        # A property only on order lines (no backing field in the v94 model).
        "Employee": invoice.internal_reference.number if invoice.internal_reference else None,
        **dimension_fields(invoice, settings, number_of_dimensions),
    })
    return {key: value for key, value in fields.items() if value is not None}
