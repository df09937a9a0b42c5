"""The invoice as the source system (ClientTime, TimeLog) exports it.

Field names follow the EN 16931 business terms wherever one exists, so that an e-invoice
mapping (OIOUBL, Peppol BIS 3) is a lookup and not logic. Each field's description gives its
BT number and the source names it is read from (TimeLog technical name → Uniconta field).

Money and quantities are `Decimal`. Quantities are rounded half-up to 2 decimals on input,
the precision Uniconta's time items use, so that what we print and what we post are equal.

Sign convention: a credit note (type code 381) states the amounts it *credits* as positive
numbers, as in EN 16931; the sync core posts it to Uniconta with negative quantities.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from faktura.errors import InvalidInput, Problem
from faktura.identifiers import validate_gln, validate_vat_number

QUANTITY_STEP = Decimal("0.01")

Text = Annotated[str, Field(max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
#: A discount has at most 2 decimals (12.5 %, 33.33 %): what Uniconta's DiscountPct keeps, so
#: the printed, posted and e-invoiced amounts are computed from the same number.
DiscountPercent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
Money = Annotated[Decimal, Field(max_digits=17, decimal_places=4)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class InvoiceTypeCode(IntEnum):
    """BT-3, UNTDID 1001."""

    INVOICE = 380
    CREDIT_NOTE = 381


class PostalAddress(_Model):
    """BG-8 / BG-5 postal address. TimeLog `Address.*` / `InvoicingAddress.*`."""

    line1: Text | None = Field(
        None, description="BT-50 Address line 1. TimeLog Address1 → Address1"
    )
    line2: Text | None = Field(
        None, description="BT-51 Address line 2. TimeLog Address2 → Address2"
    )
    line3: Text | None = Field(
        None, description="BT-163 Address line 3. TimeLog Address3 → Address3"
    )
    post_code: Annotated[str, Field(max_length=20)] | None = Field(
        None, description="BT-53 Post code. TimeLog ZipCode/Zip → ZipCode"
    )
    city: Text | None = Field(None, description="BT-52 City. TimeLog City → City")
    country_subdivision: Text | None = Field(None, description="BT-54. TimeLog Address.State")
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = Field(
        "DK", description="BT-55 Country code, ISO 3166-1 alpha-2. TimeLog Country → Country"
    )

    @field_validator("country_code", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    def lines(self) -> list[str]:
        """The address as printed: street lines, then 'post code city', then the country."""
        out = [line for line in (self.line1, self.line2, self.line3) if line]
        place = " ".join(part for part in (self.post_code, self.city) if part)
        if place:
            out.append(place)
        return out


class Customer(_Model):
    """The buyer (BG-7). TimeLog Customer → Uniconta Debtor."""

    source_id: Text | None = Field(
        None,
        description="The customer's stable identity in the source system (TimeLog CustomerID /"
        " ExternalKey). Lets the sync core notice a changed customer number.",
    )
    customer_number: ShortText = Field(
        description="BT-46 Buyer identifier. TimeLog CustomerNo / CustomerKey → Debtor.Account"
    )
    name: ShortText = Field(description="BT-44 Buyer name. TimeLog Name → Name")
    group: Annotated[str, Field(max_length=40)] = Field(
        "", description="Customer group; blank means Uniconta debtor group '1'"
    )
    key_account_manager_initials: Text | None = Field(None, description="TimeLog Owner")
    phone: Text | None = Field(None, description="TimeLog Phone → Phone")
    fax: Text | None = Field(None, description="TimeLog Fax")
    email: Text | None = Field(None, description="BT-58. TimeLog ContactEmail → ContactEmail")
    invoice_email: Text | None = Field(None, description="BT-49 alternative. → InvoiceEmail")
    website: Text | None = Field(None, description="TimeLog Website")
    address: PostalAddress = Field(default_factory=PostalAddress, description="BG-8")
    vat_number: Annotated[str, Field(max_length=30)] | None = Field(
        None,
        description="BT-48 Buyer VAT identifier, with its country prefix (a bare 8-digit number"
        " is a Danish CVR: stored as DK + CVR). TimeLog VatNo → LegalIdent (without DK)",
    )
    giro_number: Text | None = Field(None, description="TimeLog GiroNo")
    organization_number: Text | None = Field(None, description="TimeLog OrganizatioNo")
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="Customer's default currency. TimeLog Currency → Currency"
    )
    ean: Annotated[str, Field(max_length=20)] | None = Field(
        None, description="BT-49 Buyer electronic address (GLN, 13 digits). TimeLog EAN → EAN"
    )
    language: Literal["da", "en"] | None = Field(
        None, description="Language of the printed invoice; blank: the settings' default"
    )

    @field_validator("vat_number")
    @classmethod
    def _vat_number(cls, value: str | None) -> str | None:
        return validate_vat_number(value) if value else None

    @field_validator("ean")
    @classmethod
    def _gln(cls, value: str | None) -> str | None:
        return validate_gln(value) if value else None


class Contact(_Model):
    """The buyer's contact person (BG-9). TimeLog Contact → Uniconta Contact."""

    number: Text | None = Field(None, description="TimeLog Nr. (ProductNo in the guide's table)")
    first_name: Text = Field("", description="TimeLog FirstName → Name (concatenated)")
    last_name: Text = Field("", description="TimeLog LastName → Name (concatenated)")
    phone: Text | None = Field(None, description="BT-57. TimeLog Phone → Mobil")
    email: Text | None = Field(None, description="BT-58. TimeLog Email → Email")
    comment: Text | None = Field(None, description="TimeLog Comment")

    @property
    def name(self) -> str:
        """BT-56 Buyer contact point: first and last name, as Uniconta stores it."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @model_validator(mode="after")
    def _has_a_name(self) -> Contact:
        if not self.name:
            raise ValueError("a contact needs a first or last name")
        return self


class Employee(_Model):
    """The seller's internal reference. TimeLog InternalReference → Uniconta Employee/OurRef."""

    number: ShortText = Field(description="TimeLog ExternalKey → Employee.Number")
    name: ShortText = Field(description="TimeLog Name → Name (full name)")
    email: Text | None = None


