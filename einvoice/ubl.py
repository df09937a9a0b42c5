"""The UBL 2.1 writer: a numbered computed invoice → the XML bytes of one UBL format.

Every amount, date and VAT category is read from the `ComputedInvoice`; this module only
decides where each goes (`einvoice.terms` and the format's own tables) and in what order the
UBL schema wants them. Where formats part, the writer asks the format (`UblFormat`: its
tables, a few switches and hooks); it names no format itself. Text lines (headings without an
amount) are not e-invoice lines and are left out.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from einvoice import terms
from faktura import units
from faktura.computed import EXEMPT, STANDARD_RATED, ComputedInvoice, ComputedLine
from faktura.errors import Problem
from faktura.model import Invoice, PostalAddress
from faktura.settings import Settings

for _prefix, _uri in terms.NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

Value = str | Decimal | date | int | None
Identifier = tuple[str, dict[str, str]]
Attrs = dict[str, str]


@dataclass(frozen=True, kw_only=True)
class UblFormat:
    """A UBL 2.1 e-invoice format: what the plug-in protocol asks (`einvoice.formats`), the
    tables saying where each business term goes, and switches where the formats part.

    A format module makes one instance (or a subclass overriding the hooks at the end)."""

    name: str  # the settings' and the command line's name: "oioubl"
    title: str  # embedded in the PDF/A-3 as the XML's description: "OIOUBL 2.1"
    archive_label: str = ""  # the archive's `xml_format` (≤ 16 characters); blank: `name`
    media_type: str = "application/xml"
    serves_ean_buyers: bool = False  # the format a buyer with an EAN (NemHandel) gets
    no_endpoint_reason: str  # why a buyer without an electronic address gets none

    # BT-24 / BT-23: the specification and the business process the document follows.
    customization_id: str
    profile_id: tuple[str, Attrs]
    document: dict[str, str]  # document level terms (BT-1 … BT-115) → path, in schema order
    party: dict[str, str]  # party terms, seller and buyer alike, relative to `cac:Party`
    scheme: dict[str, Attrs]  # identifier schemes: "gln", "cvr", "se" → attributes
    tax_category: dict[str, str]  # BT-118 (UNCL 5305) → the format's tax category code
    tax_category_attrs: Attrs | None = None
    tax_scheme: tuple[str, Attrs | None, str | None]  # cac:TaxScheme's ID, attributes, Name
    payment_means: dict[terms.PaymentRoute, str]  # BT-81 (UNCL 4461) per route
    bic_path: str  # BT-86, relative to `cac:PayeeFinancialAccount`

    ubl_version_id: str | None = None  # cbc:UBLVersionID, where the format wants it
    copy_indicator_and_uuid: bool = False  # cbc:CopyIndicator and a stable cbc:UUID
    invoice_type_code_attrs: Attrs | None = None  # None: the type code of both documents, bare
    address_format_code: Attrs | None = None  # cbc:AddressFormatCode "StructuredLax"
    third_street_line: bool = False  # a third street line as cac:AddressLine
    cvr_prefix: str = ""  # the seller's CVR as endpoint and identifiers: prefix + 8 digits
    buyer_legal_name_always: bool = False  # else only for a Danish VAT number
    payment_means_id: str | None = None
    due_date_in_payment_means: bool = False  # else only a credit note's (an invoice: BT-9)
    payment_channel: dict[terms.PaymentRoute, str] | None = None
    payment_channel_attrs: Attrs = field(default_factory=dict)
    fik_as_instruction: bool = False  # FIK as InstructionID + PaymentID + CreditAccount
    bank_payment_id: bool = False  # BT-83 the invoice number for a bank transfer
    exemption_reason_in_breakdown: bool = False  # BT-121 / BT-120 in the VAT breakdown
    dkk_vat_by_exchange_rate: bool = False  # else a second TaxTotal in DKK (BT-111)
    line_tax_total: bool = False  # each line's own TaxTotal
    line_description: bool = False  # BT-154 on every line
    item_tax_category: bool = False  # cac:Item/cac:ClassifiedTaxCategory

    @property
    def label(self) -> str:
        """The archive's label for this format."""
        return self.archive_label or self.name

    @property
    def file_suffix(self) -> str:
        """How its file is named after the invoice number, in a PDF and from the archive."""
        return f"-{self.name}.xml"

    def build(self, computed: ComputedInvoice, settings: Settings) -> bytes:
        """The XML of a numbered computed invoice (unchecked: see `einvoice.build`)."""
        return build_xml(computed, settings, self)

    # -- hooks a format overrides where it parts from the others

    def buyer_endpoint(self, invoice: Invoice) -> Identifier | None:
        """BT-49 with its scheme attributes; None without one."""
        raise NotImplementedError

    def buyer_ids(self, invoice: Invoice, endpoint: Identifier | None
                  ) -> tuple[Identifier | None, Identifier | None]:
        """BT-46 (party identifier) and BT-47 (legal registration identifier) of the buyer."""
        raise NotImplementedError

    def vat_scheme(self, vat_number: str) -> Attrs | None:
        """BT-48's scheme attributes."""
        return None

    def unit_code(self, unit: units.Unit) -> str:
        """BT-130: the unit's UN/ECE Recommendation 20 code."""
        return unit.rec20

    def states_dkk_vat(self, computed: ComputedInvoice) -> bool:
        """BT-6/BT-111: a foreign-currency invoice states its VAT in DKK too."""
        totals = computed.totals
        return totals.is_foreign_currency and totals.vat_amount_dkk is not None

    def problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        """The rules of this format an invoice breaks (the shared ones: `einvoice.checks`):
        a buyer it cannot address, and the format's own (`rule_problems`)."""
        found = []
        if self.buyer_endpoint(computed.invoice) is None:
            found.append(Problem("customer.ean", self.no_endpoint_reason))
        return found + self.rule_problems(computed, settings)

    def rule_problems(self, computed: ComputedInvoice, settings: Settings) -> list[Problem]:
        """The format's own rules an invoice from this product can break."""
        return []


