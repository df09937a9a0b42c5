"""Rendered PDFs, read back (in the style of WeasyPrint's own tests: which page, which text, where).

Each PDF is rendered once per module (`rendered`): a render costs 0.3–2 s.
Positions are in mm from the bottom-left corner of the A4 sheet, taken from the text matrices
pypdf reports; the FI slip is the bottom 101.6 mm, its machine-reading zone the bottom 21 mm.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from fontTools.ttLib import TTFont

from faktura import fik
from faktura.model import Invoice
from infra.invoice_file import load_invoice
from faktura.settings import Settings
from renderer.document import InvoiceView
from renderer.render import Renderer
from tools_support import need_program

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CREDITOR = "85000012"
PT_TO_MM = 25.4 / 72
SLIP_MM = 101.6
MACHINE_ZONE_MM = 21
A4 = (210, 297)
NUMBERS = {
    "01-one-line": "20260001",
    "02-consulting-month.timelog": "20260002",
    "03-long-annual": "20260003",
    "04-mixed-vat": "20260004",
    "05-credit-note": "20260005",
    "06-eur-invoice": "20260006",
}
DKK_INVOICES = ["01-one-line", "02-consulting-month.timelog", "03-long-annual", "04-mixed-vat"]
FOOTER = "Revisorhuset ApS · Vestergade 12, 2. · 8000 Aarhus C · CVR 31415926"
FOOTER_EN = "Revisorhuset ApS · Vestergade 12, 2. · DK-8000 Aarhus C · VAT no. DK31415926"
TABLE_HEADER = "Varenr. Tekst Antal Enhed Pris ekskl. moms Beløb (DKK)"


@dataclass(frozen=True)
class Run:
    """One piece of text as drawn: its text, font, and position in mm."""

    text: str
    font: str
    x: float
    y: float


@dataclass
class Rendered:
    view: InvoiceView
    pdf: bytes
    reader: pypdf.PdfReader
    texts: list[str]  # per page
    runs: list[list[Run]]  # per page

    @property
    def pages(self) -> int:
        return len(self.texts)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def runs_with(self, page: int, needle: str) -> list[Run]:
        return [run for run in self.runs[page] if needle in run.text]


def text_and_runs(page: pypdf.PageObject) -> tuple[str, list[Run]]:
    out: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None,
              size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font["/BaseFont"]) if font else ""
        out.append(Run(text.strip(), name, x * PT_TO_MM, y * PT_TO_MM))

    text = page.extract_text(visitor_text=visit)
    return text, out


def read_back(view: InvoiceView, pdf: bytes) -> Rendered:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = [text_and_runs(page) for page in reader.pages]
    return Rendered(view, pdf, reader, [text for text, _ in pages], [runs for _, runs in pages])


@pytest.fixture(scope="module")
def rendered(renderer: Renderer, settings: Settings) -> Callable[..., Rendered]:
    """`rendered("01-one-line")` → the numbered sample; `number=None` → the draft. Cached."""
    cache: dict[tuple[str, str | None], Rendered] = {}

    def get(name: str, number: str | None = "default") -> Rendered:
        number = NUMBERS[name] if number == "default" else number
        key = (name, number)
        if key not in cache:
            invoice = load_invoice(SAMPLES / f"{name}.json")
            if number is not None:
                invoice = invoice.with_number(number)
            cache[key] = read_back(*renderer.render(invoice, settings))
        return cache[key]

    return get


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


# --- the FI code line ------------------------------------------------------------------------

@pytest.mark.parametrize("name", DKK_INVOICES)
def test_the_code_line_is_printed_in_ocr_b_in_the_machine_zone_of_the_last_page(
    rendered: Callable[..., Rendered], name: str,
) -> None:
    doc = rendered(name)
    expected = fik.code_line("71", CREDITOR, NUMBERS[name])
    assert doc.view.fi_slip is not None and doc.view.fi_slip.code_line == expected
    last = doc.pages - 1
    zone = [run for run in doc.runs[last] if run.y < MACHINE_ZONE_MM]
    assert [run.text for run in zone] == [expected]  # nothing else in the machine zone
    assert zone[0].font.endswith("+Faktura-OCR-B")
    # Once in all: on the slip (the slip carries it; the text does not repeat it).
    assert doc.text.count(expected) == 1
    for page in range(last):  # earlier pages: no code line
        assert not [r for r in doc.runs[page] if r.font.endswith("OCR-B")
                    and r.y < MACHINE_ZONE_MM], page
        assert "INDBETALINGSKORT" not in doc.texts[page]


def test_the_code_line_of_invoice_20260001() -> None:
    # The brief's worked example: invoice 20260001, creditor 85000012.
    assert fik.code_line("71", CREDITOR, "20260001") == "+71<000000202600011+85000012<"


def test_the_slip_fields_hold_the_payment(rendered: Callable[..., Rendered]) -> None:
    doc = rendered("01-one-line")
    slip = {run.text: run for run in doc.runs[0] if run.y < SLIP_MM}
    for text in ("INDBETALINGSKORT", "+71<", "000000202600011", "+85000012<", "15625", "00",
                 "10.11.2026", "Revisorhuset ApS"):
        assert text in slip, text
    for value in ("+71<", "000000202600011", "+85000012<", "15625", "00"):
        assert slip[value].font.endswith("+Faktura-OCR-B")
    # The fields sit side by side without overlapping: kroner left of øre on one line,
    # payment ID right of card type on one line.
    assert abs(slip["15625"].y - slip["00"].y) < 0.5 and slip["15625"].x < slip["00"].x - 25
    assert abs(slip["+71<"].y - slip["000000202600011"].y) < 0.5
    assert slip["000000202600011"].x - slip["+71<"].x > 40


# --- totals, formatted the Danish way --------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("01-one-line", ["Momspligtigt beløb 12.500,00", "Moms 25 % af 12.500,00 3.125,00",
                     "I alt DKK 15.625,00", "Betales senest 10. november 2026: 15.625,00 kr."]),
    ("02-consulting-month.timelog", ["Momspligtigt beløb 105.925,00",
                                     "Moms 25 % af 105.925,00 26.481,25",
                                     "I alt DKK 132.406,25",
                                     "Betales senest 8. november 2026: 132.406,25 kr."]),
    ("03-long-annual", ["Momspligtigt beløb 176.341,25", "Moms 25 % af 176.341,25 44.085,31",
                        "I alt DKK 220.426,56",
                        "Betales senest 28. november 2026: 220.426,56 kr."]),
    ("04-mixed-vat", ["Momspligtigt beløb 9.368,75", "Udlæg † 2.350,00",
                      "Moms 25 % af 9.368,75 2.342,19", "I alt DKK 14.060,94",
                      "† Udlæg, uden for momsgrundlaget",
                      "Betales senest 30. november 2026: 14.060,94 kr."]),
    ("05-credit-note", ["Momspligtigt beløb 2.612,50", "Moms 25 % af 2.612,50 653,13",
                        "Krediteret i alt DKK 3.265,63"]),
    ("06-eur-invoice", ["Subject to VAT 2,439.50", "VAT 25 % of 2,439.50 609.88",
                        "Total EUR 3,049.38", "VAT in DKK (rate 7.4604) 4,549.95",
                        "Please pay by 26 November 2026: EUR 3,049.38"]),
])
def test_totals_are_printed(rendered: Callable[..., Rendered], name: str,
                            expected: list[str]) -> None:
    text = squash(rendered(name).text)
    for line in expected:
        assert line in text, line


def test_line_amounts_are_printed_with_two_decimals(rendered: Callable[..., Rendered]) -> None:
    text = squash(rendered("04-mixed-vat").text)
    # The discount column is blank where a line has none.
    assert "1000 Strategimøde med direktionen 3,50 timer 1.150,00 4.025,00" in text
    assert "1000 Likviditetsbudget 2027 6,25 timer 950,00 10 5.343,75" in text
    assert "1010 Tinglysningsafgift 1 stk. 1.850,00 1.850,00 †" in text
    assert "Pris ekskl. moms Rabat % Beløb (DKK)" in text


def test_the_slip_amount_is_split_in_kroner_and_ore(rendered: Callable[..., Rendered]) -> None:
    doc = rendered("04-mixed-vat")
    slip = [run.text for run in doc.runs[-1] if run.y < SLIP_MM]
    assert "14060" in slip and "94" in slip


# --- pages, footers, the table header --------------------------------------------------------

@pytest.mark.parametrize("name", list(NUMBERS))
def test_every_page_says_side_n_af_m_once_and_has_the_footer_once(
    rendered: Callable[..., Rendered], name: str,
) -> None:
    doc = rendered(name)
    english = doc.view.language == "en"
    for index, text in enumerate(doc.texts, start=1):
        label = (f"Page {index} of {doc.pages}" if english else f"Side {index} af {doc.pages}")
        assert text.count(label) == 1, (index, label)
        footer = FOOTER_EN if english else FOOTER  # [layout.en] footer_text for English
        assert text.count(footer) == 1, index  # the normal footer, or the last page's own


def test_a_short_invoice_fits_on_one_page_with_its_slip(
    rendered: Callable[..., Rendered],
) -> None:
    doc = rendered("04-mixed-vat")  # six lines, two of them headings
    assert doc.pages == 1
    assert "I alt DKK" in doc.texts[0] and "INDBETALINGSKORT" in doc.texts[0]


def test_the_slip_never_stands_alone_the_totals_and_last_line_go_with_it(
    renderer: Renderer, settings: Settings,
) -> None:
    # 04 with six more lines: lines and totals would fit on page 1, the slip would not.
    invoice = load_invoice(SAMPLES / "04-mixed-vat.json").with_number("20260004")
    extra = invoice.lines[1].model_copy()
    invoice = invoice.model_copy(update={"lines": [*invoice.lines, *[extra] * 6]})
    doc = read_back(*renderer.render(invoice, settings))
    assert doc.pages == 2
    assert "I alt DKK" in doc.texts[1] and "INDBETALINGSKORT" in doc.texts[1]
    assert "I alt DKK" not in doc.texts[0]
    assert "Side 1 af 2" in doc.texts[0] and FOOTER in doc.texts[0]
    # The last line of the table is printed on the slip's page, under the repeated header.
    last = invoice.lines[-1].text
    assert last in doc.texts[1] and TABLE_HEADER.split()[0] in doc.texts[1]


def test_the_consulting_month_ends_with_lines_totals_and_slip_on_one_page(
    rendered: Callable[..., Rendered],
) -> None:
    doc = rendered("02-consulting-month.timelog")
    assert doc.pages == 2
    last = squash(doc.texts[1])
    assert "Rådgivning 28.10" in last and "I alt DKK 132.406,25" in last
    assert "INDBETALINGSKORT" in last and "I alt DKK" not in doc.texts[0]


def test_the_long_sample_repeats_the_table_header_and_has_the_slip_only_at_the_end(
    rendered: Callable[..., Rendered],
) -> None:
    doc = rendered("03-long-annual")
    assert doc.pages >= 4
    pages_with_lines = [i for i, text in enumerate(doc.texts) if "timer" in text]
    assert pages_with_lines == list(range(len(pages_with_lines)))  # lines come first
    assert len(pages_with_lines) >= 3
    for index in pages_with_lines:
        texts = [run.text for run in doc.runs[index]]
        assert TABLE_HEADER in squash(doc.texts[index]), index
        # The header is above every line of its page.
        header_y = doc.runs_with(index, "Varenr.")[0].y
        assert all(run.y < header_y for run in doc.runs[index] if run.text == "1000"), index
        if index < doc.pages - 1:
            assert "INDBETALINGSKORT" not in texts
    last = doc.pages - 1
    for index in range(last):
        assert "INDBETALINGSKORT" not in doc.texts[index]
        assert f"Side {index + 1} af {doc.pages}" in doc.texts[index]
    assert doc.texts[last].count("INDBETALINGSKORT") == 1


@pytest.mark.parametrize("name", DKK_INVOICES)
def test_the_slip_is_the_bottom_third_and_nothing_else_is_printed_there(
    rendered: Callable[..., Rendered], name: str,
) -> None:
    doc = rendered(name)
    last = doc.runs[-1]
    title = doc.runs_with(doc.pages - 1, "INDBETALINGSKORT")[0]
    assert title.y < SLIP_MM
    assert title.y > SLIP_MM - 15  # at the top of the slip
    page_number = doc.runs_with(doc.pages - 1, f"Side {doc.pages} af {doc.pages}")[0]
    assert page_number.y > SLIP_MM  # the last page's footer sits above the slip
    for needle in ("I alt DKK", "Betales senest", "Betal med FI-kort", FOOTER[:20]):
        for run in [r for r in last if needle in r.text]:
            assert run.y > SLIP_MM, (needle, run)
    # The invoice body (if any is left for the last page) ends above the last page's footer.
    footer_top = max(r.y for r in doc.runs_with(doc.pages - 1, FOOTER[:20]))
    body = [r for r in last if r.y > page_number.y + 1]
    if body:
        assert min(r.y for r in body) > footer_top + 3


def test_pages_are_a4(rendered: Callable[..., Rendered]) -> None:
    for name in NUMBERS:
        for page in rendered(name).reader.pages:
            width = float(page.mediabox.width) * PT_TO_MM
            height = float(page.mediabox.height) * PT_TO_MM
            assert (round(width), round(height)) == A4


# --- what has no slip ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["05-credit-note", "06-eur-invoice"])
def test_no_slip_on_a_credit_note_or_a_foreign_currency(rendered: Callable[..., Rendered],
                                                       name: str) -> None:
    doc = rendered(name)
    assert doc.view.fi_slip is None
    assert "INDBETALINGSKORT" not in doc.text
    assert "+71<" not in doc.text and CREDITOR not in doc.text
    assert not any(run.font.endswith("Faktura-OCR-B") for page in doc.runs for run in page)


def test_the_credit_note_names_the_invoice_it_credits(rendered: Callable[..., Rendered]) -> None:
    text = squash(rendered("05-credit-note").text)
    assert "Kreditnota 20260005" in text
    assert "Krediterer faktura nr. 20260004" in text
    assert "Beløbet modregnes eller tilbagebetales." in text
    assert "Forfaldsdato" not in text and "Betales senest" not in text


def test_a_draft_says_kladde_and_has_no_code_line(rendered: Callable[..., Rendered]) -> None:
    doc = rendered("01-one-line", number=None)
    assert doc.view.draft and doc.view.fi_slip is None
    assert "KLADDE" in doc.text
    assert "Fakturanr. KLADDE" in squash(doc.text)
    assert "+71<" not in doc.text and "INDBETALINGSKORT" not in doc.text
    assert "Faktura 2026" not in doc.text
    assert "I alt DKK 15.625,00" in squash(doc.text)  # a draft still shows the amounts


def test_the_english_customer_gets_english_labels(rendered: Callable[..., Rendered]) -> None:
    doc = rendered("06-eur-invoice")
    text = squash(doc.text)
    for label in ("Invoice 20260006", "Invoice no. 20260006", "Invoice date 18.11.2026",
                  "Due date 26.11.2026", "Customer no. 1004", "Your ref. Claire Dupont",
                  "Item Description Qty Unit Price excl. VAT Disc. % Amount (EUR)", "Page 1 of 1"):
        assert label in text, label
    for danish in ("Fakturanr.", "Forfaldsdato", "Side 1", "I alt", "Moms ", "Betales"):
        assert danish not in text, danish


def test_the_mixed_vat_invoice_marks_exempt_lines_and_keeps_amounts_aligned(
    rendered: Callable[..., Rendered], tmp_path: Path,
) -> None:
    need_program("pdftotext", "poppler-utils")
    path = tmp_path / "04.pdf"
    path.write_bytes(rendered("04-mixed-vat").pdf)
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    right_edge: dict[str, list[float]] = {}
    for x_max, word in re.findall(r'xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', bbox):
        right_edge.setdefault(word, []).append(float(x_max))
    # Amount column: standard-rated and exempt (marked *) lines end on the same edge.
    edges = [max(right_edge[a]) for a in ("4.025,00", "5.343,75", "1.850,00", "500,00")]
    assert max(edges) - min(edges) < 0.5, edges
    # …and the totals line up with the amount column.
    totals = [max(right_edge[a]) for a in ("9.368,75", "2.350,00", "2.342,19", "14.060,94")]
    assert max(totals) - min(totals) < 0.5, totals
    assert abs(totals[0] - edges[0]) < 0.5


# --- fonts -----------------------------------------------------------------------------------

def embedded_fonts(reader: pypdf.PdfReader) -> dict[str, str]:
    """Base font name → the family name inside the embedded font program."""
    fonts: dict[str, str] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3")
                            if k in descriptor), None)
            assert program is not None, f"{font['/BaseFont']} is not embedded"
            data = program.get_object().get_data()
            names = TTFont(io.BytesIO(data))["name"]
            family = names.getDebugName(16) or names.getDebugName(1)  # typographic family
            fonts[str(font["/BaseFont"])] = family.strip()
    return fonts


def test_inter_and_ocr_b_are_embedded_and_nothing_else(rendered: Callable[..., Rendered]) -> None:
    fonts = embedded_fonts(rendered("01-one-line").reader)
    families = {family.split()[0] if family.startswith("Inter") else family
                for family in fonts.values()}
    assert families == {"Inter", "OCR B"}, fonts
    for name in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+Faktura-(Sans(-Semi-Bold|-Bold)?|OCR-B)", name), name


@pytest.mark.parametrize("name", list(NUMBERS))
def test_pdffonts_reports_every_font_embedded(rendered: Callable[..., Rendered], name: str,
                                              tmp_path: Path) -> None:
    need_program("pdffonts", "poppler-utils")
    path = tmp_path / "doc.pdf"
    path.write_bytes(rendered(name).pdf)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing
    for row in listing:
        columns = row.split()
        assert columns[0].split("+", 1)[1].startswith("Faktura-"), row  # no system font
        emb, sub = columns[-5], columns[-4]
        assert (emb, sub) == ("yes", "yes"), row


# --- the template is not a door: escaping, fetching, the logo --------------------------------

PAYLOAD = '<script>alert(1)</script><img src="file:///etc/passwd">'


def test_markup_in_any_text_field_is_printed_as_text_and_nothing_is_fetched(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from renderer import resources

    fetched: list[str] = []
    original = resources.ProjectOnlyFetcher.fetch

    def recording(self: resources.ProjectOnlyFetcher, url: str, headers: dict | None = None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(resources.ProjectOnlyFetcher, "fetch", recording)
    invoice = Invoice.model_validate({
        "source_id": "X-1", "issue_date": "2026-11-02", "invoice_number": "99",
        "customer": {"customer_number": "9", "name": PAYLOAD,
                     "address": {"line1": PAYLOAD, "city": "Aarhus"}},
        "contact": {"first_name": PAYLOAD},
        "buyer_reference": PAYLOAD, "header": PAYLOAD, "note": PAYLOAD,
        "lines": [{"text": PAYLOAD}, {"text": PAYLOAD, "quantity": "1", "unit_price": "100",
                                      "unit": "stk."}],
    })
    hostile = settings.model_copy(update={"integration": settings.integration.model_copy(
        update={"footer_text": PAYLOAD})})
    renderer = Renderer()
    view, pdf = renderer.render(invoice, hostile)
    html = renderer.html(view)
    assert "<script>" not in html and '<img src="file:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    doc = read_back(view, pdf)
    text = re.sub(r"\s+", "", doc.text)
    assert text.count(re.sub(r"\s+", "", PAYLOAD)) >= 8  # each field, shown literally
    assert fetched, "the fonts are fetched through the project's fetcher"
    for url in fetched:
        assert url.startswith("data:") or "/fonts/" in url or "/templates/" in url, url
    assert not any("passwd" in url for url in fetched)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png",
                                 "https://example.com/font.otf", "ftp://example.com/x",
                                 "file:///work/main/templates/../pyproject.toml"])
def test_the_fetcher_refuses_anything_outside_the_project(url: str) -> None:
    from renderer.resources import ProjectOnlyFetcher, RefusedURL

    with pytest.raises(RefusedURL):
        ProjectOnlyFetcher().fetch(url)


def test_the_fetcher_serves_the_fonts() -> None:
    from renderer.resources import FONTS_DIR, ProjectOnlyFetcher

    response = ProjectOnlyFetcher().fetch((FONTS_DIR / "OCRB.otf").as_uri())
    assert response is not None


def with_logo(settings: Settings, logo: Path) -> Settings:
    return settings.model_copy(update={"seller": settings.seller.model_copy(
        update={"logo": logo})})


@pytest.mark.parametrize("suffix", [".gif", ".html", ".pdf", ""])
def test_a_logo_of_another_type_is_a_clear_error(settings: Settings, tmp_path: Path,
                                                 suffix: str) -> None:
    from renderer.document import build_view
    from renderer.resources import ResourceError

    logo = tmp_path / f"logo{suffix}"
    logo.write_bytes(b"GIF89a")
    invoice = load_invoice(SAMPLES / "01-one-line.json")
    with pytest.raises(ResourceError, match=r"seller\.logo: .* is not an SVG, PNG or JPEG file"):
        build_view(invoice, with_logo(settings, logo))


def test_a_missing_or_huge_logo_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    from renderer.document import build_view
    from renderer.resources import ResourceError

    invoice = load_invoice(SAMPLES / "01-one-line.json")
    with pytest.raises(ResourceError, match="seller.logo: cannot read missing.png"):
        build_view(invoice, with_logo(settings, tmp_path / "missing.png"))
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG" + b"\0" * (2 * 1024 * 1024 + 1))
    with pytest.raises(ResourceError, match="larger than 2 MB"):
        build_view(invoice, with_logo(settings, huge))


def test_a_png_logo_that_is_not_an_image_is_a_clear_error(settings: Settings,
                                                         tmp_path: Path) -> None:
    from renderer.document import build_view
    from renderer.resources import ResourceError

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ResourceError, match="seller.logo: broken.png is not a readable PNG"):
        build_view(load_invoice(SAMPLES / "01-one-line.json"), with_logo(settings, broken))


def test_the_logo_is_printed_in_the_letterhead(rendered: Callable[..., Rendered]) -> None:
    page = rendered("01-one-line").reader.pages[0]
    images = list(page.images)
    assert len(images) == 1
    width, height = images[0].image.size
    assert (width, height) == (720, 180)


# Only span has no browser default of its own (it is inline, as every unknown element).
INLINE_WITHOUT_DEFAULTS = {"span"}


def test_every_element_the_layout_uses_has_its_browser_defaults(
        rendered: Callable[..., Rendered], renderer: Renderer) -> None:
    from renderer.resources import TEMPLATES_DIR

    css = (TEMPLATES_DIR / "user-agent.css").read_text(encoding="utf-8")
    selectors = re.sub(r"/\*.*?\*/|\{[^}]*\}|\[[^]]*\]", " ", css, flags=re.S)
    styled = set(re.findall(r"[a-z][a-z0-9]*", selectors))
    views = [rendered(name).view for name in NUMBERS] + [rendered("01-one-line", None).view]
    used = {tag for view in views for tag in re.findall(r"<([a-z][a-z0-9]*)",
                                                         renderer.html(view))}
    assert used - styled - INLINE_WITHOUT_DEFAULTS == set()


def test_a_negative_total_must_be_a_credit_note(settings: Settings) -> None:
    from faktura.errors import InvalidInput
    from renderer.document import build_view

    invoice = Invoice.model_validate({
        "source_id": "N-1", "issue_date": "2026-11-02",
        "customer": {"customer_number": "1", "name": "A"},
        # exempt +100, standard-rated −100: the lines sum to 0 but the VAT makes it −25.
        "lines": [{"text": "a", "quantity": "1", "unit_price": "100", "vat": False},
                  {"text": "b", "quantity": "-1", "unit_price": "100"}],
    })
    with pytest.raises(InvalidInput, match="credit note"):
        build_view(invoice, settings)
