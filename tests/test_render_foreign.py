"""Foreign customers: the buyer's VAT number labelled by kind, reverse charge, English texts."""

from __future__ import annotations

from typing import Any

import pytest
from test_render import read_back, squash

from faktura.computed import compute
from faktura.model import Invoice
from faktura.settings import Settings
from renderer.render import Renderer


def invoice(*, vat_number: str | None, country: str = "DK", language: str = "da",
            vat: bool = True, currency: str = "DKK", **extra: Any) -> Invoice:
    return Invoice.model_validate({
        "source_id": "F-1", "issue_date": "2026-11-02", "invoice_number": "20260042",
        "currency_code": currency, "exchange_rate": None if currency == "DKK" else "7.4604",
        "customer": {"customer_number": "77", "name": "Nordic Shipping AB",
                     "vat_number": vat_number, "language": language,
                     "address": {"line1": "Storgatan 1", "post_code": "11122",
                                 "city": "Stockholm", "country_code": country}},
        "lines": [{"text": "Rådgivning", "quantity": "10", "unit": "timer",
                   "unit_price": "850", "vat": vat}],
        **extra,
    })


def printed(renderer: Renderer, settings: Settings, inv: Invoice) -> str:
    return squash(read_back(*renderer.render(inv, settings)).text)


@pytest.mark.parametrize(("number", "country", "expected", "absent"), [
    ("DK12345674", "DK", "CVR-nr. 12345674", "DK12345674"),
    ("DK 12 34 56 74", "DK", "CVR-nr. 12345674", "DK12345674"),
    ("12345674", "DK", "CVR-nr. 12345674", "Momsnr."),
    ("SE556677889901", "SE", "Momsnr. SE556677889901", "CVR-nr. SE"),
    ("NO988077917MVA", "NO", "Momsnr. NO988077917MVA", "CVR-nr. NO"),
])
def test_the_buyer_vat_number_is_labelled_by_what_it_is(
    renderer: Renderer, settings: Settings, number: str, country: str, expected: str,
    absent: str,
) -> None:
    text = printed(renderer, settings, invoice(vat_number=number, country=country))
    assert expected in text
    assert absent not in text
    assert "CVR-nr. 31415926" in text  # the seller's own CVR is unchanged


def test_an_eu_business_without_danish_vat_is_reverse_charge(settings: Settings) -> None:
    computed = compute(invoice(vat_number="SE556677889901", country="SE", vat=False), settings)
    assert computed.reverse_charge
    assert [line.vat_category for line in computed.lines] == ["AE"]
    assert [b.category_code for b in computed.vat_breakdown] == ["AE"]
    assert computed.totals.vat_amount == 0


@pytest.mark.parametrize(("number", "country", "vat"), [
    ("SE556677889901", "SE", True),  # Danish VAT charged: not reverse charge
    ("DK12345674", "DK", False),  # a Danish customer: exempt, not reverse charge
    (None, "SE", False),  # a consumer in Sweden (no VAT number)
    ("NO988077917MVA", "NO", False),  # outside the EU
])
def test_no_reverse_charge_otherwise(settings: Settings, number: str | None, country: str,
                                     vat: bool) -> None:
    computed = compute(invoice(vat_number=number, country=country, vat=vat), settings)
    assert not computed.reverse_charge
    assert [line.vat_category for line in computed.lines] == ["S" if vat else "E"]


@pytest.mark.parametrize(("language", "wording", "other"), [
    ("da", "Omvendt betalingspligt", "Momsfri ydelse"),
    ("en", "Reverse charge", "VAT-exempt service"),
])
def test_the_reverse_charge_wording_is_printed(renderer: Renderer, settings: Settings,
                                               language: str, wording: str, other: str) -> None:
    inv = invoice(vat_number="SE556677889901", country="SE", vat=False, language=language)
    text = printed(renderer, settings, inv)
    assert wording in text and other not in text
    plain = printed(renderer, settings, invoice(vat_number="DK12345674", vat=False,
                                                language=language))
    assert wording not in plain and other in plain


def test_an_english_invoice_has_the_english_footer_iban_and_bic_and_spaced_amounts(
    renderer: Renderer, settings: Settings,
) -> None:
    inv = invoice(vat_number="SE556677889901", country="SE", language="en")
    text = printed(renderer, settings, inv)
    assert "VAT no. SE556677889901" in text
    assert "VAT no. DK31415926" in text  # the seller, as a payer abroad needs it
    assert "phone +45 86 12 34 56" in text and "tlf." not in text
    assert "IBAN DK5912340012345678 · BIC/SWIFT DABADKKK" in text
    assert "Please pay by 10 November 2026: DKK 10,625.00" in text
    danish = printed(renderer, settings, invoice(vat_number="DK12345674"))
    assert "tlf. 86 12 34 56" in danish and "BIC" not in danish
    assert "Betales senest 10. november 2026: 10.625,00 kr." in danish


def test_without_layout_en_an_english_invoice_falls_back_to_the_collection_texts(
    renderer: Renderer, settings: Settings,
) -> None:
    plain = settings.model_copy(update={"layout": settings.layout.model_copy(
        update={"en": type(settings.layout.en)()})})
    text = printed(renderer, plain, invoice(vat_number=None, language="en"))
    assert "tlf. 86 12 34 56" in text
