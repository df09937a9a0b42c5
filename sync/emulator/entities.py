"""Entity type registry: keys, fields ↔ properties, kinds, enums and foreign-key rules.

Each Uniconta row type is described by an :class:`EntitySpec`. A :class:`FieldSpec` names the
public property (``Account``, the canonical key inside the emulator's store) and, where Uniconta
has one, the public backing field (``_Account``). Both spellings are accepted on input and both are
emitted on output (see :mod:`sync.emulator.wire`). Type names resolve case-insensitively, exactly
like rmja/unicontarest (§2.2): ``Debtor`` works, ``DebtorClient`` does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sync.emulator import enums
from sync.emulator.enums import WireEnum


class Kind(Enum):
    """How a member is typed on the wire."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    ENUM = "enum"
    CURRENCY = "currency"


@dataclass(frozen=True)
class FieldSpec:
    """One modelled member of a Uniconta row type."""

    prop: str
    field: str | None = None
    kind: Kind = Kind.STR
    enum: WireEnum | None = None
    ref: str | None = None  # entity whose key this value must name (FK), when non-blank
    dim: int = 0  # 1..5 for dimension members (checked against GLDimTypeN)
    max_len: int = 0
    aliases: tuple[str, ...] = ()
    readonly: bool = False  # server-maintained; ignored on input

    @property
    def names(self) -> tuple[str, ...]:
        """Every accepted input spelling (compare case-insensitively)."""
        out = (self.prop, f"_{self.prop}", *self.aliases)
        return (*out, self.field) if self.field else out


