"""The invoice as the source system (ClientTime, TimeLog) exports it.

Field names follow the EN 16931 business terms wherever one exists, so that an e-invoice
mapping (OIOUBL, Peppol BIS 3) is a lookup and not logic. Each field's description gives its
BT number and the source names it is read from (TimeLog technical name → Uniconta field).

Money and quantities are `Decimal`. Quantities have at most 2 decimals, the precision
Uniconta's time items use, so that what we print and what we post are equal: a quantity with
more decimals is refused, never rounded away. Every number, date and text is bounded so that
it fits every field and column it reaches (Uniconta, the archive, the printed invoice), and a
text holds no control or invisible formatting characters (`faktura.characters`); the JSON
Schema of `Invoice` states the same bounds.

Sign convention: a credit note (type code 381) states the amounts it *credits* as positive
numbers, as in EN 16931; the sync core posts it to Uniconta with negative quantities.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from faktura import characters, units
from faktura.errors import InvalidInput, Problem
from faktura.identifiers import validate_gln, validate_vat_number

QUANTITY_STEP = Decimal("0.01")

#: The most lines one invoice may have (the service's stated limit; batches and the renderer
#: are sized for it).
MAX_LINES = 1000
#: The earliest and latest date an invoice may carry (issue, due, invoicing period).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
#: An amount (a line, a total) has at most 12 digits before the decimal point, so the ledger,
#: which keeps doubles, holds it to the øre.
MAX_AMOUNT = Decimal("999999999999.99")


def _text_type(max_length: int, *, required: bool = False, multiline: bool = False) -> object:
    """A text of at most `max_length` characters holding no forbidden character
    (`faktura.characters`); `required`: at least one character that is not blank."""
    if multiline:
        pattern = characters.MULTILINE_PATTERN
    else:
        pattern = (characters.REQUIRED_LINE_PATTERN if required
                   else characters.SINGLE_LINE_PATTERN)
    checks: list[object] = [AfterValidator(partial(characters.check_text, multiline=multiline))]
    if multiline:  # a Windows line break is a line break
        checks.insert(0, BeforeValidator(_unix_line_breaks))
    return Annotated[
        str,
        Field(min_length=1 if required else None, max_length=max_length,
              json_schema_extra={"pattern": pattern}),
        *checks,
    ]


def _unix_line_breaks(value: object) -> object:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _decimal_type(integer_digits: int, decimals: int, *, minimum: Decimal | None = None,
                  maximum: Decimal | None = None, positive: bool = False,
                  pattern: str | None = None) -> object:
    """A decimal with at most `integer_digits` digits before and `decimals` after the point.

    More decimals are refused, never rounded away. In JSON it is a string of ASCII digits, or
    a number (the JSON Schema states the string form and whole numbers: a binary float cannot
    state every decimal exactly).
    """
    largest = Decimal(10) ** integer_digits - Decimal(1).scaleb(-decimals)
    largest = largest if maximum is None else maximum
    lowest = -largest if minimum is None else minimum
    if pattern is None:
        fraction = f"(\\.[0-9]{{1,{decimals}}})?" if decimals else ""
        sign = "-?" if lowest < 0 else ""
        pattern = f"^{sign}[0-9]{{1,{integer_digits}}}{fraction}$"
    integer: dict[str, object] = {"type": "integer", "maximum": int(largest)}
    integer["minimum"] = 1 if positive else int(lowest.to_integral_value(rounding="ROUND_CEILING"))
    bounds = {"gt": Decimal(0)} if positive else {"ge": lowest}
    return Annotated[
        Decimal,
        BeforeValidator(characters.check_decimal_string),
        Field(decimal_places=decimals, le=largest, allow_inf_nan=False, **bounds),
        WithJsonSchema({"anyOf": [integer, {"type": "string", "pattern": pattern}]}),
    ]


def _in_date_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


#: A date between 1900-01-01 and 2999-12-31, written YYYY-MM-DD.
InvoiceDate = Annotated[
    date,
    AfterValidator(_in_date_range),
    Field(json_schema_extra={
        "pattern": "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"}),
]

Text = _text_type(500)
MultilineText = _text_type(500, multiline=True)
ShortText = _text_type(200, required=True)
Name = _text_type(100, required=True)
OptionalName = _text_type(100)
Code = _text_type(40)
Email = _text_type(254)
#: A quantity: at most 7 digits before the point and the 2 decimals Uniconta's items keep.
Quantity = _decimal_type(7, 2)
#: A unit price: at most 10 digits before the point and 4 decimals (0.125 kr. per unit).
UnitPrice = _decimal_type(10, 4)
#: DKK for one unit of a currency: 0.000001 to 99,999.999999.
ExchangeRate = _decimal_type(
    5, 6, positive=True, pattern=r"^([1-9][0-9]{0,4}(\.[0-9]{1,6})?|0\.[0-9]{0,5}[1-9])$")
#: A discount has at most 2 decimals (12.5 %, 33.33 %): what Uniconta's DiscountPct keeps, so
#: the printed, posted and e-invoiced amounts are computed from the same number.
DiscountPercent = _decimal_type(
    3, 2, minimum=Decimal(0), maximum=Decimal(100),
    pattern=r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")


# JSON Schema pieces for the rules between fields (what the model validators check).
_NOT_BLANK = "\\S"
_NOT_NULL: dict[str, object] = {"not": {"type": "null"}}
_BLANK: dict[str, object] = {"anyOf": [{"type": "null"}, {"type": "string", "pattern": "^\\s*$"}]}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class InvoiceTypeCode(IntEnum):
    """BT-3, UNTDID 1001."""

    INVOICE = 380
    CREDIT_NOTE = 381


class PostalAddress(_Model):
    """BG-8 / BG-5 postal address. TimeLog `Address.*` / `InvoicingAddress.*`."""

    line1: OptionalName | None = Field(
        None, description="BT-50 Address line 1. TimeLog Address1 → Address1"
    )
    line2: OptionalName | None = Field(
        None, description="BT-51 Address line 2. TimeLog Address2 → Address2"
    )
    line3: OptionalName | None = Field(
        None, description="BT-163 Address line 3. TimeLog Address3 → Address3"
    )
    post_code: _text_type(20) | None = Field(
        None, description="BT-53 Post code. TimeLog ZipCode/Zip → ZipCode"
    )
    city: OptionalName | None = Field(None, description="BT-52 City. TimeLog City → City")
    country_subdivision: OptionalName | None = Field(
        None, description="BT-54. TimeLog Address.State")
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

    source_id: _text_type(200) | None = Field(
        None,
        description="The customer's stable identity in the source system (TimeLog CustomerID /"
        " ExternalKey). Lets the sync core notice a changed customer number.",
    )
    customer_number: _text_type(20, required=True) = Field(
        description="BT-46 Buyer identifier. TimeLog CustomerNo / CustomerKey → Debtor.Account"
        " (at most 20 characters, Uniconta's debtor account)"
    )
    name: Name = Field(description="BT-44 Buyer name. TimeLog Name → Name")
    group: Code = Field(
        "", description="Customer group; blank means Uniconta debtor group '1'"
    )
    key_account_manager_initials: Code | None = Field(None, description="TimeLog Owner")
    phone: Code | None = Field(None, description="TimeLog Phone → Phone")
    fax: Code | None = Field(None, description="TimeLog Fax")
    email: Email | None = Field(None, description="BT-58. TimeLog ContactEmail → ContactEmail")
    invoice_email: Email | None = Field(None, description="BT-49 alternative. → InvoiceEmail")
    website: _text_type(200) | None = Field(None, description="TimeLog Website")
    address: PostalAddress = Field(default_factory=PostalAddress, description="BG-8")
    vat_number: _text_type(30) | None = Field(
        None,
        description="BT-48 Buyer VAT identifier, with its country prefix (a bare 8-digit number"
        " is a Danish CVR: stored as DK + CVR). TimeLog VatNo → LegalIdent (without DK)",
    )
    giro_number: Code | None = Field(None, description="TimeLog GiroNo")
    organization_number: Code | None = Field(None, description="TimeLog OrganizatioNo")
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        None, description="Customer's default currency. TimeLog Currency → Currency"
    )
    ean: _text_type(20) | None = Field(
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

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"pattern": _NOT_BLANK}}}
        for name in ("first_name", "last_name")]})

    number: Code | None = Field(None, description="TimeLog Nr. (ProductNo in the guide's table)")
    first_name: OptionalName = Field("", description="TimeLog FirstName → Name (concatenated)")
    last_name: OptionalName = Field("", description="TimeLog LastName → Name (concatenated)")
    phone: Code | None = Field(None, description="BT-57. TimeLog Phone → Mobil")
    email: Email | None = Field(None, description="BT-58. TimeLog Email → Email")
    comment: MultilineText | None = Field(None, description="TimeLog Comment")

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

    number: _text_type(40, required=True) = Field(
        description="TimeLog ExternalKey → Employee.Number")
    name: Name = Field(description="TimeLog Name → Name (full name)")
    email: Email | None = None


class Project(_Model):
    """BT-11 Project reference. TimeLog Detail.ProjectHeader → Uniconta Project."""

    number: _text_type(40, required=True) = Field(
        description="BT-11. Project no. → Project.Number")
    name: Name = Field(description="Project name → Name")
    description: MultilineText | None = Field(None, description="Description → Description")


class InvoiceLine(_Model):
    """BG-25 invoice line, or a text line (a heading of combined lines) with no amount."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["text", "quantity", "unit_price"], "properties": {
            "text": {"pattern": _NOT_BLANK}, "quantity": _NOT_NULL, "unit_price": _NOT_NULL}},
        {"properties": {"quantity": {"type": "null"}, "unit_price": {"type": "null"},
                        "item_number": _BLANK}},
    ], "if": {"required": ["outlay"], "properties": {"outlay": {"const": True}}},
        "then": {"properties": {"vat": {"const": False}}}})

    line_id: _text_type(50) | None = Field(None, description="BT-126")
    item_number: Code | None = Field(
        None,
        description="BT-155 Item seller's identifier. TimeLog ProductNo → Item. Blank: the"
        " settings' ProductNumber (with VAT) or ProductNumberExVat (without).",
    )
    text: MultilineText = Field(description="BT-153 Item name. TimeLog Text → Text")
    quantity: Quantity | None = Field(
        None, description="BT-129. TimeLog Quantity → Qty. At most 2 decimals (more are"
        " refused, not rounded)")
    unit: _text_type(20) | None = Field(
        None, description="BT-130 unit, as printed ('timer', 'stk.'). TimeLog Unit. One of the"
        f" units the integration knows: {units.SUGGESTED}",
        json_schema_extra={"pattern": units.UNIT_PATTERN},
    )
    unit_price: UnitPrice | None = Field(
        None, description="BT-146 Item net price. TimeLog Rate → Price. At most 4 decimals"
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
    outlay: bool = Field(
        False,
        description="An outlay (udlæg): an amount paid in the customer's name and on its"
        " behalf (a court fee, a registration duty), outside the VAT base; printed as an"
        " outlay, e-invoiced as exempt (E, VATEX-EU-79-C), posted with ProductNumberExVat."
        " Carries no VAT (vat is false). TimeLog Outlay",
    )

    @property
    def is_text(self) -> bool:
        """A line that only carries text (a heading of combined lines)."""
        return self.quantity is None and self.unit_price is None

    @model_validator(mode="before")
    @classmethod
    def _outlay_without_vat(cls, data: object) -> object:
        """An outlay carries no VAT: `vat` is false unless given."""
        if isinstance(data, dict) and data.get("outlay") is True and "vat" not in data:
            return {**data, "vat": False}
        return data

    @field_validator("quantity")
    @classmethod
    def _two_decimals(cls, value: Decimal | None) -> Decimal | None:
        """Stored with exactly 2 decimals (1.5 h is 1.50 h); more were refused, not rounded."""
        return None if value is None else value.quantize(QUANTITY_STEP)

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
        if self.outlay and self.vat:
            raise ValueError("vat: an outlay (udlæg) is outside the VAT base and carries no VAT")
        if self.outlay and self.is_text:
            raise ValueError("outlay: a text line has no amount to be an outlay")
        return self


class Invoice(_Model):
    """A booked invoice or credit note from the source system."""

    model_config = ConfigDict(json_schema_extra={"allOf": [
        {"anyOf": [{"properties": {"currency_code": {"const": "DKK"}}},
                   {"required": ["exchange_rate"], "properties": {"exchange_rate": _NOT_NULL}}]},
        {"anyOf": [{"properties": {"type_code": {"const": int(InvoiceTypeCode.INVOICE)}}},
                   {"required": ["preceding_invoice_reference"],
                    "properties": {"preceding_invoice_reference": {"pattern": _NOT_BLANK}}}]},
    ]})

    source_system: Literal["clienttime", "timelog"] = "clienttime"
    source_id: ShortText = Field(
        description="The invoice's identity in the source system: the key for exactly-once posting"
    )
    source_invoice_number: _text_type(50) | None = Field(None, description="TimeLog InvoiceNo")
    invoice_number: Annotated[str, Field(pattern=r"^[0-9]{1,20}$")] | None = Field(
        None, description="BT-1 Invoice number, assigned by Uniconta's number series at posting"
    )
    type_code: InvoiceTypeCode = Field(InvoiceTypeCode.INVOICE, description="BT-3 (380/381)")
    preceding_invoice_reference: _text_type(50) | None = Field(
        None, description="BT-25: the invoice a credit note corrects"
    )
    issue_date: InvoiceDate = Field(description="BT-2 Invoice issue date. TimeLog InvoiceDate")
    due_date: InvoiceDate | None = Field(
        None, description="BT-9 Payment due date. TimeLog DueDate; blank: issue date + terms"
    )
    delivery_date: InvoiceDate | None = Field(
        None, description="BT-72 Actual delivery date: the date of supply where it differs from"
        " the issue date (momsbekendtgørelsen § 58, stk. 1, nr. 6); a service over a period"
        " gives the period (BT-73/74) instead. TimeLog DeliveryDate")
    invoicing_period_start: InvoiceDate | None = Field(None, description="BT-73")
    invoicing_period_end: InvoiceDate | None = Field(
        None, description="BT-74; on or after the start")
    currency_code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        "DKK", description="BT-5 Invoice currency code. TimeLog CurrencyISO → Currency"
    )
    exchange_rate: ExchangeRate | None = Field(
        None,
        description="DKK for one unit of the invoice currency, the latest published rate at"
        " the tax point; required for a foreign-currency invoice (momsbekendtgørelsen § 97)",
    )
    customer: Customer
    contact: Contact | None = Field(None, description="TimeLog Details.ContactHeader → ContactRef")
    fixed_customer_name: OptionalName | None = Field(
        None, description="Invoice address name. TimeLog FixedCustomerName"
    )
    fixed_contact_full_name: OptionalName | None = Field(
        None, description="Att. on the invoice address. TimeLog FixedContactFullName"
    )
    invoicing_address: PostalAddress | None = Field(
        None, description="TimeLog InvoicingAddress.* → Delivery*; blank: the customer's address"
    )
    buyer_reference: OptionalName | None = Field(
        None, description="BT-10 'Deres ref.'. TimeLog CustomersReference → YourRef"
    )
    internal_reference: Employee | None = Field(
        None, description="'Vores ref.'. TimeLog InternalReference → Employee / OurRef"
    )
    purchase_order_reference: OptionalName | None = Field(
        None, description="BT-13 Requisition. TimeLog RequisitionNo → Requisition"
    )
    project: Project | None = Field(None, description="BT-11. TimeLog Detail.ProjectHeader")
    header: Text | None = Field(None, description="Heading. TimeLog Header → Remark")
    note: _text_type(2000, multiline=True) | None = Field(
        None, description="BT-22 Invoice note. TimeLog Comment"
    )
    default_discount_percent: DiscountPercent = Field(
        Decimal(0), description="TimeLog DefaultDiscount: the discount of lines that give none"
    )
    ean: _text_type(20) | None = Field(
        None, description="BT-49 GLN for this invoice; blank: the customer's EAN. TimeLog EAN"
    )
    team: Code | None = Field(None, description="Team → Dim<TeamDimension>")
    department: Code | None = Field(None, description="Department → Dim<DepartmentDimension>")
    division: Code | None = Field(None, description="Division → Dim<DivisionDimension>")
    lines: Annotated[list[InvoiceLine], Field(
        min_length=1, max_length=MAX_LINES,
        description=f"BG-25, at most {MAX_LINES}; at least one line with an amount",
        json_schema_extra={"contains": {"required": ["quantity"],
                                        "properties": {"quantity": _NOT_NULL}}})]

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
        start, end = self.invoicing_period_start, self.invoicing_period_end
        if start and end and end < start:
            raise ValueError("invoicing_period_end: is before the invoicing_period_start")
        if sum(abs(line.quantity * line.unit_price) for line in self.lines
               if line.quantity is not None and line.unit_price is not None) > MAX_AMOUNT:
            raise ValueError("lines: quantity × unit_price of the lines adds up to more than"
                             f" {MAX_AMOUNT:,} (12 digits before the decimal point)")
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


def invoice_json(invoice: Invoice) -> str:
    """The canonical JSON kept in the archive with the PDF."""
    return invoice.model_dump_json(indent=2, exclude_none=True)


def content_sha256(invoice: Invoice) -> str:
    """A fingerprint of what the customer is billed for, independent of the assigned number."""
    unnumbered = invoice.model_copy(update={"invoice_number": None})
    return hashlib.sha256(invoice_json(unnumbered).encode("utf-8")).hexdigest()
