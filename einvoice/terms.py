"""Where the EN 16931 business terms go in every UBL 2.1 format: BT → UBL element paths.

The UBL formats write most terms at the same path; these are the shared tables. Where a
format parts (document and party terms, schemes, code lists) its own module says so
(`einvoice.formats.*`); a term missing from a format's table is not written in it. Paths are
relative to the element the writer is filling (document, party, line); the writer writes them
in the order of the UBL schema.
"""

from __future__ import annotations

from typing import Literal

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