class Project(_Model):
    """BT-11 Project reference. TimeLog Detail.ProjectHeader → Uniconta Project."""

    number: ShortText = Field(description="BT-11. Project no. → Project.Number")
    name: ShortText = Field(description="Project name → Name")
    description: Text | None = Field(None, description="Description → Description")


class InvoiceLine(_Model):
    """BG-25 invoice line, or a text line (a heading of combined lines) with no amount."""

    line_id: Annotated[str, Field(max_length=50)] | None = Field(None, description="BT-126")
    item_number: Annotated[str, Field(max_length=40)] | None = Field(
        None,
        description="BT-155 Item seller's identifier. TimeLog ProductNo → Item. Blank: the"
        " settings' ProductNumber (with VAT) or ProductNumberExVat (without).",
    )
    text: Text = Field(description="BT-153 Item name. TimeLog Text → Text")
    quantity: Money | None = Field(None, description="BT-129. TimeLog Quantity → Qty")
    unit: Annotated[str, Field(max_length=20)] | None = Field(
        None, description="BT-130 unit, as printed ('timer', 'stk.'). TimeLog Unit"
    )
    unit_price: Money | None = Field(
        None, description="BT-146 Item net price. TimeLog Rate → Price"
    )
    discount_percent: DiscountPercent | None = Field(
        None,
        description="BT-138 line allowance %. TimeLog Discount → DiscountPct; blank: the"
        " invoice's default discount",
    )
    kind: Literal["hours", "expenses", "travel", "fixed_price", "other"] | None = Field(
        None,
        description="What the line bills, for the product-number principle (settings"
        " [products]); blank: inferred from the unit. TimeLog Kind",
    )
    vat: bool = Field(
        True,
        description="BT-151: True = standard rated (S, ProductNumber), False = exempt"
        " (E, ProductNumberExVat)",
    )

    @property
    def is_text(self) -> bool:
        """A line that only carries text (a heading of combined lines)."""
        return self.quantity is None and self.unit_price is None

    @field_validator("quantity", mode="before")
    @classmethod
    def _two_decimals(cls, value: object) -> object:
        """Round half-up to 2 decimals *before* the precision check: 0.33333 h is 0.33 h.

        Anything that is not a finite number is left for the type check to report.
        """
        if value is None or isinstance(value, bool):
            return value
        if not isinstance(value, int | float | str | Decimal):
            return value
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
            if not number.is_finite():
                return value
            return number.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return value

    @model_validator(mode="after")
    def _item_or_text(self) -> InvoiceLine:
        if (self.quantity is None) != (self.unit_price is None):
            missing = "unit_price" if self.unit_price is None else "quantity"
            raise ValueError(f"{missing} is missing: a line has both quantity and unit_price,"
                             " or neither (a text line)")
        if self.is_text and self.item_number:
            raise ValueError("a text line (no quantity or price) cannot have an item_number")
        if not self.is_text and not self.text:
            raise ValueError("text: an item line needs a text")
        return self


