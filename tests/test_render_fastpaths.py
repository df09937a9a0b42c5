"""The renderer's faster paths through WeasyPrint (`renderer.fastpaths`) change nothing a
reader could see: every bundled sample, a long invoice and one with long texts give the very
same PDF bytes as WeasyPrint's own paths, and so do long credit notes and invoices in euros,
an English invoice to a foreign customer, texts that cannot break (long names, item numbers,
discounts) and the seller's sheet itself (letterhead, footer and payment slip, laid out once
by each renderer and kept)."""

from __future__ import annotations

import pytest
from test_render import SAMPLES
from test_render_chunked import long_invoice
from test_render_foreign import invoice as foreign_invoice
from test_render_long_text import long_invoice as unbreakable_invoice

from faktura.settings import Settings
from infra.invoice_file import load_invoice
from renderer import fastpaths
from renderer.render import Renderer

NAMES = sorted(path.name for path in SAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def both_ways(renderer: Renderer, invoice, settings: Settings) -> tuple[bytes, bytes]:
    _, quick = renderer.render(invoice, settings)
    with fastpaths.as_it_comes():
        _, general = renderer.render(invoice, settings)
    return quick, general


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_is_the_same_pdf_by_either_path(renderer: Renderer, settings: Settings,
                                                    name: str) -> None:
    quick, general = both_ways(renderer, load_invoice(SAMPLES / name), settings)
    assert quick == general


def test_a_long_invoice_is_the_same_pdf_by_either_path(renderer: Renderer,
                                                       settings: Settings) -> None:
    quick, general = both_ways(renderer, long_invoice(120), settings)
    assert quick == general


def test_wrapped_texts_are_the_same_pdf_by_either_path(renderer: Renderer,
                                                      settings: Settings) -> None:
    invoice = long_invoice(45, sample="04-mixed-vat.json")
    lines = [line.model_copy(update={"text": f"{line.text} " * (1 + index % 5)})
             for index, line in enumerate(invoice.lines)]
    quick, general = both_ways(renderer, invoice.model_copy(update={"lines": lines}), settings)
    assert quick == general



@pytest.mark.parametrize("sample", ["05-credit-note.json", "06-eur-invoice.json"])
def test_a_long_credit_note_or_euro_invoice_is_the_same_pdf_by_either_path(
        renderer: Renderer, settings: Settings, sample: str) -> None:
    quick, general = both_ways(renderer, long_invoice(70, sample=sample), settings)
    assert quick == general


@pytest.mark.parametrize("length", [100, 1000])
def test_unbreakable_texts_are_the_same_pdf_by_either_path(renderer: Renderer,
                                                          settings: Settings,
                                                          length: int) -> None:
    quick, general = both_ways(renderer, unbreakable_invoice(length), settings)
    assert quick == general


@pytest.mark.parametrize("name", ["01-one-line.json", "05-credit-note.json"])
def test_the_sellers_sheet_is_the_same_pdf_by_either_path(settings: Settings,
                                                          name: str) -> None:
    invoice = load_invoice(SAMPLES / name)
    _, quick = Renderer().render(invoice, settings)
    with fastpaths.as_it_comes():
        _, general = Renderer().render(invoice, settings)
    assert quick == general


def test_an_english_invoice_in_euros_is_the_same_pdf_by_either_path(renderer: Renderer,
                                                                     settings: Settings) -> None:
    invoice = foreign_invoice(vat_number="SE556677889901", country="SE", language="en",
                              vat=False, currency="EUR")
    quick, general = both_ways(renderer, invoice, settings)
    assert quick == general
