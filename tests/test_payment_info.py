"""The payment info a page prints agrees with the seller's bank fields: every IBAN, BIC, reg.
no. and account it prints is checked when the settings are read, and an English invoice
without its own text prints the seller's IBAN and BIC."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from stdnum import iban

from cli.init import STARTER_SETTINGS
from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from renderer.render import Renderer

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SETTINGS = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
IBAN_PRINTED = re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,4})?\b")


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((SAMPLES / "logo.png").read_bytes())
    return load_settings(path)


@pytest.mark.parametrize("text", [
    SETTINGS, (SAMPLES / "settings-scaleout.toml").read_text(encoding="utf-8"),
    STARTER_SETTINGS], ids=["settings", "scaleout", "starter"])
def test_every_iban_the_shipped_settings_print_passes_its_check(text: str) -> None:
    printed = IBAN_PRINTED.findall(text)
    assert all(iban.is_valid(number) for number in printed), printed


@pytest.mark.parametrize(("old", "new", "field", "problem"), [
    ('payment_info = "Bank: IBAN DK5912340012345678',
     'payment_info = "Bank: IBAN DK5012340012345678',
     "layout.en.payment_info", "the IBAN it prints is not valid: its check digits are wrong"),
    ("IBAN DK5912340012345678 · BIC/SWIFT DABADKKK",
     "IBAN DK5912340012345678 · BIC/SWIFT NDEADKKK",
     "layout.en.payment_info", "the BIC it prints is not seller.bic"),
    ('PaymentInfo = "Bank: Reg.nr. 1234 Konto 0012345678',
     'PaymentInfo = "Bank: Reg.nr. 1234 Konto 0012345679',
     "integration.PaymentInfo", "the account number it prints is not seller.bank_account"),
    ('PaymentInfo = "Bank: Reg.nr. 1234 Konto 0012345678 · IBAN DK5912340012345678',
     'PaymentInfo = "Bank: Reg.nr. 1234 Konto 0012345678 · IBAN DK5000400440116243',
     "integration.PaymentInfo", "the IBAN it prints is not seller.iban"),
])
def test_a_payment_text_that_disagrees_with_the_bank_fields_is_refused(
        tmp_path: Path, old: str, new: str, field: str, problem: str) -> None:
    assert old in SETTINGS
    with pytest.raises(InvalidInput) as refused:
        load(tmp_path, SETTINGS.replace(old, new))
    assert f"{field}: {problem}" in str(refused.value)
    changed = new.split()[-1].strip('"')
    assert changed not in str(refused.value)  # the refused number is not repeated


def test_an_english_invoice_without_its_own_text_prints_the_sellers_iban_and_bic(
        tmp_path: Path) -> None:
    text = re.sub(r'(?m)^payment_info = .*$', "", SETTINGS)
    settings = load(tmp_path, text)
    data = {"source_id": "EN-1", "issue_date": "2026-11-02", "buyer_reference": "Anna",
            "customer": {"customer_number": "7", "name": "Svensk AB", "language": "en",
                         "address": {"city": "Malmö", "country_code": "SE"}},
            "lines": [{"text": "Advice", "quantity": "1", "unit": "stk.",
                       "unit_price": "100"}]}
    _, pdf = Renderer().render(parse_invoice(data), settings, draft=True)
    printed = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "IBAN DK59 1234 0012 3456 78 · BIC/SWIFT DABADKKK" in printed
