"""Text that cannot break stays on the page, and every § 58 field stays on it too.

Each text field gets a "word" of 100, 300 or 1,000 characters without a space (capped at what
the model accepts for that field). The PDF is read back with `pdftotext -bbox`: every word's
box must lie inside the sheet, and the fields momsbekendtgørelsen § 58 requires must all be
printed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from faktura.model import Invoice
from faktura.settings import Settings
from renderer.render import Renderer
from tools_support import need_program


@pytest.fixture(autouse=True, scope="module")
def pdftotext_here() -> None:
    """Skip the module without poppler's pdftotext (on CI: an error saying how to get it)."""
    need_program("pdftotext", "poppler-utils")


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"([^<]*)</word>")
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def word(letter: str, length: int, limit: int) -> str:
    return letter * min(length, limit)


def long_invoice(length: int) -> Invoice:
    """An invoice whose every text field is one unbreakable word (as long as the field takes)."""
    return Invoice.model_validate({
        "source_id": "LONG-1", "issue_date": "2026-11-02", "invoice_number": "20260099",
        "customer": {
            "customer_number": word("7", length, 20), "name": word("N", length, 100),
            "vat_number": "DK12345674",
            "address": {"line1": word("A", length, 100), "line2": word("B", length, 100),
                        "line3": word("D", length, 100), "post_code": word("8", length, 20),
                        "city": word("C", length, 100)},
        },
        "contact": {"first_name": word("F", length, 100)},
        "buyer_reference": word("R", length, 100),
        "purchase_order_reference": word("P", length, 100),
        "internal_reference": {"number": "JD", "name": word("I", length, 100)},
        "project": {"number": word("9", length, 40), "name": word("J", length, 100)},
        "header": word("H", length, 500),
        "note": word("O", length, 2000),
        "lines": [
            {"text": word("T", length, 500)},
            {"text": word("L", length, 500), "item_number": word("1", length, 40),
             "quantity": "3", "unit": "minutter", "unit_price": "1234.50",
             "discount_percent": "10"},
            {"text": "https://example.com/" + word("x", length, 480), "quantity": "2",
             "unit": "stk.", "unit_price": "50"},
        ],
    })


def words_of(pdf: bytes, tmp_path: Path) -> tuple[list[tuple[float, float]], list[tuple]]:
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf)
    bbox = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = [(float(w), float(h)) for w, h in PAGE.findall(bbox)]
    words: list[tuple] = []
    for number, page in enumerate(bbox.split("<page ")[1:]):
        for x0, y0, x1, y1, text in WORD.findall(page):
            words.append((number, float(x0), float(y0), float(x1), float(y1), text))
    return pages, words


@pytest.mark.parametrize("length", [100, 300, 1000])
def test_every_word_lies_inside_the_page_and_every_section_58_field_is_printed(
    renderer: Renderer, settings: Settings, length: int, tmp_path: Path,
) -> None:
    invoice = long_invoice(length)
    _, pdf = renderer.render(invoice, settings)
    pages, words = words_of(pdf, tmp_path)
    assert words
    for number, x0, y0, x1, y1, text in words:
        width, height = pages[number]
        assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height, (number, text[:30], x1)
    printed = "".join(text for *_, text in words)
    required = [
        "20260099",  # invoice number
        "02.11.2026",  # issue date
        "31415926",  # seller CVR
        invoice.customer.name,  # buyer name, whole, however it is broken
        invoice.customer.address.line1, invoice.customer.address.city,
        invoice.lines[1].text, invoice.lines[2].text,
        "3.333,15", "100,00",  # line amounts: 3 × 1.234,50 − 10 %, 2 × 50
        "3.433,15", "858,29", "4.291,44",  # taxable amount, VAT, total
        invoice.buyer_reference, invoice.purchase_order_reference, invoice.header,
        invoice.note,
    ]
    for field in required:
        assert field in printed, field[:40]
    # The header block keeps its columns: the particulars' labels stay on the right half.
    labels = {text: x0 for number, x0, _, _, _, text in words if number == 0}
    assert labels["Fakturanr."] > pages[0][0] / 2 and labels["Kundenr."] > pages[0][0] / 2
