"""The page as the reader sees it is the same whether drawn in one pass or as the seller's
sheet (letterhead, footer texts, the FI slip's frame; rendered once) under the invoice's own
content: the same pages, every piece of text in the same font at the same place."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pytest
import tinyhtml5
from test_render import NUMBERS, SAMPLES, Run, read_back

from infra.invoice_file import load_invoice
from faktura.settings import Settings
from renderer.document import build_view
from renderer.render import EmbeddedFile, Renderer


def placed(runs: list[Run]) -> Counter:
    """Text, font (without its subset tag) and place to a hundredth of a millimetre."""
    return Counter((run.text, run.font.split("+")[-1], round(run.x, 2), round(run.y, 2))
                   for run in runs)


def long_invoice(lines: int):
    invoice = load_invoice(SAMPLES / "03-long-annual.json").with_number("20260099")
    base = invoice.lines
    return invoice.model_copy(update={"lines": [base[i % len(base)] for i in range(lines)]})


CASES = [(name, number) for name, number in NUMBERS.items()] + [("01-one-line", None)]


@pytest.mark.parametrize(("name", "number"), CASES,
                         ids=[f"{n}-{'draft' if x is None else 'numbered'}" for n, x in CASES])
def test_the_sheet_under_the_content_is_the_single_pass_page(
    renderer: Renderer, settings: Settings, name: str, number: str | None,
) -> None:
    invoice = load_invoice(SAMPLES / f"{name}.json")
    if number is not None:
        invoice = invoice.with_number(number)
    view = build_view(invoice, settings, draft=number is None)
    single = read_back(view, renderer.pdf_from_html(renderer.html(view)))
    layered = read_back(view, renderer.pdf(view))
    assert layered.pages == single.pages
    for page in range(single.pages):
        assert placed(layered.runs[page]) == placed(single.runs[page]), page


def test_a_long_invoice_breaks_its_pages_where_the_single_pass_does(
    renderer: Renderer, settings: Settings,
) -> None:
    view = build_view(long_invoice(120), settings)
    single = read_back(view, renderer.pdf_from_html(renderer.html(view)))
    layered = read_back(view, renderer.pdf(view))
    assert layered.pages == single.pages >= 4
    for page in range(single.pages):
        assert placed(layered.runs[page]) == placed(single.runs[page]), page
        assert f"Side {page + 1} af {single.pages}" in layered.texts[page]


def test_the_sheet_is_rendered_once_per_seller_and_follows_the_settings(
    renderer: Renderer, settings: Settings,
) -> None:
    first = build_view(load_invoice(SAMPLES / "01-one-line.json").with_number("1"), settings)
    second = build_view(load_invoice(SAMPLES / "04-mixed-vat.json").with_number("2"), settings)
    assert renderer.sheet(first) is renderer.sheet(second)
    renamed = settings.model_copy(update={"seller": settings.seller.model_copy(
        update={"name": "Nyt Navn ApS"})})
    view = build_view(load_invoice(SAMPLES / "01-one-line.json").with_number("3"), renamed)
    assert renderer.sheet(view) is not renderer.sheet(first)
    reader = pypdf.PdfReader(io.BytesIO(renderer.pdf(view)))
    text = reader.pages[0].extract_text()
    assert text.count("Nyt Navn ApS") == 2  # the letterhead and the slip's payee


def test_the_sheet_holds_nothing_of_the_invoice(renderer: Renderer, settings: Settings) -> None:
    view = build_view(load_invoice(SAMPLES / "01-one-line.json").with_number("20260001"),
                      settings)
    reader = pypdf.PdfReader(io.BytesIO(renderer.sheet(view).pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for own in ("20260001", "Bageriet", "15.625", "15625", "10.11.2026", "Side"):
        assert own not in text, own
    assert "INDBETALINGSKORT" in text and "+85000012<" in text


def font_files(pdf: bytes) -> dict[str, list[bytes]]:
    """The embedded font files by their font's name without the subset tag."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    files: dict[str, list[bytes]] = {}
    seen: set[int] = set()
    for page in reader.pages:
        forms = [page] + [xobject.get_object() for xobject in
                          page["/Resources"].get("/XObject", {}).values()]
        for holder in forms:
            for font in holder["/Resources"].get("/Font", {}).values():
                font = font.get_object()
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                    file = descriptor.raw_get("/FontFile3")
                    name = str(descriptor["/FontName"]).split("+")[-1]
                    if file.idnum not in seen:
                        seen.add(file.idnum)
                        files.setdefault(name, []).append(file.get_object().get_data())
    return files


def test_each_font_is_embedded_once_and_invoices_share_its_subset(
    renderer: Renderer, settings: Settings,
) -> None:
    one = build_view(load_invoice(SAMPLES / "01-one-line.json").with_number("20260001"),
                     settings)
    other = build_view(load_invoice(SAMPLES / "04-mixed-vat.json").with_number("20260004"),
                       settings)
    first, second = font_files(renderer.pdf(one)), font_files(renderer.pdf(other))
    assert {"Faktura-Sans", "Faktura-Sans-Semi-Bold", "Faktura-Sans-Bold",
            "Faktura-OCR-B"} <= set(first)
    assert all(len(files) == 1 for files in first.values()), "the sheet's copy is not shared"
    assert first == second  # the same bytes: made and compressed once per process


