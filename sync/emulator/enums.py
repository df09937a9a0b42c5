"""Uniconta enums as they travel on the wire (names; numeric values where evidenced).

Values come from the 2018 Uniconta DLL metadata quoted in the gateway reference (§3). Enums whose
numeric values are not evidenced keep their names only; the emulator then accepts the name (any
case) or the position in the list below, and always emits the name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WireEnum:
    """A named enum: ``members`` maps member name to numeric value."""

    name: str
    members: dict[str, int]

    def parse(self, value: object) -> str | None:
        """Return the canonical member name for a name (case-insensitive) or a number."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            for member, number in self.members.items():
                if number == value:
                    return member
            return None
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return self.parse(int(text))
            for member in self.members:
                if member.lower() == text.lower():
                    return member
        return None

    @property
    def default(self) -> str:
        """The member with value 0 (or the first member)."""
        for member, number in self.members.items():
            if number == 0:
                return member
        return next(iter(self.members))


def _seq(name: str, *members: str) -> WireEnum:
    return WireEnum(name, {m: i for i, m in enumerate(members)})


CURRENCIES = _seq(
    "Currencies",
    "XXX",
    "USD",
    "EUR",
    "GBP",
    "CHF",
    "JPY",
    "CAD",
    "AUD",
    "NZD",
    "DKK",
    "SEK",
    "NOK",
    "SGD",
    "RUB",
    "TRY",
    "HKD",
    "ZAR",
    "MXN",
    "CZK",
    "HUF",
    "PLN",
    "ISK",
    "AED",
    "CNY",
    "INR",
)

#: Only Unknown=0 and Denmark=57 are evidenced; the other numbers are placeholders [L].
COUNTRY_CODE = WireEnum(
    "CountryCode",
    {
        "Unknown": 0,
        "Denmark": 57,
        "Faroe": 67,
        "Finland": 68,
        "France": 69,
        "Germany": 76,
        "Greenland": 81,
        "Iceland": 94,
        "Netherlands": 146,
        "Norway": 155,
        "Poland": 163,
        "Sweden": 194,
        "UnitedKingdom": 215,
        "UnitedStates": 216,
    },
)

VAT_ZONES = _seq("VatZones", "Domestic", "EU", "Foreign", "NoVatReg", "VatFree")
ITEM_UNIT = _seq("ItemUnit", "None", "Pcs", "Qty", "Cartons", "Hours", "Minutes", "Days")
ITEM_TYPE = _seq("ItemType", "Item", "Service", "BOM", "ProductionBOM")
CONTACT_TITLE = _seq("ContactTitle", "Contact", "Sales", "Purchase", "Finance", "Management")
CATEGORY_TYPE = _seq(
    "CategoryType",
    "Sum",
    "Revenue",
    "Materials",
    "ExternalWork",
    "Labour",
    "Miscellaneous",
    "Other",
    "OnAccountInvoicing",
    "Adjustment",
    "Header",
)
PROJECT_PHASE = _seq(
    "ProjectPhase", "Created", "Offer", "Accepted", "InProgress", "ReportedAsFinished", "Completed"
)
STORAGE_REGISTER = _seq("StorageRegister", "None", "Register", "Move")
VAT_TYPE = _seq("GLVatSaleBuy", "Sales", "Purchase")
COMPANY_LAYOUT_TYPE = _seq(
    "CompanyLayoutType",
    "Invoice",
    "Creditnote",
    "Packnote",
    "OrderConfirmation",
    "Offer",
    "PurchageOrder",
    "Requisition",
)

ALL_ENUMS: tuple[WireEnum, ...] = (
    CURRENCIES,
    COUNTRY_CODE,
    VAT_ZONES,
    ITEM_UNIT,
    ITEM_TYPE,
    CONTACT_TITLE,
    CATEGORY_TYPE,
    PROJECT_PHASE,
    STORAGE_REGISTER,
    VAT_TYPE,
    COMPANY_LAYOUT_TYPE,
)

#: Document types that post an invoice (the others only render a document, see posting.py).
INVOICING_DOCUMENT_TYPES = frozenset({"Invoice", "Creditnote"})
