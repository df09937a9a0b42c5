"""The renderer's faster paths through WeasyPrint (`renderer.fastpaths`) change nothing a
reader could see: every bundled sample, a long invoice and one with long texts give the very
same PDF bytes as WeasyPrint's own paths, and so do long credit notes (with long
descriptions) and invoices in euros, an English invoice to a foreign customer, texts that
cannot break (long names, item numbers, discounts), texts in other scripts, a draft with its
watermark, a PDF/A-3b carrying its e-invoice, the same words set in every way their shape
depends on, the same texts measured and laid out at many widths, and the seller's sheet
itself (letterhead, footer and payment slip, laid out once by each renderer and kept)."""

from __future__ import annotations

import logging

import pytest
from test_render import SAMPLES
from test_render_chunked import long_invoice
from test_render_foreign import invoice as foreign_invoice
from test_render_long_text import long_invoice as unbreakable_invoice

from einvoice import build
from faktura.computed import compute
from faktura.settings import Settings
from infra.invoice_file import load_invoice
from renderer import drawpaths, fastpaths
from renderer.document import build_view
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


def test_texts_in_other_scripts_and_symbols_are_the_same_pdf_by_either_path(
        renderer: Renderer, settings: Settings) -> None:
    texts = ["Rådgivning\tefter aftale", "Консультационные услуги", "Café crème – naïve façade",
             "Support ✓ € ™ → ½ ‰", "Συμβουλευτικές υπηρεσίες", "Tiếng Việt",
             "Ra\u030adgivning og mo\u0308de", "Linje\nto\r\nog tre", "Łódź · Straße · Øresund"]
    invoice = long_invoice(len(texts) * 2, sample="04-mixed-vat.json")
    lines = [line.model_copy(update={"text": texts[index % len(texts)]})
             for index, line in enumerate(invoice.lines)]
    quick, general = both_ways(renderer, invoice.model_copy(update={"lines": lines}), settings)
    assert quick == general


#: The same words set in every way the text's shape depends on, in one document.
SAME_WORDS_SET_APART = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"/><style>
p { margin: 0 0 2mm; font-size: 10pt; }
.j { text-align: justify; width: 60mm; }
.e { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; width: 25mm; }
.w { overflow-wrap: anywhere; width: 20mm; }
</style></head><body>
<p>Rådgivning 1.250,00 fi ffl</p><p><b>Rådgivning 1.250,00 fi ffl</b></p>
<p><i>Rådgivning 1.250,00 fi ffl</i></p><p style="font-size: 12pt">Rådgivning 1.250,00 fi ffl</p>
<p style="letter-spacing: 1pt">Rådgivning 1.250,00 fi ffl</p>
<p style="word-spacing: 4pt">Rådgivning 1.250,00 fi ffl</p>
<p style="font-variant-numeric: tabular-nums">Rådgivning 1.250,00 fi ffl</p>
<p style="font-feature-settings: 'liga' 0">Rådgivning 1.250,00 fi ffl</p>
<p style="font-kerning: none">Rådgivning 1.250,00 fi ffl</p>
<p style="font-variant-caps: small-caps">Rådgivning 1.250,00 fi ffl</p>
<p lang="en">Rådgivning 1.250,00 fi ffl</p><p dir="rtl">Rådgivning 1.250,00 fi ffl</p>
<p style="white-space: pre; tab-size: 2">Rådgivning\t1.250,00 fi ffl</p>
<p style="white-space: pre; tab-size: 8">Rådgivning\t1.250,00 fi ffl</p>
<p class="j">Rådgivning 1.250,00 fi ffl Rådgivning 1.250,00 fi ffl Rådgivning 1.250,00 fi ffl</p>
<p class="e">Rådgivning 1.250,00 fi ffl Rådgivning</p>
<p class="w">Rådgivningsydelser1.250,00fiffl</p>
<p><u>Rådgivning</u> <s>1.250,00</s> <span style="color: #c00">fi ffl</span></p>
<p style="color: rgba(0, 0, 0, 0.5)">Rådgivning 1.250,00 fi ffl</p>
<p style="color: hsl(120, 50%, 40%)">Rådgivning 1.250,00 fi ffl</p>
<p>会計 ✓ 🙂 ﷽</p><p>会計 ✓ 🙂 ﷽</p>
<table style="border-collapse: collapse"><tr><td style="border: 1pt dashed red">Rådgivning</td>
<td style="border: 2pt double blue">1.250,00</td><td style="border: 1pt solid">fi ffl</td></tr>
</table>
</body></html>"""


def test_the_same_words_set_apart_are_the_same_pdf_by_either_path(
        renderer: Renderer, caplog: pytest.LogCaptureFixture) -> None:
    """The same bytes, and the same warnings of characters the fonts cannot print."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    quick = renderer.pdf_from_html(SAME_WORDS_SET_APART)
    quick_warnings = [record.getMessage() for record in caplog.records]
    caplog.clear()
    with fastpaths.as_it_comes():
        general = renderer.pdf_from_html(SAME_WORDS_SET_APART)
    assert quick == general
    assert quick_warnings == [record.getMessage() for record in caplog.records]
    assert quick_warnings


