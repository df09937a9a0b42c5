"""The printed payment info and the seller's bank fields: one built from, or checked against,
the other.

The page prints a free text (PaymentInfo, `[layout.en] payment_info`); e-invoices state the
seller's bank fields (`[seller]` iban, bic, bank_reg_no, bank_account). So that both say the
same, every IBAN, BIC, reg. no. and account number a text prints is checked: an IBAN by its
check digits (python-stdnum), and each against the seller's field where that is set. Where a
language has no text of its own, one is built from the bank fields (`built`).

>>> problems("Bank: IBAN DK50 1234 0012 3456 78", None, None, None, None)
['the IBAN it prints is not valid: its check digits are wrong']
>>> problems("Reg.nr. 1234 Konto 0012345678 · IBAN DK59 1234 0012 3456 78",
...          "DK5912340012345678", None, "1234", "0012345678")
[]
>>> problems("Reg.nr. 1234 Konto 0012345679", None, None, "1234", "0012345678")
['the account number it prints is not seller.bank_account']
>>> built("en", "DK5912340012345678", "DABADKKK", "1234", "0012345678")
'Bank: IBAN DK59 1234 0012 3456 78 · BIC/SWIFT DABADKKK'
"""

from __future__ import annotations

import re

from faktura.identifiers import InvalidIdentifier, format_iban, validate_bic, validate_iban

#: An IBAN as people write it: country, check digits, then 11–30 letters and digits, in groups
#: of four or not.
_IBAN = re.compile(
    r"\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b")
_BIC = re.compile(r"\b(?:BIC|SWIFT)(?:/SWIFT)?:?\s*([A-Z0-9]{8}(?:[A-Z0-9]{3})?)\b")
_REG_NO = re.compile(r"\breg\.?\s*(?:nr|no)\.?:?\s*([0-9]{4})\b", re.IGNORECASE)
_ACCOUNT = re.compile(r"\b(?:konto|account)(?:nr|no)?\.?:?\s*([0-9][0-9 ]{0,12}[0-9])\b",
                      re.IGNORECASE)


def problems(text: str, iban: str | None, bic: str | None, reg_no: str | None,
             account: str | None) -> list[str]:
    """What is wrong with the bank identifiers the text prints (never repeating them)."""
    found = []
    for written in _IBAN.findall(text):
        try:
            printed = validate_iban(written)
        except InvalidIdentifier as error:
            reason = str(error).split(": ", 1)[-1]
            found.append(f"the IBAN it prints is not valid: {reason}")
            continue
        if iban and printed != iban:
            found.append("the IBAN it prints is not seller.iban")
    for written in _BIC.findall(text):
        try:
            printed = validate_bic(written)
        except InvalidIdentifier:
            found.append("the BIC it prints is not a valid BIC")
            continue
        if bic and printed != bic:
            found.append("the BIC it prints is not seller.bic")
    for pattern, field, own in ((_REG_NO, "reg. no.", reg_no), (_ACCOUNT, "account number",
                                                                   account)):
        for written in pattern.findall(text):
            digits = written.replace(" ", "")
            if own and digits.lstrip("0") != own.lstrip("0"):
                name = "bank_reg_no" if field == "reg. no." else "bank_account"
                found.append(f"the {field} it prints is not seller.{name}")
    return found


def built(language: str, iban: str | None, bic: str | None, reg_no: str | None,
          account: str | None) -> str:
    """A payment text from the bank fields: Danish with reg. no. and account first, English
    (for payers abroad) with IBAN and BIC only where there is an IBAN; blank without fields."""
    parts = []
    if reg_no and account and (language == "da" or not iban):
        parts.append(f"Reg.nr. {reg_no} Konto {account}" if language == "da"
                     else f"Reg. no. {reg_no} Account {account}")
    if iban:
        parts.append(f"IBAN {format_iban(iban)}")
    if bic:
        parts.append(f"BIC/SWIFT {bic}")
    return f"Bank: {' · '.join(parts)}" if parts else ""
