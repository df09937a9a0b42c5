"""Peppol BIS Billing 3.0 (EN 16931 with the Danish DK-R rules): the format for a buyer
without an EAN when e-invoices are made always.

Where it parts from OIOUBL: the total without VAT (BT-109) in `TaxExclusiveAmount`, BT-10 in
`BuyerReference`, the due date (BT-9) in `DueDate`, each line's VAT category on its item, the
exemption reason in the VAT breakdown, the DKK VAT in a second `TaxTotal`, and a buyer
addressed by any scheme its identifiers give (`einvoice.endpoints`).
"""

from __future__ import annotations

from einvoice import endpoints
from einvoice.ubl import Identifier, UblFormat
from faktura.computed import ComputedInvoice
from faktura.errors import Problem
from faktura.model import Invoice
from faktura.settings import Settings


class Peppol(UblFormat):
    """Peppol's hooks: endpoints and identifiers of many schemes, its own reference rule."""

    def buyer_endpoint(self, invoice: Invoice) -> Identifier | None:
        """The GLN, else the organisation number, else the EU VAT number."""
        found = endpoints.peppol_endpoint(invoice)
        return None if found is None else (found.value, {"schemeID": found.scheme})

    def buyer_ids(self, invoice: Invoice, endpoint: Identifier | None
                  ) -> tuple[Identifier | None, Identifier | None]:
        """The endpoint where its scheme is an organisation identifier (ICD, not a 99xx VAT
        scheme), and the organisation number."""
        identifier = (endpoint if endpoint and not endpoint[1]["schemeID"].startswith("99")
                      else None)
        found = endpoints.organisation_id(invoice)
        return identifier, None if found is None else (found.value,
                                                       {"schemeID": found.scheme})

    def rule_problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        invoice = computed.invoice
        if invoice.buyer_reference or invoice.purchase_order_reference:
            return []
        return [Problem("buyer_reference", "Peppol needs the buyer's reference or the order"
                                           " reference [PEPPOL-EN16931-R003]")]


FORMAT = Peppol(
    name="peppol",
    title="Peppol BIS Billing 3.0",
    no_endpoint_reason="the buyer needs an electronic address: an EAN (GLN) number, an"
                       " organisation number (Danish, Swedish, Norwegian, Finnish, Belgian,"
                       " Italian) or a European VAT number [PEPPOL-EN16931-R010]",
    customization_id="urn:cen.eu:en16931:2017#compliant"
                     "#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    profile_id=("urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", {}),
    document={
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
    party={
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
    scheme={"gln": {"schemeID": "0088"}, "cvr": {"schemeID": "0184"}, "se": {}},
    tax_category={"S": "S", "E": "E", "AE": "AE"},
    tax_scheme=("VAT", None, None),
    payment_means={"fik": "93", "iban": "58", "domestic": "42"},
    bic_path="cac:FinancialInstitutionBranch/cbc:ID",
    third_street_line=True,
    buyer_legal_name_always=True,
    bank_payment_id=True,
    exemption_reason_in_breakdown=True,
    item_tax_category=True,
)
