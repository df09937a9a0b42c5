"""The UBL 2.1 writer: a numbered computed invoice → OIOUBL 2.1 or Peppol BIS 3 XML bytes.

Every amount, date and VAT category is read from the `ComputedInvoice`; this module only
decides where each goes (`einvoice.terms`) and in what order the UBL schema wants them.
Text lines (headings without an amount) are not e-invoice lines and are left out.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from einvoice import endpoints, terms
from einvoice.terms import Format
from faktura import units
from faktura.computed import EXEMPT, STANDARD_RATED, ComputedInvoice, ComputedLine
from faktura.model import PostalAddress
from faktura.settings import Settings

for _prefix, _uri in terms.NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)

Value = str | Decimal | date | int | None


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

    def __init__(self, fmt: Format, currency: str) -> None:
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
    if w.fmt == "oioubl":
        w.put(node, "cbc:AddressFormatCode", "StructuredLax", {
            **terms.OIOUBL_LIST, "listID": "urn:oioubl:codelist:addressformatcode-1.1"})
    streets = _street_lines(address)
    w.put(node, terms.ADDRESS["BT-35"], streets[0] if streets else None)
    w.put(node, terms.ADDRESS["BT-36"], streets[1] if len(streets) > 1 else None)
    w.put(node, terms.ADDRESS["BT-37"], address.city)
    w.put(node, terms.ADDRESS["BT-38"], address.post_code)
    w.put(node, terms.ADDRESS["BT-39"], address.country_subdivision)
    if len(streets) > 2 and w.fmt == "peppol":
        w.put(node, terms.ADDRESS["BT-162"], streets[2])
    w.put(node, terms.ADDRESS["BT-40"], address.country_code)


def _cvr_id(w: _Writer, cvr: str) -> str:
    return f"DK{cvr}" if w.fmt == "oioubl" else cvr


def _tax_scheme(w: _Writer, parent: ET.Element) -> None:
    scheme = w.group(parent, "cac:TaxScheme")
    if w.fmt == "oioubl":
        w.put(scheme, "cbc:ID", "63", terms.OIOUBL_TAX_SCHEME)
        w.put(scheme, "cbc:Name", "Moms")
    else:
        w.put(scheme, "cbc:ID", "VAT")


def _seller(w: _Writer, root: ET.Element, settings: Settings) -> None:
    seller = settings.seller
    names = terms.PARTY[w.fmt]
    scheme = terms.SCHEME[w.fmt]
    party = w.group(w.group(root, "cac:AccountingSupplierParty"), "cac:Party")
    cvr = _cvr_id(w, seller.cvr)
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


def buyer_endpoint(computed: ComputedInvoice, fmt: Format) -> tuple[str, dict[str, str]] | None:
    """BT-49 with its scheme attributes (`einvoice.endpoints`): OIOUBL the GLN, else the Danish
    CVR; Peppol any scheme the buyer's identifiers give. None without one."""
    invoice = computed.invoice
    if fmt == "oioubl":
        found = endpoints.oioubl_endpoint(invoice)
        if found is None:
            return None
        kind = "gln" if found.scheme == endpoints.GLN else "cvr"
        return found.value, terms.SCHEME["oioubl"][kind]
    found = endpoints.peppol_endpoint(invoice)
    return None if found is None else (found.value, {"schemeID": found.scheme})


Identifier = tuple[str, dict[str, str]]


def _buyer_ids(computed: ComputedInvoice, fmt: Format, endpoint: Identifier | None
               ) -> tuple[Identifier | None, Identifier | None]:
    """BT-46 (party identifier) and BT-47 (legal registration identifier) of the buyer.

    OIOUBL: the endpoint, and the Danish CVR number. Peppol: the endpoint where its scheme is
    an organisation identifier (ICD, not a 99xx VAT scheme), and the organisation number."""
    invoice = computed.invoice
    vat = invoice.customer.vat_number or ""
    if fmt == "oioubl":  # the CVR number as OIOUBL writes it: DK + 8 digits, the VAT number
        legal = (vat, terms.SCHEME[fmt]["cvr"])
        return endpoint, legal if endpoint is not None and vat.startswith("DK") else None
    identifier = endpoint if endpoint and not endpoint[1]["schemeID"].startswith("99") else None
    found = endpoints.organisation_id(invoice)
    return identifier, None if found is None else (found.value, {"schemeID": found.scheme})


