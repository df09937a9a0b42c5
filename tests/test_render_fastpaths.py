"""The renderer's faster paths through WeasyPrint (`renderer.fastpaths`) change nothing a
reader could see: every bundled sample, long invoices (in kroner and euros, a credit note),
long and wrapped texts, a draft with its watermark and a PDF/A-3b carrying its e-invoice
give the very same PDF bytes as WeasyPrint's own paths."""

from __future__ import annotations

import pytest
from test_render import SAMPLES
from test_render_chunked import long_invoice

from einvoice import build
from faktura.computed import compute
from faktura.settings import Settings
from infra.invoice_file import load_invoice
from renderer import fastpaths
from renderer.render import EmbeddedFile, Renderer

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



def test_a_draft_with_its_watermark_is_the_same_pdf_by_either_path(renderer: Renderer,
                                                                  settings: Settings) -> None:
    invoice = load_invoice(SAMPLES / "04-mixed-vat.json")
    _, quick = renderer.render(invoice, settings, draft=True)
    with fastpaths.as_it_comes():
        _, general = renderer.render(invoice, settings, draft=True)
    assert quick == general


def test_a_pdf_a_3b_carrying_its_e_invoice_is_the_same_pdf_by_either_path(
        renderer: Renderer, settings: Settings) -> None:
    invoice = load_invoice(SAMPLES / "02-consulting-month.timelog.json").with_number("5123")
    einvoice = build(compute(invoice, settings), settings, "peppol")
    attachments = [EmbeddedFile(einvoice.filename, einvoice.xml, einvoice.format_name)]
    _, quick = renderer.render(invoice, settings, pdf_variant="pdf/a-3b",
                               attachments=attachments)
    with fastpaths.as_it_comes():
        _, general = renderer.render(invoice, settings, pdf_variant="pdf/a-3b",
                                     attachments=attachments)
    assert quick == general


def test_long_descriptions_in_a_long_credit_note_are_the_same_pdf_by_either_path(
        renderer: Renderer, settings: Settings) -> None:
    invoice = long_invoice(60, sample="05-credit-note.json")
    words = "Konsulentbistand vedrørende årsafslutning, moms og lønindberetning – "
    lines = [line.model_copy(update={"text": words * (1 + index % 7)})
             for index, line in enumerate(invoice.lines)]
    quick, general = both_ways(renderer, invoice.model_copy(update={"lines": lines}), settings)
    assert quick == general


def test_a_euro_invoice_of_many_lines_is_the_same_pdf_by_either_path(
        renderer: Renderer, settings: Settings) -> None:
    quick, general = both_ways(renderer, long_invoice(80, sample="06-eur-invoice.json"),
                               settings)
    assert quick == general