def _qname(part: str) -> str:
    """`cbc:ID` → `{urn:…CommonBasicComponents-2}ID`."""
    prefix, local = part.split(":", 1)
    return f"{{{terms.NAMESPACES[prefix]}}}{local}"


def _text(value: Value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Writer:
    """Appends elements by path, reusing the last open element of the same name."""

    def __init__(self, fmt: UblFormat, currency: str) -> None:
        self.fmt = fmt
        self.currency = currency

    def put(self, parent: ET.Element, path: str | None, value: Value = "",
            attrs: dict[str, str] | None = None) -> ET.Element | None:
        """Write `value` at `path` under `parent`; nothing for a blank value or path."""
        if path is None or value is None or value == "":
            return None
        *groups, leaf = path.split("/")
        node = parent
        for part in groups:
            node = self.group(node, part)
        element = ET.SubElement(node, _qname(leaf), attrs or {})
        element.text = _text(value)
        return element

    def group(self, parent: ET.Element, part: str) -> ET.Element:
        tag = _qname(part)
        if len(parent) and parent[-1].tag == tag:
            return parent[-1]
        return ET.SubElement(parent, tag)

    def new(self, parent: ET.Element, part: str) -> ET.Element:
        return ET.SubElement(parent, _qname(part))

    def amount(self, parent: ET.Element, path: str | None, amount: Decimal | None,
               currency: str | None = None) -> None:
        if amount is not None:
            self.put(parent, path, f"{amount:.2f}", {"currencyID": currency or self.currency})


def _document_uuid(computed: ComputedInvoice, settings: Settings) -> str:
    """A stable UUID: the same issued invoice always gets the same one."""
    name = f"faktura:{settings.seller.cvr}:{computed.document_type}:{computed.invoice_number}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name)).upper()


def _street_lines(address: PostalAddress) -> list[str]:
    return [line for line in (address.line1, address.line2, address.line3) if line]


def _address(w: _Writer, party: ET.Element, path: str, address: PostalAddress) -> None:
    node = w.group(party, path)
    if w.fmt.address_format_code is not None:
        w.put(node, "cbc:AddressFormatCode", "StructuredLax", w.fmt.address_format_code)
    streets = _street_lines(address)
    w.put(node, terms.ADDRESS["BT-35"], streets[0] if streets else None)
    w.put(node, terms.ADDRESS["BT-36"], streets[1] if len(streets) > 1 else None)
    w.put(node, terms.ADDRESS["BT-37"], address.city)
    w.put(node, terms.ADDRESS["BT-38"], address.post_code)
    w.put(node, terms.ADDRESS["BT-39"], address.country_subdivision)
    if len(streets) > 2 and w.fmt.third_street_line:
        w.put(node, terms.ADDRESS["BT-162"], streets[2])
    w.put(node, terms.ADDRESS["BT-40"], address.country_code)


def _tax_scheme(w: _Writer, parent: ET.Element) -> None:
    scheme = w.group(parent, "cac:TaxScheme")
    identifier, attrs, name = w.fmt.tax_scheme
    w.put(scheme, "cbc:ID", identifier, attrs)
    w.put(scheme, "cbc:Name", name)


def _seller(w: _Writer, root: ET.Element, settings: Settings) -> None:
    seller = settings.seller
    names = w.fmt.party
    scheme = w.fmt.scheme
    party = w.group(w.group(root, "cac:AccountingSupplierParty"), "cac:Party")
    cvr = f"{w.fmt.cvr_prefix}{seller.cvr}"
    w.put(party, names["endpoint"], cvr, scheme["cvr"])
    w.put(party, names["identifier"], cvr, scheme["cvr"])
    w.put(party, names["name"], seller.name)
    _address(w, party, names["address"], PostalAddress(
        line1=seller.address_lines[0],
        line2=seller.address_lines[1] if len(seller.address_lines) > 1 else None,
        post_code=seller.post_code, city=seller.city, country_code=seller.country_code))
    tax = w.group(party, "cac:PartyTaxScheme")
    w.put(tax, "cbc:CompanyID", f"DK{seller.cvr}", scheme["se"])
    _tax_scheme(w, tax)
    w.put(party, names["legal_name"], seller.name)
    w.put(party, names["legal_id"], cvr, scheme["cvr"])
    w.put(party, names["contact_phone"], seller.phone)
    w.put(party, names["contact_email"], seller.email)


def _buyer(w: _Writer, root: ET.Element, computed: ComputedInvoice) -> None:
    invoice = computed.invoice
    customer = invoice.customer
    names = w.fmt.party
    party = w.group(w.group(root, "cac:AccountingCustomerParty"), "cac:Party")
    endpoint = w.fmt.buyer_endpoint(invoice)
    identifier, legal_id = w.fmt.buyer_ids(invoice, endpoint)
    if endpoint is not None:
        w.put(party, names["endpoint"], *endpoint)
    if identifier is not None:
        w.put(party, names["identifier"], *identifier)
    w.put(party, names["name"], invoice.buyer_name)
    _address(w, party, names["address"], invoice.buyer_address)
    if customer.vat_number:
        tax = w.group(party, "cac:PartyTaxScheme")
        w.put(tax, "cbc:CompanyID", customer.vat_number,
              w.fmt.vat_scheme(customer.vat_number))
        _tax_scheme(w, tax)
    if w.fmt.buyer_legal_name_always or (customer.vat_number or "").startswith("DK"):
        w.put(party, names["legal_name"], invoice.buyer_name)
    if legal_id is not None:
        w.put(party, names["legal_id"], *legal_id)
    contact = invoice.contact
    w.put(party, names.get("contact_id"), invoice.buyer_reference)
    w.put(party, names["contact_name"],
          invoice.fixed_contact_full_name or (contact.name if contact else None))
    w.put(party, names["contact_phone"], contact.phone if contact else None)
    w.put(party, names["contact_email"],
          (contact.email if contact else None) or customer.invoice_email or customer.email)


def payment_route(computed: ComputedInvoice, settings: Settings) -> terms.PaymentRoute | None:
    """How the document says to pay: by FI card when there is an FI line; else by IBAN for a
    foreign currency (or when there is no Danish account); else to the Danish reg. no. and
    account; None when the seller has given none of these (or there is no payment yet)."""
    seller = settings.seller
    if computed.payment is None:
        return None
    if computed.payment.fik is not None:
        return "fik"
    if seller.iban and (computed.totals.is_foreign_currency or not seller.bank_account):
        return "iban"
    if seller.bank_account and seller.bank_reg_no:
        return "domestic"
    return None


def _payment_means(w: _Writer, root: ET.Element, computed: ComputedInvoice,
                   settings: Settings) -> None:
    """BG-16 payment instructions (BT-81 code, BT-83 remittance, BG-17 account, BG-19 FI)."""
    route = payment_route(computed, settings)
    payment = computed.payment
    if route is None or payment is None:
        return
    seller = settings.seller
    fik = payment.fik
    means = w.new(root, "cac:PaymentMeans")
    w.put(means, "cbc:ID", w.fmt.payment_means_id)
    w.put(means, "cbc:PaymentMeansCode", w.fmt.payment_means[route])
    if w.fmt.due_date_in_payment_means or computed.is_credit_note:  # else BT-9 in DueDate
        w.put(means, "cbc:PaymentDueDate", payment.due_date)
    if w.fmt.payment_channel is not None:
        w.put(means, "cbc:PaymentChannelCode", w.fmt.payment_channel[route],
              w.fmt.payment_channel_attrs)
    if fik is not None and w.fmt.fik_as_instruction:
        w.put(means, "cbc:InstructionID", fik.payment_id)
        w.put(means, "cbc:PaymentID", fik.card_type)
        w.put(means, "cac:CreditAccount/cbc:AccountID", fik.creditor_number)
    elif fik is not None:
        w.put(means, "cbc:PaymentID", f"{fik.card_type}#{fik.payment_id or ''}")
        w.put(means, "cac:PayeeFinancialAccount/cbc:ID", fik.creditor_number)
    else:
        if w.fmt.bank_payment_id:
            w.put(means, "cbc:PaymentID", computed.invoice_number)  # BT-83
        account = w.group(means, "cac:PayeeFinancialAccount")
        if route == "iban":
            w.put(account, "cbc:ID", seller.iban)  # BT-84
            w.put(account, w.fmt.bic_path, seller.bic)  # BT-86
        else:
            w.put(account, "cbc:ID", seller.bank_account)
            w.put(account, "cac:FinancialInstitutionBranch/cbc:ID", seller.bank_reg_no)


def _exemption(computed: ComputedInvoice, category: str) -> tuple[str | None, str] | None:
    """BT-121 and BT-120 of a breakdown: outlays alone are exempt by article 79(c)."""
    language = computed.language
    if category == EXEMPT and computed.has_outlays:
        if computed.reverse_charge or not computed.totals.has_exempt_lines:
            return terms.OUTLAY_REASON_CODE, terms.OUTLAY_REASON[language]
        return None, terms.EXEMPT_AND_OUTLAY_REASON[language]
    if category in terms.EXEMPTION_REASON:
        return None, terms.EXEMPTION_REASON[category][language]
    return None


def _tax_category(w: _Writer, parent: ET.Element, path: str, category: str, rate: Decimal,
                  reason: tuple[str | None, str] | None = None) -> None:
    """BG-23's or a line's VAT category; the exemption reason (BT-121, BT-120) only in a
    breakdown, where the format wants it."""
    node = w.group(parent, path)
    code = w.fmt.tax_category[category]
    w.put(node, "cbc:ID", code, w.fmt.tax_category_attrs)
    w.put(node, "cbc:Percent", f"{rate:f}")
    if reason is not None and w.fmt.exemption_reason_in_breakdown:
        w.put(node, "cbc:TaxExemptionReasonCode", reason[0])
        w.put(node, "cbc:TaxExemptionReason", reason[1])
    _tax_scheme(w, node)


def _tax_total(w: _Writer, root: ET.Element, computed: ComputedInvoice) -> None:
    totals = computed.totals
    by_rate = w.fmt.dkk_vat_by_exchange_rate and w.fmt.states_dkk_vat(computed)
    if by_rate:
        rate = w.new(root, "cac:TaxExchangeRate")
        w.put(rate, "cbc:SourceCurrencyCode", totals.currency_code)
        w.put(rate, "cbc:TargetCurrencyCode", "DKK")
        w.put(rate, "cbc:CalculationRate", f"{computed.totals.exchange_rate:f}")
        w.put(rate, "cbc:MathematicOperatorCode", "multiply")
    total = w.new(root, "cac:TaxTotal")
    w.amount(total, "cbc:TaxAmount", totals.vat_amount)  # BT-110
    for breakdown in computed.vat_breakdown:  # BG-23
        sub = w.new(total, "cac:TaxSubtotal")
        w.amount(sub, "cbc:TaxableAmount", breakdown.taxable_amount)  # BT-116
        w.amount(sub, "cbc:TaxAmount", breakdown.tax_amount)  # BT-117
        if by_rate and breakdown.category_code == STANDARD_RATED:
            w.amount(sub, "cbc:TransactionCurrencyTaxAmount", totals.vat_amount_dkk, "DKK")
        _tax_category(w, sub, "cac:TaxCategory", breakdown.category_code, breakdown.rate,
                      _exemption(computed, breakdown.category_code))
    if not w.fmt.dkk_vat_by_exchange_rate and totals.vat_amount_dkk is not None:  # BT-111
        w.amount(w.new(root, "cac:TaxTotal"), "cbc:TaxAmount", totals.vat_amount_dkk, "DKK")


def _line(w: _Writer, root: ET.Element, computed: ComputedInvoice, line: ComputedLine,
          field: str) -> None:
    item = line.line
    assert line.net_amount is not None and item.quantity is not None
    assert item.unit_price is not None and line.vat_category is not None
    assert line.vat_rate is not None
    unit = w.fmt.unit_code(units.lookup(item.unit))  # known: `compute` refused any other
    doc = computed.document_type
    node = w.new(root, terms.LINE[doc])
    # A deduction (a negative unit price) is a negative quantity of a positive price: EN 16931
    # forbids a negative net or gross price (BR-27, BR-28); the line amount is the same.
    sign = -1 if item.unit_price < 0 else 1
    w.put(node, terms.LINE_TERMS["BT-126"], line.position)
    w.put(node, terms.QUANTITY[doc], f"{sign * item.quantity:f}", {"unitCode": unit})
    w.amount(node, terms.LINE_TERMS["BT-131"], line.net_amount)
    if w.fmt.line_tax_total:
        total = w.new(node, "cac:TaxTotal")
        w.amount(total, "cbc:TaxAmount", line.vat_amount)
        sub = w.new(total, "cac:TaxSubtotal")
        w.amount(sub, "cbc:TaxableAmount", line.net_amount)
        w.amount(sub, "cbc:TaxAmount", line.vat_amount)
        _tax_category(w, sub, "cac:TaxCategory", line.vat_category, line.vat_rate)
    if w.fmt.line_description:
        w.put(node, terms.LINE_TERMS["BT-154"], item.text)
    w.put(node, terms.LINE_TERMS["BT-153"], item.text[:200])
    w.put(node, terms.LINE_TERMS["BT-155"], item.item_number)
    product = w.group(node, "cac:Item")
    if w.fmt.item_tax_category:
        _tax_category(w, product, "cac:ClassifiedTaxCategory", line.vat_category,
                      line.vat_rate)
    assert line.net_price is not None
    price = w.new(node, "cac:Price")
    w.put(price, terms.LINE_TERMS["BT-146"], _price(sign * line.net_price),
          {"currencyID": w.currency})
    w.put(price, "cbc:BaseQuantity", "1", {"unitCode": unit})
    if line.price_discount:  # BT-147 and BT-148: the discount, as a discount on the price
        allowance = w.new(price, "cac:AllowanceCharge")
        w.put(allowance, "cbc:ChargeIndicator", "false")
        w.put(allowance, terms.LINE_TERMS["BT-147"], _price(sign * line.price_discount),
              {"currencyID": w.currency})
        w.put(allowance, terms.LINE_TERMS["BT-148"], _price(sign * item.unit_price),
              {"currencyID": w.currency})


def _price(value: Decimal) -> str:
    """A price as written: exact, with at least two decimals (855 → 855.00)."""
    text = f"{value.normalize():f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def build_xml(computed: ComputedInvoice, settings: Settings, fmt: UblFormat) -> bytes:
    """The e-invoice XML of a numbered computed invoice (not checked: see `einvoice.build`)."""
    invoice = computed.invoice
    totals = computed.totals
    doc = computed.document_type
    table = fmt.document
    w = _Writer(fmt, totals.currency_code)
    # The document's own namespace is the default one (<Invoice xmlns="…">), as in the
    # rule owners' examples; every other element carries its cac:/cbc: prefix.
    root = ET.Element(terms.ROOT[doc], {"xmlns": terms.ROOT_NAMESPACE[doc]})
    w.put(root, "cbc:UBLVersionID", fmt.ubl_version_id)
    w.put(root, "cbc:CustomizationID", fmt.customization_id)
    profile, profile_attrs = fmt.profile_id
    w.put(root, "cbc:ProfileID", profile, profile_attrs)
    w.put(root, table.get("BT-1"), computed.invoice_number)
    if fmt.copy_indicator_and_uuid:
        w.put(root, "cbc:CopyIndicator", "false")
        w.put(root, "cbc:UUID", _document_uuid(computed, settings))
    w.put(root, table.get("BT-2"), invoice.issue_date)
    if doc == "invoice":
        w.put(root, table.get("BT-9"), computed.due_date)
    if fmt.invoice_type_code_attrs is None:
        w.put(root, terms.TYPE_CODE[doc], int(invoice.type_code))
    elif doc == "invoice":
        w.put(root, terms.TYPE_CODE[doc], int(invoice.type_code), fmt.invoice_type_code_attrs)
    w.put(root, table.get("BT-22"), invoice.note)
    w.put(root, table.get("BT-5"), totals.currency_code)
    if fmt.states_dkk_vat(computed):
        w.put(root, table.get("BT-6"), "DKK")
    w.put(root, table.get("BT-10"), invoice.buyer_reference)
    if invoice.invoicing_period_start or invoice.invoicing_period_end:
        w.put(root, table.get("BT-73"), invoice.invoicing_period_start)
        w.put(root, table.get("BT-74"), invoice.invoicing_period_end)
    w.put(root, table.get("BT-13"), invoice.purchase_order_reference)
    w.put(root, table.get("BT-25"), computed.credited_invoice_number)
    if doc == "invoice" and invoice.project is not None:
        w.put(root, table.get("BT-11"), invoice.project.number)
    _seller(w, root, settings)
    _buyer(w, root, computed)
    w.put(root, "cac:Delivery/cbc:ActualDeliveryDate", invoice.delivery_date)  # BT-72
    _payment_means(w, root, computed, settings)
    _tax_total(w, root, computed)
    for term, amount in (("BT-106", totals.line_total), ("BT-109", totals.line_total),
                         ("BT-110", totals.vat_amount), ("BT-112", totals.total_with_vat),
                         ("BT-115", totals.amount_due)):
        w.amount(root, table.get(term), amount)
    for index, line in enumerate(computed.lines):
        if not line.is_text:
            _line(w, root, computed, line, f"lines.{index}")
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