class Invoice(_Model):
    """A booked invoice or credit note from the source system."""

    source_system: Literal["clienttime", "timelog"] = "clienttime"
    source_id: ShortText = Field(
        description="The invoice's identity in the source system: the key for exactly-once posting"
    )
    source_invoice_number: Text | None = Field(None, description="TimeLog InvoiceNo")
    invoice_number: Annotated[str, Field(pattern=r"^\d{1,20}$")] | None = Field(
        None, description="BT-1 Invoice number, assigned by Uniconta's number series at posting"
    )
    type_code: InvoiceTypeCode = Field(InvoiceTypeCode.INVOICE, description="BT-3 (380/381)")
    preceding_invoice_reference: Annotated[str, Field(max_length=50)] | None = Field(
        None, description="BT-25: the invoice a credit note corrects"
    )
    issue_date: date = Field(description="BT-2 Invoice issue date. TimeLog InvoiceDate")
    due_date: date | None = Field(
        None, description="BT-9 Payment due date. TimeLog DueDate; blank: issue date + terms"
    )
    invoicing_period_start: date | None = Field(None, description="BT-73")
    invoicing_period_end: date | None = Field(None, description="BT-74")
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        "DKK", description="BT-5 Invoice currency code. TimeLog CurrencyISO → Currency"
    )
    exchange_rate: Annotated[Decimal, Field(gt=0)] | None = Field(
        None,
        description="DKK for one unit of the invoice currency, the latest published rate at"
        " the tax point; required for a foreign-currency invoice (momsbekendtgørelsen § 97)",
    )
    customer: Customer
    contact: Contact | None = Field(None, description="TimeLog Details.ContactHeader → ContactRef")
    fixed_customer_name: Text | None = Field(
        None, description="Invoice address name. TimeLog FixedCustomerName"
    )
    fixed_contact_full_name: Text | None = Field(
        None, description="Att. on the invoice address. TimeLog FixedContactFullName"
    )
    invoicing_address: PostalAddress | None = Field(
        None, description="TimeLog InvoicingAddress.* → Delivery*; blank: the customer's address"
    )
    buyer_reference: Text | None = Field(
        None, description="BT-10 'Deres ref.'. TimeLog CustomersReference → YourRef"
    )
    internal_reference: Employee | None = Field(
        None, description="'Vores ref.'. TimeLog InternalReference → Employee / OurRef"
    )
    purchase_order_reference: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="BT-13 Requisition. TimeLog RequisitionNo → Requisition"
    )
    project: Project | None = Field(None, description="BT-11. TimeLog Detail.ProjectHeader")
    header: Text | None = Field(None, description="Heading. TimeLog Header → Remark")
    note: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="BT-22 Invoice note. TimeLog Comment"
    )
    default_discount_percent: DiscountPercent = Field(
        Decimal(0), description="TimeLog DefaultDiscount: the discount of lines that give none"
    )
    ean: Annotated[str, Field(max_length=20)] | None = Field(
        None, description="BT-49 GLN for this invoice; blank: the customer's EAN. TimeLog EAN"
    )
    team: Text | None = Field(None, description="Team → Dim<TeamDimension>")
    department: Text | None = Field(None, description="Department → Dim<DepartmentDimension>")
    division: Text | None = Field(None, description="Division → Dim<DivisionDimension>")
    lines: Annotated[list[InvoiceLine], Field(min_length=1, max_length=5000)]

    @field_validator("currency_code", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("ean")
    @classmethod
    def _gln(cls, value: str | None) -> str | None:
        return validate_gln(value) if value else None

    @model_validator(mode="after")
    def _consistent(self) -> Invoice:
        if self.is_credit_note and not self.preceding_invoice_reference:
            raise ValueError("preceding_invoice_reference: a credit note must name the invoice"
                             " it credits")
        if self.currency_code != "DKK" and self.exchange_rate is None:
            raise ValueError(f"exchange_rate: an invoice in {self.currency_code} must give the"
                             " DKK exchange rate, so the VAT can be stated in DKK")
        if self.due_date and self.due_date < self.issue_date:
            raise ValueError("due_date: is before the issue_date")
        if all(line.is_text for line in self.lines):
            raise ValueError("lines: an invoice needs at least one line with an amount")
        return self

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == InvoiceTypeCode.CREDIT_NOTE

    @property
    def buyer_name(self) -> str:
        """The name printed on the invoice address."""
        return self.fixed_customer_name or self.customer.name

    @property
    def buyer_address(self) -> PostalAddress:
        return self.invoicing_address or self.customer.address

    @property
    def buyer_ean(self) -> str | None:
        return self.ean or self.customer.ean

    def discount_of(self, line: InvoiceLine) -> Decimal:
        """The discount a line gets: its own, else the invoice's default discount."""
        if line.discount_percent is not None:
            return line.discount_percent
        return self.default_discount_percent

    def with_number(self, invoice_number: str) -> Invoice:
        """The same invoice with the number the ledger assigned.

        A number that is not 1–20 digits is an `InvalidInput` naming `invoice_number`, without
        repeating the value.
        """
        try:
            return self.model_validate({**self.model_dump(), "invoice_number": invoice_number})
        except ValidationError as error:
            raise InvalidInput.from_validation_error("invoice", error) from None


def parse_invoice(data: object, source: str = "invoice") -> Invoice:
    """Validate invoice data: our own shape, or a TimeLog export (see `faktura.timelog`)."""
    from faktura import timelog

    if timelog.looks_like_timelog(data):
        data = timelog.to_invoice_data(data)
    try:
        return Invoice.model_validate(data)
    except ValidationError as error:
        raise InvalidInput.from_validation_error(source, error) from None


def load_invoice(path: Path) -> Invoice:
    """Read an invoice JSON file; errors name the file, the field and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise InvalidInput(str(path), [Problem("", "file not found")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(str(path), [Problem("", f"not valid JSON ({error})")]) from None
    return parse_invoice(data, str(path))


def invoice_json(invoice: Invoice) -> str:
    """The canonical JSON kept in the archive with the PDF."""
    return invoice.model_dump_json(indent=2, exclude_none=True)


def content_sha256(invoice: Invoice) -> str:
    """A fingerprint of what the customer is billed for, independent of the assigned number."""
    unnumbered = invoice.model_copy(update={"invoice_number": None})
    return hashlib.sha256(invoice_json(unnumbered).encode("utf-8")).hexdigest()
