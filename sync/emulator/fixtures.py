"""Seed data written into an empty state file on first start. Other code relies on these values.

Company 12114 "Demo ApS" (currency DKK, 3 dimensions), user ``faktura`` / ``demo-secret``:

* Dimensions (key = name): Dim1 "Hold": Team A, Team B · Dim2 "Afdeling": Revision, Rådgivning ·
  Dim3 "Division": Øst, Vest.
* DebtorGroup "1" "Indland" (default): receivables 5600, revenue 1010, SalesVat U25, layout
  group "Standard", InvoiceSerie "FAK". DebtorGroup "2" "Automatisk nummer": same accounts, plus
  AutoNumber "DEB" (a debtor inserted into it without Account gets the next DEB number).
* InvGroup "YMM" "Ydelser med moms" (default): revenue 1010, SalesVat U25.
  InvGroup "YUM" "Ydelser uden moms": revenue 1015, no sales VAT.
* InvItem "1000" Konsulentydelse (Service, YMM, Decimals 2, Hours, 950.00),
  "1010" Ydelse uden moms (Service, YUM, Decimals 2, Hours, 500.00),
  "2000" Licens (Item, YMM, Decimals 0, Pcs, 1200.00), "9000" Udgået ydelse (YMM, Blocked).
* ProjectGroup "STD" Standard (default, revenue 1010, U25, invoiceable).
* PrCategory "SALG" Salg (Revenue), "ACONTO" Aconto fakturering (OnAccountInvoicing, default),
  "UDLAEG" Udlæg (Materials).
* PaymentTerm "Netto8" (8 days, default), "Netto14" (14), "Netto20" (20), "Netto30" (30).
* GLVat "U25" Salgsmoms 25 % (Sales, account 14261), "I25" Købsmoms 25 % (Purchase, 14251).
* DebtorLayoutGroup "Standard" (default).
* NumberSerie "FAK" Fakturanumre, Next 20260001 (first invoice number), "DEB" Debitornumre,
  Next 10001.
* Employees "AH" Anne Hansen, "PL" Peter Larsen.
* GLAccount (the chart of accounts, read-only here): 1010 revenue with VAT (U25, Fixed),
  1015 revenue without VAT (NoVat), 5600 receivables (Debtor), 14261 sales VAT.
* ExchangeRate: EUR 7.4600 (the only foreign currency with a rate).
* The company's payment setup (Company information): CVR ``Id`` 31415926, FI creditor ``FIK``
  85000012 with 7 debtor digits in the payment ID (``FIKDebtorIdPart``), bank ``NationalBank``
  1234 0012345678, ``IBAN`` DK5912340012345678, ``SWIFT`` DABADKKK.
* Order numbers start at 5001, vouchers at 3001, journal-posted ids at 801.

Company 12115 "Anden Klient ApS" exists too (no master data) and is granted only to user
``revisor`` / ``revisor-secret`` — so ``faktura`` gets 404 there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sync.emulator.entities import REGISTRY
from sync.emulator.store import Store
from sync.emulator.wire import blank_row, format_date

COMPANY_ID = 12114
COMPANY_NAME = "Demo ApS"
LOGIN = "faktura"
PASSWORD = "demo-secret"
OTHER_COMPANY_ID = 12115
OTHER_COMPANY_NAME = "Anden Klient ApS"
OTHER_LOGIN = "revisor"
OTHER_PASSWORD = "revisor-secret"

ITEM_WITH_VAT = "1000"
ITEM_WITHOUT_VAT = "1010"
ITEM_PIECES = "2000"
ITEM_BLOCKED = "9000"
DEFAULT_DEBTOR_GROUP = "1"
AUTONUMBER_DEBTOR_GROUP = "2"
INVOICE_SERIE = "FAK"
FIRST_INVOICE_NUMBER = 20260001
RECEIVABLES_ACCOUNT = "5600"
REVENUE_ACCOUNT_VAT = "1010"
REVENUE_ACCOUNT_NO_VAT = "1015"
SALES_VAT_ACCOUNT = "14261"
FIRST_ORDER_NUMBER = 5001
FIRST_VOUCHER = 3001
FIRST_JOURNAL_POSTED_ID = 801

DIMENSIONS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("Hold", ("Team A", "Team B")),
    2: ("Afdeling", ("Revision", "Rådgivning")),
    3: ("Division", ("Øst", "Vest")),
}

#: Company information's identifiers and FIK setup (the .NET Company's _Id, _FIK, ...).
PAYMENT_SETUP: dict[str, Any] = {
    "Id": "31415926",
    "FIK": "85000012",
    "FIKDebtorIdPart": 7,
    "NationalBank": "1234 0012345678",
    "IBAN": "DK5912340012345678",
    "SWIFT": "DABADKKK",
}

COMPANIES: tuple[dict[str, Any], ...] = (
    {
        "CompanyId": COMPANY_ID,
        "Name": COMPANY_NAME,
        "Currency": "DKK",
        "NumberOfDimensions": len(DIMENSIONS),
        **{f"Dim{n}": (DIMENSIONS[n][0] if n in DIMENSIONS else None) for n in range(1, 6)},
        **PAYMENT_SETUP,
    },
    {
        "CompanyId": OTHER_COMPANY_ID,
        "Name": OTHER_COMPANY_NAME,
        "Currency": "DKK",
        "NumberOfDimensions": 0,
        **{f"Dim{n}": None for n in range(1, 6)},
    },
)

MASTER_DATA: dict[str, tuple[dict[str, Any], ...]] = {
    "NumberSerie": (
        {
            "Serie": INVOICE_SERIE,
            "Name": "Fakturanumre",
            "FirstValue": FIRST_INVOICE_NUMBER,
            "LastValue": 20269999,
            "Next": FIRST_INVOICE_NUMBER,
            "InUse": True,
        },
        {"Serie": "DEB", "Name": "Debitornumre", "FirstValue": 10001, "Next": 10001},
    ),
    "GLVat": (
        {
            "Vat": "U25",
            "Name": "Salgsmoms 25 %",
            "Rate": 25.0,
            "VatType": "Sales",
            "Account": SALES_VAT_ACCOUNT,
        },
        {
            "Vat": "I25",
            "Name": "Købsmoms 25 %",
            "Rate": 25.0,
            "VatType": "Purchase",
            "Account": "14251",
        },
    ),
    "PaymentTerm": (
        {"Payment": "Netto8", "Name": "Netto 8 dage", "Days": 8, "IsDefault": True},
        {"Payment": "Netto14", "Name": "Netto 14 dage", "Days": 14},
        {"Payment": "Netto20", "Name": "Netto 20 dage", "Days": 20},
        {"Payment": "Netto30", "Name": "Netto 30 dage", "Days": 30},
    ),
    "DebtorLayoutGroup": ({"Name": "Standard", "IsDefault": True, "InvoiceRep": "Faktura"},),
    "PrCategory": (
        {"Number": "SALG", "Name": "Salg", "CatType": "Revenue"},
        {
            "Number": "ACONTO",
            "Name": "Aconto fakturering",
            "CatType": "OnAccountInvoicing",
            "IsDefault": True,
        },
        {"Number": "UDLAEG", "Name": "Udlæg", "CatType": "Materials"},
    ),
    "DebtorGroup": (
        {
            "Group": DEFAULT_DEBTOR_GROUP,
            "Name": "Indland",
            "IsDefault": True,
            "SummeryAccount": RECEIVABLES_ACCOUNT,
            "RevenueAccount": REVENUE_ACCOUNT_VAT,
            "SalesVat": "U25",
            "LayoutGroup": "Standard",
            "InvoiceSerie": INVOICE_SERIE,
        },
        {
            "Group": AUTONUMBER_DEBTOR_GROUP,
            "Name": "Automatisk nummer",
            "SummeryAccount": RECEIVABLES_ACCOUNT,
            "RevenueAccount": REVENUE_ACCOUNT_VAT,
            "SalesVat": "U25",
            "LayoutGroup": "Standard",
            "InvoiceSerie": INVOICE_SERIE,
            "AutoNumber": "DEB",
        },
    ),
    "InvGroup": (
        {
            "Group": "YMM",
            "Name": "Ydelser med moms",
            "IsDefault": True,
            "RevenueAccount": REVENUE_ACCOUNT_VAT,
            "SalesVat": "U25",
            "PrCategory": "SALG",
        },
        {
            "Group": "YUM",
            "Name": "Ydelser uden moms",
            "RevenueAccount": REVENUE_ACCOUNT_NO_VAT,
            "PrCategory": "SALG",
        },
    ),
    "ProjectGroup": (
        {
            "Group": "STD",
            "Name": "Standard",
            "IsDefault": True,
            "RevenueAccount": "1010",
            "SalesVat": "U25",
            "Invoiceable": True,
        },
    ),
    "Employee": (
        {"Number": "AH", "Name": "Anne Hansen", "Email": "ah@demo.dk", "UserLoginId": LOGIN},
        {"Number": "PL", "Name": "Peter Larsen", "Email": "pl@demo.dk"},
    ),
    "InvItem": (
        {
            "Item": ITEM_WITH_VAT,
            "Name": "Konsulentydelse",
            "Group": "YMM",
            "ItemType": "Service",
            "Decimals": 2,
            "Unit": "Hours",
            "SalesPrice1": 950.0,
            "CostPrice": 400.0,
        },
        {
            "Item": ITEM_WITHOUT_VAT,
            "Name": "Ydelse uden moms",
            "Group": "YUM",
            "ItemType": "Service",
            "Decimals": 2,
            "Unit": "Hours",
            "SalesPrice1": 500.0,
        },
        {
            "Item": ITEM_PIECES,
            "Name": "Licens",
            "Group": "YMM",
            "ItemType": "Item",
            "Decimals": 0,
            "Unit": "Pcs",
            "SalesPrice1": 1200.0,
        },
        {
            "Item": ITEM_BLOCKED,
            "Name": "Udgået ydelse",
            "Group": "YMM",
            "ItemType": "Service",
            "Decimals": 2,
            "Unit": "Hours",
            "SalesPrice1": 800.0,
            "Blocked": True,
        },
    ),
    "GLAccount": (
        {"Account": REVENUE_ACCOUNT_VAT, "Name": "Salg af ydelser med moms", "AccountType": "PL",
         "Vat": "U25", "MandatoryTax": "Fixed"},
        {"Account": REVENUE_ACCOUNT_NO_VAT, "Name": "Salg af ydelser uden moms",
         "AccountType": "PL", "MandatoryTax": "NoVat"},
        {"Account": RECEIVABLES_ACCOUNT, "Name": "Debitorer", "AccountType": "Debtor",
         "MandatoryTax": "NoVat"},
        {"Account": SALES_VAT_ACCOUNT, "Name": "Salgsmoms", "AccountType": "BalanceSheet",
         "MandatoryTax": "NoVat"},
        {"Account": "14251", "Name": "Købsmoms", "AccountType": "BalanceSheet",
         "MandatoryTax": "NoVat"},
    ),
    "ExchangeRate": ({"Currency": "EUR", "Date": "2026-01-02T00:00:00", "Rate": 7.46},),
}

SEED_CREATED = "2026-01-01T08:00:00"


def seed(store: Store) -> None:
    """Write the fixtures into ``store`` (one transaction)."""
    with store.transaction():
        for company in COMPANIES:
            store.put_company(dict(company))
        for number, (_title, values) in DIMENSIONS.items():
            entity = REGISTRY[f"gldimtype{number}"]
            for value in values:
                row = {**blank_row(entity), "Dim": value, "Name": value}
                store.insert(COMPANY_ID, entity.name, value, row)
        for entity_name, rows in MASTER_DATA.items():
            entity = REGISTRY[entity_name.lower()]
            for values in rows:
                row = blank_row(entity)
                row.update(values)
                if "Created" in row:
                    row["Created"] = SEED_CREATED
                key = str(row[entity.key]) if entity.has_natural_key else None
                store.insert(COMPANY_ID, entity.name, key, row)
        store.set_meta("seeded_at", format_date(datetime.now()))
