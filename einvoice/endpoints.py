"""The buyer's electronic address (BT-49) and legal identifier (BT-47) from its identifiers.

Peppol addresses a buyer by many schemes (the EAS code list); this module picks the first the
buyer's identifiers give, in this order: its GLN (EAN location number, 0088); an organisation
number of the buyer's country — Danish CVR (0184), Swedish (0007), Norwegian (0192), Finnish
(0216, the OVT code), Belgian (0208), Italian (0211) — read from its VAT number, else from its
organisation number; else its VAT number in its country's 99xx scheme (9930 for Germany).
Every number is checked by python-stdnum first; a number that fails is never used. OIOUBL
(NemHandel) keeps what it always had: the GLN, else the Danish CVR number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stdnum.be import vat as be_vat
from stdnum.dk import cvr as dk_cvr
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.it import iva as it_iva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from faktura.model import Invoice
from faktura.vatid import compact


@dataclass(frozen=True)
class PartyId:
    """An identifier with its Peppol scheme (an EAS or ICD code)."""

    scheme: str
    value: str


GLN = "0088"
DANISH_CVR = "0184"

#: Country → (the ICD scheme of its organisation numbers, how one is checked and written,
#: how the number is read from the country's VAT number).
_ORGANISATION: dict[str, tuple[str, Callable[[str], str], Callable[[str], str]]] = {
    "DK": (DANISH_CVR, dk_cvr.validate, lambda vat: vat[2:]),
    "SE": ("0007", se_orgnr.validate, lambda vat: vat[2:12]),
    "NO": ("0192", no_orgnr.validate, lambda vat: vat[2:11]),
    "FI": ("0216", lambda number: "0037" + fi_ytunnus.validate(number), lambda vat: vat[2:]),
    "BE": ("0208", be_vat.validate, lambda vat: vat[2:]),
    "IT": ("0211", it_iva.validate, lambda vat: vat[2:]),
}

#: VAT number prefix → the EAS scheme of that country's VAT numbers (Peppol code list).
VAT_SCHEMES = {
    "HU": "9910", "AT": "9914", "ES": "9920", "AD": "9922", "AL": "9923", "BA": "9924",
    "BE": "9925", "BG": "9926", "CH": "9927", "CY": "9928", "CZ": "9929", "DE": "9930",
    "EE": "9931", "GB": "9932", "EL": "9933", "HR": "9934", "IE": "9935", "LI": "9936",
    "LT": "9937", "LU": "9938", "LV": "9939", "MC": "9940", "ME": "9941", "MK": "9942",
    "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "RS": "9948",
    "SI": "9949", "SK": "9950", "SM": "9951", "TR": "9952", "VA": "9953", "FR": "9957",
}


def _checked(check: Callable[[str], str], number: str) -> str | None:
    try:
        return str(check(number))
    except (ValidationError, ValueError, IndexError):
        return None


def organisation_id(invoice: Invoice) -> PartyId | None:
    """BT-47: the buyer's organisation number in its country's ICD scheme, from its VAT
    number or, failing that, its organisation number; None where neither gives a valid one."""
    customer = invoice.customer
    vat = compact(customer.vat_number or "")
    candidates = []
    if vat[:2] in _ORGANISATION:
        scheme, check, from_vat = _ORGANISATION[vat[:2]]
        candidates.append((scheme, check, from_vat(vat)))
    country = customer.address.country_code
    if customer.organization_number and country in _ORGANISATION:
        scheme, check, _ = _ORGANISATION[country]
        candidates.append((scheme, check, compact(customer.organization_number)))
    for scheme, check, number in candidates:
        value = _checked(check, number)
        if value is not None:
            return PartyId(scheme, value)
    return None


def peppol_endpoint(invoice: Invoice) -> PartyId | None:
    """BT-49 in Peppol: the GLN, else the organisation number, else the EU VAT number."""
    if invoice.buyer_ean:
        return PartyId(GLN, invoice.buyer_ean)
    found = organisation_id(invoice)
    if found is not None:
        return found
    vat = compact(invoice.customer.vat_number or "")  # checked by the model (python-stdnum)
    if vat[:2] in VAT_SCHEMES:
        return PartyId(VAT_SCHEMES[vat[:2]], vat)
    return None


def oioubl_endpoint(invoice: Invoice) -> PartyId | None:
    """BT-49 in OIOUBL: the GLN, else the Danish CVR number (written DK + CVR)."""
    if invoice.buyer_ean:
        return PartyId(GLN, invoice.buyer_ean)
    vat = invoice.customer.vat_number or ""
    return PartyId(DANISH_CVR, vat) if vat.startswith("DK") else None