@dataclass(frozen=True)
class EntitySpec:
    """A Uniconta row type as served under ``/Query/{type}`` and ``/Crud/{type}``."""

    name: str
    key: str  # property holding the primary key; "RowId" for rows without a natural key
    fields: tuple[FieldSpec, ...]
    writable: bool = True
    key_name: str | None = "Name"  # property shown as KeyName
    by_name: dict[str, FieldSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for spec in self.fields:
            for name in spec.names:
                self.by_name.setdefault(name.lower(), spec)

    def lookup(self, name: str) -> FieldSpec | None:
        """Find a member by property, ``_field`` or alias name, case-insensitively."""
        return self.by_name.get(name.lower())

    @property
    def has_natural_key(self) -> bool:
        return self.key != "RowId"


def S(prop: str, field: str | None = "", **kw: object) -> FieldSpec:  # noqa: N802
    """String member; ``field`` defaults to ``_<prop>``, ``None`` means property only."""
    return FieldSpec(prop, f"_{prop}" if field == "" else field, Kind.STR, **kw)  # type: ignore[arg-type]


def _typed(kind: Kind):
    def make(prop: str, field: str | None = "", **kw: object) -> FieldSpec:
        return FieldSpec(prop, f"_{prop}" if field == "" else field, kind, **kw)  # type: ignore[arg-type]

    return make


I = _typed(Kind.INT)  # noqa: E741
F = _typed(Kind.FLOAT)
D = _typed(Kind.DATE)


def B(prop: str) -> FieldSpec:  # noqa: N802
    """Boolean flag (Uniconta exposes flags as properties only)."""
    return FieldSpec(prop, None, Kind.BOOL)


def E(prop: str, enum: WireEnum, field: str | None = "", **kw: object) -> FieldSpec:  # noqa: N802
    return FieldSpec(prop, f"_{prop}" if field == "" else field, Kind.ENUM, enum=enum, **kw)  # type: ignore[arg-type]


def CUR(prop: str = "Currency", field: str = "_Currency") -> FieldSpec:  # noqa: N802
    return FieldSpec(prop, field, Kind.CURRENCY, enum=enums.CURRENCIES)


def DIMS() -> tuple[FieldSpec, ...]:  # noqa: N802
    return tuple(S(f"Dimension{i}", f"_Dim{i}", dim=i) for i in range(1, 6))


def DELIVERY() -> tuple[FieldSpec, ...]:  # noqa: N802
    return (
        S("DeliveryName"),
        S("DeliveryAddress1"),
        S("DeliveryAddress2"),
        S("DeliveryAddress3"),
        S("DeliveryZipCode"),
        S("DeliveryCity"),
        E("DeliveryCountry", enums.COUNTRY_CODE),
    )


CREATED = D("Created", readonly=True)

DEBTOR = EntitySpec(
    "Debtor",
    "Account",
    (
        S("Account", max_len=20),
        S("Name", max_len=100),
        S("Group", ref="DebtorGroup"),
        S("Address1"),
        S("Address2"),
        S("Address3"),
        S("ZipCode"),
        S("City"),
        E("Country", enums.COUNTRY_CODE),
        S("CompanyRegNo", "_LegalIdent"),
        S("VatNumber", None),
        S("Phone"),
        S("MobilPhone"),
        S("ContactPerson"),
        S("ContactEmail"),
        S("InvoiceEmail"),
        S("EAN"),
        CUR(),
        S("Payment", ref="PaymentTerm"),
        E("VatZone", enums.VAT_ZONES),
        S("Vat", ref="GLVat"),
        S("VatOperation"),
        S("LayoutGroup", ref="DebtorLayoutGroup"),
        S("PriceList"),
        S("Employee", ref="Employee"),
        *DIMS(),
        B("Blocked"),
        B("PricesInclVat"),
        F("EndDiscountPct"),
        F("CreditMax"),
        *DELIVERY(),
        F("CurBalance", readonly=True),
        F("Overdue", readonly=True),
        CREATED,
    ),
)

CONTACT = EntitySpec(
    "Contact",
    "RowId",
    (
        I("DCType"),
        S("DCAccount", ref="Debtor"),
        S("Name"),
        S("Email"),
        S("Mobil", aliases=("Mobile",)),
        E("Title", enums.CONTACT_TITLE),
        B("Invoice"),
        B("AccountStatement"),
        B("InterestNote"),
        B("CollectionLetter"),
        CREATED,
    ),
)

EMPLOYEE = EntitySpec(
    "Employee",
    "Number",
    (
        S("Number"),
        S("Name"),
        S("Email"),
        S("Mobil", aliases=("Mobile",)),
        S("Title"),
        S("Group"),
        F("CostPrice"),
        F("SalesPrice"),
        *DIMS(),
        S("UserLoginId"),
        CREATED,
    ),
)

PROJECT = EntitySpec(
    "Project",
    "Number",
    (
        S("Number"),
        S("Name"),
        S("Description"),
        S("Group", ref="ProjectGroup"),
        S("Account", "_DCAccount", ref="Debtor", aliases=("DCAccount",)),
        CUR(),
        S("Payment", ref="PaymentTerm"),
        S("Vat", ref="GLVat"),
        S("PersonInCharge", ref="Employee"),
        S("Purchaser"),
        S("YourRef"),
        S("Email"),
        S("Mobil"),
        D("StartDate"),
        D("EndDate"),
        E("Phase", enums.PROJECT_PHASE),
        B("Blocked"),
        *DIMS(),
        S("WorkAddress1"),
        S("WorkAddress2"),
        S("WorkAddress3"),
        CREATED,
    ),
)

PROJECT_GROUP = EntitySpec(
    "ProjectGroup",
    "Group",
    (
        S("Group"),
        S("Name"),
        B("IsDefault"),
        S("RevenueAccount"),
        S("SalesVat", "_Vat", ref="GLVat"),
        S("WorkInProgress"),
        B("Invoiceable"),
        S("AutoNumber", ref="NumberSerie"),
    ),
)

PR_CATEGORY = EntitySpec(
    "PrCategory",
    "Number",
    (
        S("Number"),
        S("Name"),
        E("CatType", enums.CATEGORY_TYPE),
        S("Sum"),
        B("IsDefault"),
    ),
)

INV_ITEM = EntitySpec(
    "InvItem",
    "Item",
    (
        S("Item", max_len=40),
        S("Name", max_len=150),
        S("Group", ref="InvGroup"),
        E("ItemType", enums.ITEM_TYPE),
        I("Decimals"),
        F("SalesPrice1"),
        F("SalesPrice2"),
        F("SalesPrice3"),
        CUR("Currency1", "_Currency1"),
        CUR("Currency2", "_Currency2"),
        CUR("Currency3", "_Currency3"),
        F("CostPrice"),
        E("Unit", enums.ITEM_UNIT),
        B("Blocked"),
        S("PrCategory", ref="PrCategory"),
        S("EAN"),
        *DIMS(),
        CREATED,
    ),
)

INV_GROUP = EntitySpec(
    "InvGroup",
    "Group",
    (
        S("Group"),
        S("Name"),
        B("IsDefault"),
        S("RevenueAccount"),
        S("SalesVat", "_Vat", ref="GLVat"),
        S("PurchaseVat", ref="GLVat"),
        S("CostAccount"),
        S("InvAccount"),
        S("PrCategory", ref="PrCategory"),
        S("AutoNumber", ref="NumberSerie"),
    ),
)

DEBTOR_GROUP = EntitySpec(
    "DebtorGroup",
    "Group",
    (
        S("Group"),
        S("Name"),
        B("IsDefault"),
        S("SummeryAccount"),
        S("RevenueAccount"),
        S("SalesVat", "_Vat", ref="GLVat"),
        S("SalesVatOpr"),
        S("PriceList"),
        S("LayoutGroup", ref="DebtorLayoutGroup"),
        S("InvoiceSerie", ref="NumberSerie"),
        S("AutoNumber", ref="NumberSerie"),
    ),
)

PAYMENT_TERM = EntitySpec(
    "PaymentTerm",
    "Payment",
    (S("Payment"), S("Name"), I("Days"), B("IsDefault"), S("PaymentMethod")),
)

GL_VAT = EntitySpec(
    "GLVat",
    "Vat",
    (
        S("Vat"),
        S("Name"),
        F("Rate"),
        E("VatType", enums.VAT_TYPE),
        S("Account"),
        S("OffsetAccount"),
    ),
)

DEBTOR_LAYOUT_GROUP = EntitySpec(
    "DebtorLayoutGroup",
    "Name",
    (S("Name"), B("IsDefault"), S("InvoiceRep"), S("InvoiceEmail")),
)

NUMBER_SERIE = EntitySpec(
    "NumberSerie",
    "Serie",
    (
        S("Serie"),
        S("Name"),
        I("FirstValue"),
        I("LastValue"),
        I("Next"),
        S("Prefix"),
        B("Blocked"),
        B("Manual"),
        B("InUse"),
    ),
)

DEBTOR_ORDER = EntitySpec(
    "DebtorOrder",
    "OrderNumber",
    (
        I("OrderNumber"),
        S("Account", "_DCAccount", ref="Debtor", aliases=("DCAccount",)),
        I("ContactRef"),
        S("ContactName", None),
        S("YourRef"),
        S("OurRef"),
        S("Requisition"),
        S("Remark"),
        S("Employee", ref="Employee"),
        S("Project", ref="Project"),
        S("PrCategory", ref="PrCategory"),
        CUR(),
        S("Payment", ref="PaymentTerm"),
        S("LayoutGroup", ref="DebtorLayoutGroup"),
        S("PriceList"),
        *DELIVERY(),
        D("InvoiceDate"),
        D("DeliveryDate"),
        B("DeleteOrder"),
        B("DeleteLines"),
        *DIMS(),
        F("EndDiscountPct"),
        F("ExchangeRate"),
        B("PricesInclVat"),
        I("InvoiceNumber"),
        CREATED,
    ),
    key_name="Account",
)

DEBTOR_ORDER_LINE = EntitySpec(
    "DebtorOrderLine",
    "RowId",
    (
        I("OrderNumber"),
        S("Item", ref="InvItem"),
        S("Text"),
        F("Qty"),
        F("Price"),
        F("DiscountPct"),
        E("Unit", enums.ITEM_UNIT),
        S("Project", ref="Project"),
        S("PrCategory", ref="PrCategory"),
        S("Employee", None, ref="Employee"),
        S("Vat", ref="GLVat"),
        *DIMS(),
        E("Storage", enums.STORAGE_REGISTER),
        B("DoInvoice"),
        B("Subtotal"),
        D("Date"),
        F("LineNumber"),
        S("Note"),
        CUR(),
    ),
    key_name="Item",
)

_POSTED_REFS = (
    S("YourRef"),
    S("OurRef"),
    S("Requisition"),
    S("Remark"),
    S("Project"),
    S("Employee"),
    S("Payment"),
    S("LayoutGroup"),
)

DEBTOR_INVOICE = EntitySpec(
    "DebtorInvoice",
    "RowId",
    (
        I("InvoiceNumber"),
        S("Account", "_DCAccount", aliases=("DCAccount",)),
        S("Name"),
        I("OrderNumber"),
        D("Date"),
        D("DueDate"),
        CUR(),
        F("NetAmount"),
        F("VatAmount"),
        F("TotalAmount"),
        I("Voucher"),
        I("JournalPostedId"),
        *_POSTED_REFS,
        *DIMS(),
        E("DocumentType", enums.COMPANY_LAYOUT_TYPE),
        D("SendTime"),
        S("Emails", None),
        CREATED,
    ),
    writable=False,
    key_name="Account",
)

INV_TRANS = EntitySpec(
    "InvTrans",
    "RowId",
    (
        I("InvoiceNumber"),
        S("Account", "_DCAccount", aliases=("DCAccount",)),
        I("OrderNumber"),
        D("Date"),
        F("LineNumber"),
        S("Item"),
        S("Text"),
        F("Qty"),
        F("Price"),
        F("DiscountPct"),
        F("NetAmount"),
        E("Unit", enums.ITEM_UNIT),
        S("Vat"),
        S("RevenueAccount", None),
        S("Project"),
        S("PrCategory"),
        S("Employee", None),
        CUR(),
        *DIMS(),
    ),
    writable=False,
    key_name="Item",
)

DEBTOR_TRANS = EntitySpec(
    "DebtorTrans",
    "RowId",
    (
        S("Account"),
        D("Date"),
        D("DueDate"),
        F("Amount"),
        F("AmountCur"),
        CUR(),
        I("Voucher"),
        I("Invoice"),
        S("Text"),
        I("JournalPostedId"),
    ),
    writable=False,
    key_name="Account",
)

# The debtor's open items: one per booked invoice or credit note until it is settled
# (`AmountOpen` falls with each payment; a settled item leaves the table).
DEBTOR_TRANS_OPEN = EntitySpec(
    "DebtorTransOpen",
    "RowId",
    (
        S("Account"),
        D("Date"),
        D("DueDate"),
        F("Amount"),
        F("AmountOpen"),
        F("AmountCur"),
        F("AmountOpenCur"),
        CUR(),
        I("Voucher"),
        I("Invoice"),
        S("Text"),
    ),
    writable=False,
    key_name="Account",
)

GL_TRANS = EntitySpec(
    "GLTrans",
    "RowId",
    (
        S("Account"),
        D("Date"),
        S("Text"),
        F("Amount"),
        F("AmountCur"),
        F("Debit", None),
        F("Credit", None),
        CUR(),
        S("Vat"),
        I("Voucher"),
        I("Invoice"),
        I("JournalPostedId"),
        S("DCAccount"),
        *DIMS(),
    ),
    writable=False,
    key_name="Account",
)

PROJECT_TRANS = EntitySpec(
    "ProjectTrans",
    "RowId",
    (
        S("Project", ref="Project"),
        D("Date"),
        F("Qty"),
        F("CostPrice"),
        F("SalesPrice"),
        F("CostAmount"),
        F("SalesAmount"),
        CUR(),
        S("PrCategory", ref="PrCategory"),
        S("Employee", ref="Employee"),
        S("Item", ref="InvItem"),
        S("Text"),
        I("JournalPostedId"),
        I("Voucher"),
        S("CreditorAccount"),
        *DIMS(),
    ),
    key_name="Project",
)

VOUCHERS = EntitySpec(
    "Vouchers",
    "RowId",
    (
        D("DocumentDate"),
        D("PostingDate"),
        F("Amount"),
        CUR(),
        F("Qty"),
        S("Vat", ref="GLVat"),
        F("VatAmount"),
        S("Text"),
        S("CreditorAccount"),
        S("CostAccount"),
        S("Project", ref="Project"),
        S("PrCategory", ref="PrCategory"),
        S("Invoice"),
        I("Voucher"),
        I("JournalPostedId"),
        *DIMS(),
        CREATED,
    ),
    key_name="Text",
)


GL_ACCOUNT = EntitySpec(
    "GLAccount",
    "Account",
    (
        S("Account"),
        S("Name"),
        S("AccountType"),  # GLAccountTypes name: PL, BalanceSheet, Bank, Debtor, Header, Sum...
        S("Vat", ref="GLVat"),  # the VAT code booked on the account (blank: none)
        S("MandatoryTax"),  # VatOptions name: Optional, Fixed, NoVat...
        B("Blocked"),
    ),
    writable=False,  # the chart of accounts is read here, never written
)

EXCHANGE_RATE = EntitySpec(
    "ExchangeRate",
    "RowId",
    (CUR(), D("Date"), F("Rate")),
    writable=False,
    key_name="Currency",
)

#: A webhook ("Change URL"): Uniconta calls ``Url`` when a row of table ``TableId`` (0: any
#: table) is created, updated or deleted; ``UsePost`` sends the row as JSON (reference, Webhooks).
TABLE_CHANGE_EVENT = EntitySpec(
    "TableChangeEvent",
    "RowId",
    (I("TableId"), S("Url", max_len=1000), B("UsePost")),
    key_name="Url",
)


def _dim_type(n: int) -> EntitySpec:
    return EntitySpec(f"GLDimType{n}", "Dim", (S("Dim"), S("Name"), B("Blocked")))


ENTITIES: tuple[EntitySpec, ...] = (
    DEBTOR,
    CONTACT,
    EMPLOYEE,
    PROJECT,
    PROJECT_GROUP,
    PR_CATEGORY,
    INV_ITEM,
    INV_GROUP,
    DEBTOR_GROUP,
    PAYMENT_TERM,
    GL_VAT,
    DEBTOR_LAYOUT_GROUP,
    NUMBER_SERIE,
    DEBTOR_ORDER,
    DEBTOR_ORDER_LINE,
    DEBTOR_INVOICE,
    INV_TRANS,
    DEBTOR_TRANS,
    DEBTOR_TRANS_OPEN,
    GL_TRANS,
    PROJECT_TRANS,
    VOUCHERS,
    GL_ACCOUNT,
    EXCHANGE_RATE,
    TABLE_CHANGE_EVENT,
    *(_dim_type(n) for n in range(1, 6)),
)

REGISTRY: dict[str, EntitySpec] = {spec.name.lower(): spec for spec in ENTITIES}


def resolve_type(type_name: str) -> EntitySpec | None:
    """Resolve a route type name like rmja does: ``{name}Client`` first, then the DataModel name.

    Every modelled type exists as ``<Name>Client`` and as ``<Name>``, so a bare name resolves and
    a name already ending in ``Client`` (``DebtorClient`` ⇒ ``DebtorClientClient``) does not.
    """
    return REGISTRY.get(type_name.lower())
