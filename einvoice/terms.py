"""Where each EN 16931 business term goes in each format: BT → UBL element path tables.

Both formats are UBL 2.1, so most terms sit at the same path; the tables say where they part:
OIOUBL puts the VAT total (BT-110) in `TaxExclusiveAmount` and the buyer reference (BT-10) in
the buyer's `Contact/ID`, Peppol puts the total without VAT (BT-109) in `TaxExclusiveAmount`
and BT-10 in `BuyerReference`. A term missing from a format's table is not written in it.
Paths are relative to the element the writer is filling (document, party, line); the writer
writes them in the order of the UBL schema.
"""

from __future__ import annotations

from typing import Literal

Format = Literal["oioubl", "peppol"]
FORMATS: tuple[Format, ...] = ("oioubl", "peppol")
FORMAT_NAMES: dict[Format, str] = {"oioubl": "OIOUBL 2.1", "peppol": "Peppol BIS Billing 3.0"}

NAMESPACES = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ROOT_NAMESPACE = {
    "invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
ROOT = {"invoice": "Invoice", "credit_note": "CreditNote"}
LINE = {"invoice": "cac:InvoiceLine", "credit_note": "cac:CreditNoteLine"}
QUANTITY = {"invoice": "cbc:InvoicedQuantity", "credit_note": "cbc:CreditedQuantity"}
TYPE_CODE = {"invoice": "cbc:InvoiceTypeCode", "credit_note": "cbc:CreditNoteTypeCode"}

#: BT-24 / BT-23: the specification and the business process the document follows.
CUSTOMIZATION_ID: dict[Format, str] = {
    "oioubl": "OIOUBL-2.1",
    "peppol": "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
}
PROFILE_ID: dict[Format, tuple[str, dict[str, str]]] = {
    "oioubl": ("urn:www.nesubl.eu:profiles:profile5:ver2.0",
               {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:profileid-1.2"}),
    "peppol": ("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", {}),
}

#: Document level terms (BT-1 … BT-115), in schema order.
DOCUMENT: dict[Format, dict[str, str]] = {
    "oioubl": {
        "BT-1": "cbc:ID",
        "BT-2": "cbc:IssueDate",
        "BT-22": "cbc:Note",
        "BT-5": "cbc:DocumentCurrencyCode",
        "BT-6": "cbc:TaxCurrencyCode",
        "BT-73": "cac:InvoicePeriod/cbc:StartDate",
        "BT-74": "cac:InvoicePeriod/cbc:EndDate",
        "BT-13": "cac:OrderReference/cbc:ID",
        "BT-25": "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
        "BT-26": "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate",
        "BT-106": "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        "BT-110": "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        "BT-112": "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        "BT-115": "cac:LegalMonetaryTotal/cbc:PayableAmount",
    },
    "peppol": {
        "BT-1": "cbc:ID",
        "BT-2": "cbc:IssueDate",
        "BT-9": "cbc:DueDate",
        "BT-22": "cbc:Note",
        "BT-5": "cbc:DocumentCurrencyCode",
        "BT-6": "cbc:TaxCurrencyCode",
        "BT-10": "cbc:BuyerReference",
        "BT-73": "cac:InvoicePeriod/cbc:StartDate",
        "BT-74": "cac:InvoicePeriod/cbc:EndDate",
        "BT-13": "cac:OrderReference/cbc:ID",
        "BT-25": "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
        "BT-26": "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate",
        "BT-11": "cac:ProjectReference/cbc:ID",
        "BT-106": "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
        "BT-109": "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
        "BT-112": "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        "BT-115": "cac:LegalMonetaryTotal/cbc:PayableAmount",
    },
}

#: Party terms, seller (BG-4) and buyer (BG-7) alike, relative to `cac:Party`.
PARTY: dict[Format, dict[str, str]] = {
    "oioubl": {
        "endpoint": "cbc:EndpointID",  # BT-34 / BT-49
        "identifier": "cac:PartyIdentification/cbc:ID",  # BT-29 / BT-46
        "name": "cac:PartyName/cbc:Name",  # BT-28 / BT-45
        "address": "cac:PostalAddress",  # BG-5 / BG-8
        "vat": "cac:PartyTaxScheme/cbc:CompanyID",  # BT-31 / BT-48
        "legal_name": "cac:PartyLegalEntity/cbc:RegistrationName",  # BT-27 / BT-44
        "legal_id": "cac:PartyLegalEntity/cbc:CompanyID",  # BT-30 / BT-47
        "contact_id": "cac:Contact/cbc:ID",  # BT-10 for the buyer
        "contact_name": "cac:Contact/cbc:Name",  # BT-41 / BT-56
        "contact_phone": "cac:Contact/cbc:Telephone",  # BT-42 / BT-57
        "contact_email": "cac:Contact/cbc:ElectronicMail",  # BT-43 / BT-58
    },
    "peppol": {
        "endpoint": "cbc:EndpointID",
        "identifier": "cac:PartyIdentification/cbc:ID",
        "name": "cac:PartyName/cbc:Name",
        "address": "cac:PostalAddress",
        "vat": "cac:PartyTaxScheme/cbc:CompanyID",
        "legal_name": "cac:PartyLegalEntity/cbc:RegistrationName",
        "legal_id": "cac:PartyLegalEntity/cbc:CompanyID",
        "contact_name": "cac:Contact/cbc:Name",
        "contact_phone": "cac:Contact/cbc:Telephone",
        "contact_email": "cac:Contact/cbc:ElectronicMail",
    },
}

#: BG-5 / BG-8 postal address terms, relative to `cac:PostalAddress`.
ADDRESS = {
    "BT-35": "cbc:StreetName",
    "BT-36": "cbc:AdditionalStreetName",
    "BT-37": "cbc:CityName",
    "BT-38": "cbc:PostalZone",
    "BT-39": "cbc:CountrySubentity",
    "BT-162": "cac:AddressLine/cbc:Line",
    "BT-40": "cac:Country/cbc:IdentificationCode",
}

#: BG-25 line terms, relative to the line element (quantity: see `QUANTITY`).
LINE_TERMS = {
    "BT-126": "cbc:ID",
    "BT-131": "cbc:LineExtensionAmount",
    "BT-154": "cac:Item/cbc:Description",  # OIOUBL wants it; Peppol's BT-154 is optional
    "BT-153": "cac:Item/cbc:Name",
    "BT-155": "cac:Item/cac:SellersItemIdentification/cbc:ID",
    "BT-146": "cbc:PriceAmount",  # in cac:Price
    "BT-147": "cbc:Amount",  # in cac:Price/cac:AllowanceCharge
    "BT-148": "cbc:BaseAmount",  # in cac:Price/cac:AllowanceCharge
}

#: Endpoint and identifier schemes: GLN and CVR, as each format spells them.
SCHEME: dict[Format, dict[str, dict[str, str]]] = {
    "oioubl": {"gln": {"schemeAgencyID": "9", "schemeID": "GLN"},
               "cvr": {"schemeID": "DK:CVR"}, "se": {"schemeID": "DK:SE"}},
    "peppol": {"gln": {"schemeID": "0088"}, "cvr": {"schemeID": "0184"}, "se": {}},
}

#: BT-118 VAT category (UNCL 5305) → the format's tax category code.
TAX_CATEGORY: dict[Format, dict[str, str]] = {
    "oioubl": {"S": "StandardRated", "E": "ZeroRated", "AE": "ReverseCharge"},
    "peppol": {"S": "S", "E": "E", "AE": "AE"},
}
def vat_scheme(fmt: Format, vat_number: str) -> dict[str, str] | None:
    """BT-48's scheme: OIOUBL allows "DK:SE" for a Danish VAT number and "ZZZ" (mutually
    agreed) for any other (F-LIB195); Peppol needs none.

    >>> vat_scheme("oioubl", "SE556677889901"), vat_scheme("peppol", "SE556677889901")
    ({'schemeID': 'ZZZ'}, None)
    """
    if fmt != "oioubl":
        return None
    return SCHEME["oioubl"]["se"] if vat_number.startswith("DK") else {"schemeID": "ZZZ"}


OIOUBL_TAX_CATEGORY_SCHEME = {"schemeAgencyID": "320",
                              "schemeID": "urn:oioubl:id:taxcategoryid-1.1"}
OIOUBL_TAX_SCHEME = {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:taxschemeid-1.1"}
OIOUBL_LIST = {"listAgencyID": "320"}

#: BT-120 the exemption reason Peppol requires for categories E and AE (BR-E-10, BR-AE-10).
EXEMPTION_REASON = {
    "E": {"da": "Momsfri", "en": "VAT exempt"},
    "AE": {"da": "Omvendt betalingspligt", "en": "Reverse charge"},
}

#: BT-121 and BT-120 of outlays (udlæg): amounts paid in the customer's name and on its behalf
#: are outside the taxable amount (VAT directive art. 79(c), momsloven § 27, stk. 3, nr. 3).
#: EN 16931 lets category O (outside scope) stand on no invoice with other categories, so
#: outlays are category E with this reason, as Danish practice e-invoices them.
OUTLAY_REASON_CODE = "VATEX-EU-79-C"
OUTLAY_REASON = {"da": "Udlæg (uden for momsgrundlaget)", "en": "Outlays (outside the VAT base)"}
#: BT-120 of an E breakdown holding both exempt services and outlays.
EXEMPT_AND_OUTLAY_REASON = {"da": "Momsfri ydelser og udlæg",
                            "en": "VAT exempt services and outlays"}

#: How an invoice is paid: FI card, international (IBAN) or Danish (reg. no. + account) transfer.
PaymentRoute = Literal["fik", "iban", "domestic"]

#: BT-81 payment means codes (UNCL 4461), per what is paid with.
PAYMENT_MEANS: dict[Format, dict[PaymentRoute, str]] = {
    "oioubl": {"fik": "93", "iban": "31", "domestic": "42"},
    "peppol": {"fik": "93", "iban": "58", "domestic": "42"},
}
OIOUBL_PAYMENT_CHANNEL: dict[PaymentRoute, str] = {
    "fik": "DK:FIK", "iban": "IBAN", "domestic": "DK:BANK"}

#: BT-86 the payee's bank (BIC), relative to `cac:PayeeFinancialAccount`.
BIC_PATH: dict[Format, str] = {
    "oioubl": "cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID",
    "peppol": "cac:FinancialInstitutionBranch/cbc:ID",
}
