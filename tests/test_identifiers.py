"""Identifiers are checked where they enter: a bad CVR, VAT number, EAN, IBAN or BIC is refused
naming the field (never echoing the value); good ones are stored in one canonical form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faktura.errors import InvalidInput
from faktura.model import parse_invoice
from infra.settings_files import load_settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SETTINGS = (SAMPLES / "settings.toml").read_text(encoding="utf-8")


def invoice(customer: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    return {"source_id": "I-1", "issue_date": "2026-11-02",
            "customer": {"customer_number": "1", "name": "Kunde ApS", **(customer or {})},
            "lines": [{"text": "Ydelse", "quantity": "1", "unit_price": "100"}], **changes}


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_invoice(data)
    return str(caught.value)


@pytest.mark.parametrize("given", ["DK12345674", "DK 12 34 56 74", "12345674", "dk12345674"])
def test_a_danish_vat_number_is_stored_as_dk_and_the_cvr(given: str) -> None:
    assert parse_invoice(invoice({"vat_number": given})).customer.vat_number == "DK12345674"


def test_a_foreign_eu_vat_number_keeps_its_country_prefix() -> None:
    parsed = parse_invoice(invoice({"vat_number": "SE 556036-0793 01"}))
    assert parsed.customer.vat_number == "SE556036079301"


@pytest.mark.parametrize("bad", ["hello world", "DK12345678", "1234567", "SE556036079302"])
def test_a_bad_vat_number_is_refused_naming_the_field(bad: str) -> None:
    message = refused(invoice({"vat_number": bad}))
    assert "customer.vat_number: is not a valid VAT number" in message
    assert bad not in message


def test_an_ean_must_be_a_gln_with_its_check_digit() -> None:
    assert parse_invoice(invoice({"ean": "5790001234560"})).buyer_ean == "5790001234560"
    assert "customer.ean: is not a valid EAN (GLN) number: its check digits are wrong" in (
        refused(invoice({"ean": "5790001234567"})))
    assert "ean: is not a valid EAN (GLN) number: it has the wrong number" in refused(
        invoice(ean="579000123456"))


def load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "logo.png").write_bytes((SAMPLES / "logo.png").read_bytes())
    return load_settings(path)


def test_the_sample_settings_carry_valid_bank_details(tmp_path: Path) -> None:
    seller = load(tmp_path, SETTINGS).seller
    assert (seller.iban, seller.bic, seller.bank_reg_no, seller.bank_account) == (
        "DK5912340012345678", "DABADKKK", "1234", "0012345678")
    assert "IBAN DK5912340012345678" in SETTINGS  # the printed payment info agrees


@pytest.mark.parametrize("old, new, field", [
    ('cvr = "31415926"', 'cvr = "31415925"', "seller.cvr: is not a valid CVR number"),
    ('iban = "DK5912340012345678"', 'iban = "DK5012340012345678"',
     "seller.iban: is not a valid IBAN: its check digits are wrong"),
    ('bic = "DABADKKK"', 'bic = "DABAXXKK"', "seller.bic: is not a valid BIC"),
    ('bank_account = "0012345678"', 'bank_account = "12345678901"',
     "seller.bank_account: must be at most 10 digits"),
])
def test_bad_seller_identifiers_are_refused_naming_the_setting(
        tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in SETTINGS
    with pytest.raises(InvalidInput) as caught:
        load(tmp_path, SETTINGS.replace(old, new))
    assert field in str(caught.value)