def _buyer(w: _Writer, root: ET.Element, computed: ComputedInvoice) -> None:
    invoice = computed.invoice
    customer = invoice.customer
    names = terms.PARTY[w.fmt]
    party = w.group(w.group(root, "cac:AccountingCustomerParty"), "cac:Party")
    endpoint = buyer_endpoint(computed, w.fmt)
    identifier, legal_id = _buyer_ids(computed, w.fmt, endpoint)
    if endpoint is not None:
        w.put(party, names["endpoint"], *endpoint)
    if identifier is not None:
        w.put(party, names["identifier"], *identifier)
    w.put(party, names["name"], invoice.buyer_name)
    _address(w, party, names["address"], invoice.buyer_address)
    if customer.vat_number:
        tax = w.group(party, "cac:PartyTaxScheme")
        w.put(tax, "cbc:CompanyID", customer.vat_number,
              terms.vat_scheme(w.fmt, customer.vat_number))
        _tax_scheme(w, tax)
    if w.fmt == "peppol" or (customer.vat_number or "").startswith("DK"):
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
    if w.fmt == "oioubl":
        w.put(means, "cbc:ID", "1")
    w.put(means, "cbc:PaymentMeansCode", terms.PAYMENT_MEANS[w.fmt][route])
    if w.fmt == "oioubl" or computed.is_credit_note:  # Peppol invoices state BT-9 in DueDate
        w.put(means, "cbc:PaymentDueDate", payment.due_date)
    if w.fmt == "oioubl":
        w.put(means, "cbc:PaymentChannelCode", terms.OIOUBL_PAYMENT_CHANNEL[route], {
            **terms.OIOUBL_LIST, "listID": "urn:oioubl:codelist:paymentchannelcode-1.1"})
    if fik is not None and w.fmt == "oioubl":
        w.put(means, "cbc:InstructionID", fik.payment_id)
        w.put(means, "cbc:PaymentID", fik.card_type)
        w.put(means, "cac:CreditAccount/cbc:AccountID", fik.creditor_number)
    elif fik is not None:
        w.put(means, "cbc:PaymentID", f"{fik.card_type}#{fik.payment_id or ''}")
        w.put(means, "cac:PayeeFinancialAccount/cbc:ID", fik.creditor_number)
    else:
        if w.fmt == "peppol":
            w.put(means, "cbc:PaymentID", computed.invoice_number)  # BT-83
        account = w.group(means, "cac:PayeeFinancialAccount")
        if route == "iban":
            w.put(account, "cbc:ID", seller.iban)  # BT-84
            w.put(account, terms.BIC_PATH[w.fmt], seller.bic)  # BT-86
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
    Peppol breakdown."""
    node = w.group(parent, path)
    code = terms.TAX_CATEGORY[w.fmt][category]
    w.put(node, "cbc:ID", code, terms.OIOUBL_TAX_CATEGORY_SCHEME if w.fmt == "oioubl" else None)
    w.put(node, "cbc:Percent", f"{rate:f}")
    if reason is not None and w.fmt == "peppol":
        w.put(node, "cbc:TaxExemptionReasonCode", reason[0])
        w.put(node, "cbc:TaxExemptionReason", reason[1])
    _tax_scheme(w, node)


def _states_dkk_vat(fmt: Format, computed: ComputedInvoice) -> bool:
    """BT-6/BT-111: a foreign-currency invoice states its VAT in DKK too.

    OIOUBL states it on the standard-rated subtotal only (F-LIB373), so an OIOUBL invoice
    without standard-rated lines has no VAT to state in DKK and names no tax currency.
    """
    totals = computed.totals
    if not totals.is_foreign_currency or totals.vat_amount_dkk is None:
        return False
    return fmt == "peppol" or any(b.category_code == STANDARD_RATED
                                  for b in computed.vat_breakdown)


def _tax_total(w: _Writer, root: ET.Element, computed: ComputedInvoice) -> None:
    totals = computed.totals
    if w.fmt == "oioubl" and _states_dkk_vat(w.fmt, computed):
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
        if (w.fmt == "oioubl" and _states_dkk_vat(w.fmt, computed)
                and breakdown.category_code == STANDARD_RATED):
            w.amount(sub, "cbc:TransactionCurrencyTaxAmount", totals.vat_amount_dkk, "DKK")
        _tax_category(w, sub, "cac:TaxCategory", breakdown.category_code, breakdown.rate,
                      _exemption(computed, breakdown.category_code))
    if w.fmt == "peppol" and totals.vat_amount_dkk is not None:  # BT-111
        w.amount(w.new(root, "cac:TaxTotal"), "cbc:TaxAmount", totals.vat_amount_dkk, "DKK")


def _line(w: _Writer, root: ET.Element, computed: ComputedInvoice, line: ComputedLine,
          field: str) -> None:
    item = line.line
    assert line.net_amount is not None and item.quantity is not None
    assert item.unit_price is not None and line.vat_category is not None
    assert line.vat_rate is not None
    unit = units.lookup(item.unit).code(w.fmt)  # known: `compute` refused any other unit
    doc = computed.document_type
    node = w.new(root, terms.LINE[doc])
    # A deduction (a negative unit price) is a negative quantity of a positive price: EN 16931
    # forbids a negative net or gross price (BR-27, BR-28); the line amount is the same.
    sign = -1 if item.unit_price < 0 else 1
    w.put(node, terms.LINE_TERMS["BT-126"], line.position)
    w.put(node, terms.QUANTITY[doc], f"{sign * item.quantity:f}", {"unitCode": unit})
    w.amount(node, terms.LINE_TERMS["BT-131"], line.net_amount)
    if w.fmt == "oioubl":
        total = w.new(node, "cac:TaxTotal")
        w.amount(total, "cbc:TaxAmount", line.vat_amount)
        sub = w.new(total, "cac:TaxSubtotal")
        w.amount(sub, "cbc:TaxableAmount", line.net_amount)
        w.amount(sub, "cbc:TaxAmount", line.vat_amount)
        _tax_category(w, sub, "cac:TaxCategory", line.vat_category, line.vat_rate)
    if w.fmt == "oioubl":
        w.put(node, terms.LINE_TERMS["BT-154"], item.text)
    w.put(node, terms.LINE_TERMS["BT-153"], item.text[:200])
    w.put(node, terms.LINE_TERMS["BT-155"], item.item_number)
    product = w.group(node, "cac:Item")
    if w.fmt == "peppol":
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


def build_xml(computed: ComputedInvoice, settings: Settings, fmt: Format) -> bytes:
    """The e-invoice XML of a numbered computed invoice (not checked: see `einvoice.build`)."""
    invoice = computed.invoice
    totals = computed.totals
    doc = computed.document_type
    table = terms.DOCUMENT[fmt]
    w = _Writer(fmt, totals.currency_code)
    # The document's own namespace is the default one (<Invoice xmlns="…">), as in the
    # rule owners' examples; every other element carries its cac:/cbc: prefix.
    root = ET.Element(terms.ROOT[doc], {"xmlns": terms.ROOT_NAMESPACE[doc]})
    if fmt == "oioubl":
        w.put(root, "cbc:UBLVersionID", "2.1")
    w.put(root, "cbc:CustomizationID", terms.CUSTOMIZATION_ID[fmt])
    profile, profile_attrs = terms.PROFILE_ID[fmt]
    w.put(root, "cbc:ProfileID", profile, profile_attrs)
    w.put(root, table.get("BT-1"), computed.invoice_number)
    if fmt == "oioubl":
        w.put(root, "cbc:CopyIndicator", "false")
        w.put(root, "cbc:UUID", _document_uuid(computed, settings))
    w.put(root, table.get("BT-2"), invoice.issue_date)
    if doc == "invoice":
        w.put(root, table.get("BT-9"), computed.due_date)
    if fmt == "peppol":
        w.put(root, terms.TYPE_CODE[doc], int(invoice.type_code))
    elif doc == "invoice":
        w.put(root, terms.TYPE_CODE[doc], int(invoice.type_code), {
            **terms.OIOUBL_LIST, "listID": "urn:oioubl:codelist:invoicetypecode-1.1"})
    w.put(root, table.get("BT-22"), invoice.note)
    w.put(root, table.get("BT-5"), totals.currency_code)
    if _states_dkk_vat(fmt, computed):
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