@pytest.mark.parametrize("name", ["01-one-line.json", "03-long-annual.json"])
def test_a_written_pdf_and_its_identifier_are_the_same_by_either_path(
        renderer: Renderer, settings: Settings, name: str) -> None:
    """The PDF as WeasyPrint writes it, before the sheet goes under it: pydyf's /ID hashes
    every object's bytes."""
    html = renderer.html(build_view(load_invoice(SAMPLES / name), settings))
    quick = renderer.pdf_from_html(html)
    with fastpaths.as_it_comes():
        general = renderer.pdf_from_html(html)
    assert b"/ID [" in quick and quick == general


#: Elements alike in tag and attributes whose rules differ by their ancestors (kept for their
#: place) or by their siblings and content (matched by cssselect2 for each element).
RULES_BY_PLACE = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"/><style>
p { margin: 0 0 2mm; }
.box p { color: #c00; } section p span { font-size: 14pt; } [hidden] { display: none; }
p[data-kind="total"] { font-weight: bold; }
</style>{extra}</head><body>
<p>Rådgivning <span>1.250,00</span></p>
<div class="box"><p>Rådgivning <span>1.250,00</span></p>
<section><p>Rådgivning <span>1.250,00</span></p><p hidden="">Skjult</p></section></div>
<section><p>Rådgivning <span>1.250,00</span></p></section>
<ul><li>Første</li><li>Anden</li><li>Tredje</li></ul><p></p><p data-kind="total">Total</p>
<p style="height: 6mm">Rådgivning</p><p style="height: 6mm">Rådgivning</p>
<p style="height: 6mm; color: #0a0">Rådgivning</p>
</body></html>"""
SIBLING_RULES = """<style>li:first-child { color: #00c; } li + li { font-style: italic; }
p:empty { height: 5mm; background: #eee; } .box > p { text-decoration: underline; }</style>"""


@pytest.mark.parametrize("extra", ["", SIBLING_RULES])
def test_rules_matched_by_an_elements_place_are_the_same_pdf_by_either_path(
        renderer: Renderer, extra: str) -> None:
    html = RULES_BY_PLACE.replace("{extra}", extra)
    quick = renderer.pdf_from_html(html)
    again = renderer.pdf_from_html(html)
    with fastpaths.as_it_comes():
        general = renderer.pdf_from_html(html)
    assert quick == again == general


def test_only_selectors_of_an_element_and_its_ancestors_are_kept_for_its_place() -> None:
    from weasyprint import CSS

    from renderer.layoutpaths import _reads_element_and_ancestors

    plain = CSS(string=".box p, section p span, [hidden], p[data-kind=total], :root, "
                       "p:not(.x) { color: red }")
    matcher = plain.matcher
    assert len(matcher.other_selectors) + sum(
        len(entries) for group in (matcher.id_selectors, matcher.class_selectors,
                                   matcher.lower_local_name_selectors)
        for entries in group.values()) == 6
    assert _reads_element_and_ancestors(plain.matcher)
    for selector in ("li:first-child", "li + li", "li ~ li", "p:empty", "p:lang(da)",
                     "li:nth-child(2)", "p:last-of-type", "p:has(span)", "div > p"):
        sheet = CSS(string=f"{selector} {{ color: red }}")
        assert not _reads_element_and_ancestors(sheet.matcher), selector


#: The same texts measured and laid out at many widths in one document: in cells of tables
#: laid out automatically (their min- and max-content widths), in blocks narrower and wider
#: than the texts, broken at spaces, soft hyphens and by hyphenation, kept whole.
THE_SAME_TEXTS_AT_MANY_WIDTHS = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"/>
<style>
body { font-size: 10pt; } div { margin: 0 0 1mm; }
.h { hyphens: auto; } .n { white-space: nowrap; } .p { white-space: pre-line; }
.a { overflow-wrap: anywhere; } .b { overflow-wrap: break-word; }
</style></head><body>
""" + "".join(
    f'<div style="width: {width}mm">{text}</div>'
    f'<div class="{kind}" style="width: {width}mm">{text}</div>'
    f'<table><tr><td>{text}</td><td class="{kind}">12.500,00</td></tr></table>'
    for width in (4, 12, 25, 40, 80, 190)
    for kind in ("h", "n", "p", "a", "b")
    for text in ("Momspligtigt beløb", "Moms 25 % af 12.500,00", "12.500,00",
                 "Rådgivnings&shy;ydelser efter&shy;regning", "CVR-nr. 25781236",
                 "Konsulentbistandsydelser vedrørende årsafslutningen",
                 "I alt DKK   ", "Linje\nto og tre")) + "</body></html>"


def test_the_same_texts_at_many_widths_are_the_same_pdf_by_either_path(
        renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes; and most lines are drawn with the glyphs Pango gave them when they
    were measured (`renderer.drawpaths._laid_line`), not shaped again."""
    laid, shaped = [], []
    laid_line = drawpaths._laid_line

    def counted(textbox):
        line = laid_line(textbox)
        (shaped if line is None else laid).append(textbox.text)
        return line

    monkeypatch.setattr(drawpaths, "_laid_line", counted)
    quick = renderer.pdf_from_html(THE_SAME_TEXTS_AT_MANY_WIDTHS)
    with fastpaths.as_it_comes():
        general = renderer.pdf_from_html(THE_SAME_TEXTS_AT_MANY_WIDTHS)
    assert quick == general
    assert len(laid) > 2 * len(shaped)
