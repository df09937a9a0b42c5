"""Read a TimeLog-shaped invoice export: keys are the technical names of the seed's tables.

The TimeLog↔Uniconta guide names each field by its TimeLog technical name (`CustomerKey`,
`Detail.ProjectHeader`, `InvoicingAddress.Zip`, `Rate`, `Discount` …). This module maps an
export that uses those names onto `faktura.model.Invoice`'s fields. A dotted name may be
given flat (`"InvoicingAddress.Zip": "8000"`) or nested (`"InvoicingAddress": {"Zip": …}`).

Names the guide does not give (the invoice's own id, VAT exemption per line, credit notes,
exchange rate) use the keys in `EXTENSION_KEYS`; they are documented in the README.

>>> data = to_invoice_data({"InvoiceID": "T-1", "InvoiceDate": "2026-10-31",
...     "CustomerKey": "1001", "Customer": {"Name": "Acme ApS"},
...     "Lines": [{"Text": "Rådgivning", "Quantity": 2, "Rate": 950}]})
>>> data["customer"]["customer_number"], data["lines"][0]["unit_price"]
('1001', 950)
"""

from __future__ import annotations

from typing import Any

EXTENSION_KEYS = ("InvoiceID", "Kind", "VatExempt", "IsCreditNote", "CreditNoteFor", "ExchangeRate",
                  "Language", "Team", "Department", "Division", "CustomerID", "DeliveryDate",
                  "PeriodStart", "PeriodEnd", "Outlay")

_MISSING = object()


def looks_like_timelog(data: object) -> bool:
    """True for a TimeLog export (PascalCase technical names), False for our own shape."""
    return isinstance(data, dict) and any(
        key in data for key in ("CustomerKey", "InvoiceDate", "Lines", "InvoiceID")
    )


def _get(data: dict[str, Any], dotted: str, default: Any = None) -> Any:
    """`data["A.B"]` if given flat, else `data["A"]["B"]`; `default` when `data` is no object."""
    if not isinstance(data, dict):
        return default
    if dotted in data:
        return data[dotted]
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _address(data: dict[str, Any], prefix: str, *, line1: str, zip_key: str) -> dict[str, Any]:
    address = _drop_none({
        "line1": _get(data, f"{prefix}.{line1}"),
        "line2": _get(data, f"{prefix}.Address2"),
        "line3": _get(data, f"{prefix}.Address3"),
        "post_code": _get(data, f"{prefix}.{zip_key}"),
        "city": _get(data, f"{prefix}.City"),
        "country_subdivision": _get(data, f"{prefix}.State"),
        "country_code": _get(data, f"{prefix}.Country"),
    })
    return address


def _customer(invoice: dict[str, Any]) -> dict[str, Any]:
    customer = _get(invoice, "Customer", {}) or {}
    return customer_data(customer, customer_key=_get(invoice, "CustomerKey"))


def customer_data(customer: dict[str, Any], customer_key: str | None = None) -> dict[str, Any]:
    """Map a TimeLog customer (the seed's Customer table) onto `Customer` field names."""
    return _drop_none({
        "source_id": _get(customer, "CustomerID"),
        "customer_number": customer_key or _get(customer, "CustomerNo"),
        "name": _get(customer, "Name"),
        "group": _get(customer, "Group"),
        "key_account_manager_initials": _get(customer, "KeyAccountManagerInitials"),
        "phone": _get(customer, "Phone"),
        "fax": _get(customer, "Fax"),
        "email": _get(customer, "ContactEmail"),
        "website": _get(customer, "Website"),
        "address": _address(customer, "Address", line1="Address", zip_key="ZipCode") or None,
        "vat_number": _get(customer, "VatNo"),
        "giro_number": _get(customer, "GiroNo"),
        "organization_number": _get(customer, "OrganizatioNo"),
        "currency_code": _get(customer, "Currency"),
        "ean": _get(customer, "EAN"),
        "language": _get(customer, "Language"),
    })