def test_letters_beyond_the_shared_subset_are_drawn_and_read_back(
    renderer: Renderer, settings: Settings,
) -> None:
    name = "Nguyễn Thị Ánh · Ωmega Ltd"
    invoice = load_invoice(SAMPLES / "01-one-line.json").with_number("20260005")
    invoice = invoice.model_copy(update={"customer": invoice.customer.model_copy(
        update={"name": name})})
    view = build_view(invoice, settings)
    single = read_back(view, renderer.pdf_from_html(renderer.html(view)))
    layered = read_back(view, renderer.pdf(view))
    assert name in layered.texts[0]
    assert placed(layered.runs[0]) == placed(single.runs[0])
    plain = renderer.pdf(build_view(load_invoice(SAMPLES / "01-one-line.json"), settings))
    [shared] = font_files(plain)["Faktura-Sans-Semi-Bold"]
    # the sheet keeps the shared subset; the content's own also holds the name's letters
    sheet, content = sorted(font_files(layered.pdf)["Faktura-Sans-Semi-Bold"], key=len)
    assert sheet == shared and len(content) > len(shared)


_RENDER_ELSEWHERE = """
import hashlib, sys
from infra.invoice_file import load_invoice
from infra.settings_files import load_settings
from pathlib import Path
from renderer.render import EmbeddedFile, Renderer
samples = Path(sys.argv[1])
invoice = load_invoice(samples / "01-one-line.json").with_number("20260003")
xml = EmbeddedFile("invoice.xml", b"<Invoice/>", "e-invoice")
pdf = Renderer().render(invoice, load_settings(samples / "settings.toml"),
                        pdf_variant="pdf/a-3b", attachments=[xml])[1]
print(hashlib.sha256(pdf).hexdigest())
"""


def test_an_invoice_rendered_again_elsewhere_is_the_same_bytes(
    renderer: Renderer, settings: Settings,
) -> None:
    """A batch resumed after a crash renders an invoice again (in a new process, after other
    invoices) and must find the bytes it may already have archived."""
    for other in ("04-mixed-vat", "02-consulting-month.timelog"):
        renderer.render(load_invoice(SAMPLES / f"{other}.json").with_number("20260001"),
                        settings)
    invoice = load_invoice(SAMPLES / "01-one-line.json").with_number("20260003")
    xml = EmbeddedFile("invoice.xml", b"<Invoice/>", "e-invoice")
    here = renderer.render(invoice, settings, pdf_variant="pdf/a-3b", attachments=[xml])[1]
    elsewhere = subprocess.run(
        [sys.executable, "-c", _RENDER_ELSEWHERE, str(SAMPLES)], cwd=SAMPLES.parent,
        capture_output=True, text=True, check=True, timeout=120).stdout.split()[-1]
    assert hashlib.sha256(here).hexdigest() == elsewhere


def test_invoices_rendered_side_by_side_in_threads_are_the_same_bytes(
    renderer: Renderer, settings: Settings,
) -> None:
    """A server's threads share one renderer and each seller's sheet: renders at the same
    time give the bytes of renders one after another."""
    invoices = [load_invoice(SAMPLES / f"{name}.json").with_number(f"2026004{i}")
                for i, name in enumerate(("01-one-line", "04-mixed-vat") * 3)]
    alone = [renderer.render(invoice, settings)[1] for invoice in invoices]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda invoice: renderer.render(invoice, settings)[1],
                                 invoices))
    assert together == alone


def tree(element) -> list:
    """Tags, attributes and text, whitespace runs as one space (what the layout reads)."""
    out = []
    for node in element.iter():
        out.append((node.tag, sorted(node.attrib.items()), " ".join((node.text or "").split()),
                    " ".join((node.tail or "").split())))
    return out


@pytest.mark.parametrize("layer", ["whole", "sheet", "content"])
def test_the_template_parses_to_the_same_tree_as_xml_and_as_html(
    renderer: Renderer, settings: Settings, layer: str,
) -> None:
    from xml.etree import ElementTree

    for name in [*NUMBERS, "03-long-annual"]:
        view = build_view(load_invoice(SAMPLES / f"{name}.json").with_number("7"), settings)
        sheet = renderer.sheet(view) if layer == "content" else None
        html = renderer._template.render(view=view, stylesheet_href=None, layer=layer,
                                         sheet=sheet)
        as_html = tinyhtml5.parse(html, namespace_html_elements=False)
        assert tree(ElementTree.fromstring(html)) == tree(as_html), name


def test_the_html_preview_is_the_whole_page(renderer: Renderer, settings: Settings,
                                            tmp_path: Path) -> None:
    view = build_view(load_invoice(SAMPLES / "01-one-line.json").with_number("20260001"),
                      settings)
    html = renderer.html(view)
    assert "letterhead-space" not in html and "data-slot" not in html
    assert "Revisorhuset ApS" in html and "Bageriet Kornblomsten" in html
    assert "+71&lt;000000202600011+85000012&lt;" in html
