"""OIOUBL 2.1 (NemHandel): the format a Danish public buyer with an EAN (GLN) gets.

Its tables say where each business term goes where it parts from the other UBL formats: the
VAT total (BT-110) in `TaxExclusiveAmount`, the buyer reference (BT-10) in the buyer's
`Contact/ID`, each line with its own `TaxTotal`, the FI payment as `InstructionID` +
`PaymentID` + `CreditAccount`, schemes and code lists agency 320. Its own rules (the OIOUBL
schematron 1.17.2's F-… rules an invoice from this product can break) are in `problems`.
"""

from __future__ import annotations

from einvoice import endpoints
from einvoice.ubl import Attrs, Identifier, UblFormat, payment_route
from faktura import units
from faktura.computed import STANDARD_RATED, ComputedInvoice
from faktura.errors import Problem, field_path
from faktura.model import Invoice
from faktura.settings import Settings

LIST = {"listAgencyID": "320"}
SCHEME = {"gln": {"schemeAgencyID": "9", "schemeID": "GLN"},
          "cvr": {"schemeID": "DK:CVR"}, "se": {"schemeID": "DK:SE"}}


class Oioubl(UblFormat):
    """OIOUBL's hooks: GLN or CVR endpoints, DK:SE / ZZZ VAT schemes, its older unit codes."""

    def buyer_endpoint(self, invoice: Invoice) -> Identifier | None:
        """The GLN, else the Danish CVR number (`einvoice.endpoints`)."""
        found = endpoints.oioubl_endpoint(invoice)
        if found is None:
            return None
        return found.value, SCHEME["gln" if found.scheme == endpoints.GLN else "cvr"]

    def buyer_ids(self, invoice: Invoice, endpoint: Identifier | None
                  ) -> tuple[Identifier | None, Identifier | None]:
        """The endpoint, and the CVR number as OIOUBL writes it: DK + 8 digits, the VAT
        number."""
        vat = invoice.customer.vat_number or ""
        legal = (vat, SCHEME["cvr"])
        return endpoint, legal if endpoint is not None and vat.startswith("DK") else None

    def vat_scheme(self, vat_number: str) -> Attrs | None:
        """"DK:SE" for a Danish VAT number, "ZZZ" (mutually agreed) for any other
        (F-LIB195).

        >>> FORMAT.vat_scheme("DK12345678"), FORMAT.vat_scheme("SE556677889901")
        ({'schemeID': 'DK:SE'}, {'schemeID': 'ZZZ'})
        """
        return SCHEME["se"] if vat_number.startswith("DK") else {"schemeID": "ZZZ"}

    def unit_code(self, unit: units.Unit) -> str:
        """OIOUBL 2.1's older edition of the code list, where it differs.

        >>> FORMAT.unit_code(units.lookup("stk.")), FORMAT.unit_code(units.lookup("timer"))
        ('C62', 'HUR')
        """
        return unit.oioubl or unit.rec20

    def states_dkk_vat(self, computed: ComputedInvoice) -> bool:
        """Only on the standard-rated subtotal (F-LIB373): without standard-rated lines there
        is no VAT to state in DKK and no tax currency."""
        return super().states_dkk_vat(computed) and any(
            b.category_code == STANDARD_RATED for b in computed.vat_breakdown)

    def rule_problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        found = [Problem(field_path("lines", index, "quantity"),
                         "must not be zero in OIOUBL [F-INV147]")
                 for index, line in enumerate(computed.lines)
                 if not line.is_text and not line.line.quantity]
        if payment_route(computed, settings) == "iban" and not settings.seller.bic:
            found.append(Problem("seller.bic", "an OIOUBL bank transfer by IBAN (code 31) needs"
                                               " the bank's BIC [F-LIB113]"))
        if not computed.invoice.buyer_reference:
            found.append(Problem("buyer_reference", "OIOUBL needs the buyer's reference (a"
                                                    " person or department) [F-INV051]"))
        return found


FORMAT = Oioubl(
    name="oioubl",
    title="OIOUBL 2.1",
    serves_ean_buyers=True,
    no_endpoint_reason="the buyer needs an electronic address: an EAN (GLN) number or a"
                       " Danish CVR number [F-INV044]",
    customization_id="OIOUBL-2.1",
    profile_id=("urn:www.nesubl.eu:profiles:profile5:ver2.0",
                {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:profileid-1.2"}),
    document={
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
    party={
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
    scheme=SCHEME,
    tax_category={"S": "StandardRated", "E": "ZeroRated", "AE": "ReverseCharge"},
    tax_category_attrs={"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:taxcategoryid-1.1"},
    tax_scheme=("63", {"schemeAgencyID": "320", "schemeID": "urn:oioubl:id:taxschemeid-1.1"},
                "Moms"),
    payment_means={"fik": "93", "iban": "31", "domestic": "42"},
    bic_path="cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID",
    ubl_version_id="2.1",
    copy_indicator_and_uuid=True,
    invoice_type_code_attrs={**LIST, "listID": "urn:oioubl:codelist:invoicetypecode-1.1"},
    address_format_code={**LIST, "listID": "urn:oioubl:codelist:addressformatcode-1.1"},
    cvr_prefix="DK",
    payment_means_id="1",
    due_date_in_payment_means=True,
    payment_channel={"fik": "DK:FIK", "iban": "IBAN", "domestic": "DK:BANK"},
    payment_channel_attrs={**LIST, "listID": "urn:oioubl:codelist:paymentchannelcode-1.1"},
    fik_as_instruction=True,
    dkk_vat_by_exchange_rate=True,
    line_tax_total=True,
    line_description=True,
)
