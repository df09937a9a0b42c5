"""Every PDF the product writes is PDF/A: previews, drafts and the merged print file."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from test_render import NUMBERS, SAMPLES

from infra.invoice_file import load_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.batch import merge_pdfs
from renderer.render import Renderer


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(SAMPLES / "settings.toml")


def assert_pdfa(pdf: bytes) -> pypdf.PdfReader:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp), xmp[:300]  # PDF/A-3
    assert re.search(r'pdfaid:conformance(="|>)B', xmp), xmp[:300]
    assert xmp.encode("utf-8") in pdf  # uncompressed: tools that scan for XMP packets find it
    intents = root["/OutputIntents"]
    assert intents and intents[0].get_object()["/S"] == "/GTS_PDFA1"
    return reader


@pytest.mark.parametrize("number", [None, "20260001"], ids=["draft", "preview"])
def test_a_preview_or_draft_is_pdfa(settings: Settings, number: str | None) -> None:
    invoice = load_invoice(SAMPLES / "01-one-line.json")
    if number:
        invoice = invoice.with_number(number)
    _, pdf = Renderer().render(invoice, settings, draft=number is None)
    assert_pdfa(pdf)


def test_the_merged_print_file_is_pdfa_with_every_page(settings: Settings) -> None:
    renderer = Renderer()
    pdfs = [renderer.render(load_invoice(SAMPLES / f"{name}.json").with_number(number),
                            settings)[1]
            for name, number in list(NUMBERS.items())[:3]]
    pages = sum(len(pypdf.PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs)
    reader = assert_pdfa(merge_pdfs(pdfs))
    assert len(reader.pages) == pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    for number in list(NUMBERS.values())[:3]:
        assert f"Faktura {number}" in text