def _contact(invoice: dict[str, Any]) -> dict[str, Any] | None:
    contact = _get(invoice, "Details.ContactHeader")
    if not isinstance(contact, dict):
        return None
    return _drop_none({
        "number": _get(contact, "ProductNo"),
        "first_name": _get(contact, "FirstName"),
        "last_name": _get(contact, "LastName"),
        "phone": _get(contact, "Phone"),
        "email": _get(contact, "Email"),
        "comment": _get(contact, "Comment"),
    })


def _project(invoice: dict[str, Any]) -> dict[str, Any] | None:
    project = _get(invoice, "Detail.ProjectHeader")
    if not isinstance(project, dict):
        return None
    return _drop_none({
        "number": _get(project, "ProjectNo"),
        "name": _get(project, "Name"),
        "description": _get(project, "Description"),
    })


def _employee(invoice: dict[str, Any]) -> dict[str, Any] | None:
    employee = _get(invoice, "InternalReference")
    if not isinstance(employee, dict):
        return None
    return _drop_none({"number": _get(employee, "ExternalKey"), "name": _get(employee, "Name")})


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return _drop_none({
        "item_number": _get(line, "ProductNo"),
        "text": _get(line, "Text"),
        "quantity": _get(line, "Quantity"),
        "unit": _get(line, "Unit"),
        "unit_price": _get(line, "Rate"),
        "discount_percent": _get(line, "Discount"),
        "kind": _get(line, "Kind"),
        "vat": (not _get(line, "VatExempt")) if _get(line, "VatExempt") is not None else None,
        "outlay": _get(line, "Outlay"),
    })


def to_invoice_data(invoice: dict[str, Any]) -> dict[str, Any]:
    """Map a TimeLog export onto `Invoice` field names (validation happens in the model)."""
    invoicing_address = _address(invoice, "InvoicingAddress", line1="Address1", zip_key="Zip")
    lines = _get(invoice, "Lines", [])
    return _drop_none({
        "source_system": "timelog",
        "source_id": _get(invoice, "InvoiceID") or _get(invoice, "InvoiceNo"),
        "source_invoice_number": _get(invoice, "InvoiceNo"),
        "type_code": 381 if _get(invoice, "IsCreditNote") else None,
        "preceding_invoice_reference": _get(invoice, "CreditNoteFor"),
        "issue_date": _get(invoice, "InvoiceDate"),
        "due_date": _get(invoice, "DueDate"),
        "delivery_date": _get(invoice, "DeliveryDate"),
        "invoicing_period_start": _get(invoice, "PeriodStart"),
        "invoicing_period_end": _get(invoice, "PeriodEnd"),
        "currency_code": _get(invoice, "CurrencyISO"),
        "exchange_rate": _get(invoice, "ExchangeRate"),
        "customer": _customer(invoice),
        "contact": _contact(invoice),
        "fixed_customer_name": _get(invoice, "FixedCustomerName"),
        "fixed_contact_full_name": _get(invoice, "FixedContactFullName")
        or _get(invoice, "FixedAttContactFullName"),
        "invoicing_address": invoicing_address or None,
        # The guide: "Kundens ref." is CustomersReference / FixedAttContactFullName → YourRef.
        "buyer_reference": _get(invoice, "CustomersReference")
        or _get(invoice, "FixedAttContactFullName"),
        "internal_reference": _employee(invoice),
        "purchase_order_reference": _get(invoice, "RequisitionNo"),
        "project": _project(invoice),
        "header": _get(invoice, "Header"),
        "note": _get(invoice, "Comment"),
        "default_discount_percent": _get(invoice, "DefaultDiscount"),
        "ean": _get(invoice, "EAN"),
        "team": _get(invoice, "Team"),
        "department": _get(invoice, "Department"),
        "division": _get(invoice, "Division"),
        # Not a list: passed on as it is, so that the model reports "lines: … valid list".
        "lines": [_line(line) if isinstance(line, dict) else line for line in lines]
        if isinstance(lines, list) else lines,
    })
