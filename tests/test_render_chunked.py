"""A long invoice written in two pieces (renderer/chunked.py), laid out side by side (the
second piece by another renderer, as a sibling worker of the render pool does) or in one
pass, is the single pass's document: the same pages, broken before the same rows, every piece
of text in the same font at the same place (to 0.01 mm), the same "Side x af y" on every
page; and both ways give the same bytes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from test_render import SAMPLES, read_back
from test_render_layers import font_files, placed

from faktura.settings import Settings
from infra.invoice_file import load_invoice
from renderer import chunked
from renderer.document import build_view
from renderer.render import Renderer

SIDE_BY_SIDE: list[bool] = []  # whether each render of `helped` was laid out side by side


class Beside:
    """Lays out the second piece in a renderer of its own (`chunked.PieceLayouter`); the
    render pool's sibling worker does so in its process."""

    def __init__(self) -> None:
        self.renderer = Renderer()
        self.fail = False

    def submit(self, *args: Any) -> Any:
        beside = self

        class Later:
            def result(self) -> chunked.LaidOut:
                if beside.fail:
                    raise EOFError("the other process is gone")
                return chunked.lay_out_piece(beside.renderer, *args)

        return Later()


@pytest.fixture(scope="module")
def helped() -> Iterator[Renderer]:
    """A renderer whose second pieces another renderer lays out."""
    with pytest.MonkeyPatch.context() as patch:
        original = chunked._side_by_side

        def spied(*args):
            laid = original(*args)
            SIDE_BY_SIDE.append(laid is not None)
            return laid

        patch.setattr(chunked, "_side_by_side", spied)
        renderer = Renderer()
        renderer.layout_helper = Beside()
        yield renderer


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    """Alone: a long invoice is laid out in one pass and written in the two pieces."""
    return Renderer()


def long_invoice(lines: int, *, sample: str = "03-long-annual.json", number: str | None =
                 "20260099", **changes):
    invoice = load_invoice(SAMPLES / sample)
    if number is not None:
        invoice = invoice.with_number(number)
    base = invoice.lines
    rows = [base[i % len(base)] for i in range(lines)]
    return invoice.model_copy(update={"lines": rows, **changes})


def in_pieces(renderer: Renderer, view) -> bool:
    """Whether the renderer writes this invoice in two pieces (rather than in one)."""
    laid = chunked.render(renderer, None, view, renderer.sheet(view),
                          None, ())
    return laid is not None and len(laid) == 2


def assert_single_pass(renderer: Renderer, helped: Renderer, view,
                       side_by_side: bool = True) -> int:
    """The pages of both ways are the single pass's; both are the same bytes; the helped
    renderer laid them out side by side (or not)."""
    single = read_back(view, renderer.pdf_from_html(renderer.html(view)))
    alone = renderer.pdf(view)
    SIDE_BY_SIDE.clear()
    assert helped.pdf(view) == alone
    assert (True in SIDE_BY_SIDE) == side_by_side
    pieces = read_back(view, alone)
    assert pieces.pages == single.pages
    for page in range(single.pages):
        assert placed(pieces.runs[page]) == placed(single.runs[page]), page
        assert f"Side {page + 1} af {single.pages}" in pieces.texts[page]
    return single.pages


@pytest.mark.parametrize("lines", [200, 120, 75])
def test_a_long_invoice_in_pieces_is_the_single_pass(
    renderer: Renderer, helped: Renderer, settings: Settings, lines: int,
) -> None:
    view = build_view(long_invoice(lines), settings)
    assert in_pieces(renderer, view)
    assert assert_single_pass(renderer, helped, view) >= 3


def test_a_long_draft_and_a_long_credit_note_are_the_single_pass(
    renderer: Renderer, helped: Renderer, settings: Settings,
) -> None:
    draft = build_view(long_invoice(150, number=None), settings, draft=True)
    assert in_pieces(renderer, draft)
    assert_single_pass(renderer, helped, draft)
    credit = long_invoice(140, sample="05-credit-note.json")
    credit_view = build_view(credit, settings)
    assert credit_view.invoice.is_credit_note and in_pieces(renderer, credit_view)
    assert_single_pass(renderer, helped, credit_view)


def test_wrapped_texts_and_short_invoices_are_the_single_pass_too(
    renderer: Renderer, helped: Renderer, settings: Settings,
) -> None:
    """Rows whose texts wrap are not predicted: laid out in one pass, written in two pieces;
    a two-page invoice is written whole."""
    invoice = long_invoice(120)
    wordy = "Gennemgang af bilag, afstemning af mellemregninger og rådgivning om moms " * 2
    rows = [line.model_copy(update={"text": wordy}) if i % 7 == 3 else line
            for i, line in enumerate(invoice.lines)]
    wrapped = build_view(invoice.model_copy(update={"lines": rows}), settings)
    assert in_pieces(renderer, wrapped)
    assert assert_single_pass(renderer, helped, wrapped, side_by_side=False) >= 3
    short = build_view(long_invoice(45), settings)
    assert not in_pieces(renderer, short)
    assert assert_single_pass(renderer, helped, short, side_by_side=False) == 2


def test_a_last_page_filled_to_the_end_is_the_single_pass(
    renderer: Renderer, helped: Renderer, settings: Settings,
) -> None:
    """Of the invoices of 90 to 130 lines laid out in pieces, the one whose ending fills its
    last page the closest to the bottom."""
    tightest = None
    for lines in range(90, 131):
        view = build_view(long_invoice(lines), settings)
        geometry, kinds = probe(renderer, view)
        the_plan = chunked.plan(geometry, kinds)
        if the_plan is None:
            continue
        room = room_below_the_ending(geometry, kinds)
        if tightest is None or room < tightest[0]:
            tightest = (room, view)
    assert tightest is not None and tightest[0] < 25  # px: less than one row
    assert in_pieces(renderer, tightest[1])
    assert_single_pass(renderer, helped, tightest[1])


def probe(renderer: Renderer, view):
    rows = view.rows()
    line = next(row for row in rows if not row.line.is_text)
    text = next(row for row in rows if row.line.is_text)
    sample = [rows[0], line, line, text, text, line]
    html = renderer._template.render(view=view, stylesheet_href=None, layer="content",
                                     sheet=renderer.sheet(view), part="probe", rows=sample,
                                     first_row=0)
    kinds = ["text" if row.line.is_text else "line" for row in rows]
    return (chunked.measure(renderer._layout(html, template=True),
                            ["text" if row.line.is_text else "line" for row in sample]), kinds)


def room_below_the_ending(geometry: chunked.Geometry, kinds: list[str]) -> float:
    y, start = geometry.first_top, 0
    for index, kind in enumerate(kinds):
        height = geometry.heights[(kind, kinds[index - 1] if index else "head")]
        if y + height > geometry.page_bottom and index != start:
            y, start = geometry.continued_top, index
        y += height
    return geometry.page_bottom - (y + geometry.ending_gap + geometry.ending_height)


def test_the_e_invoice_is_embedded_once_and_a_failed_piece_changes_nothing(
    renderer: Renderer, helped: Renderer, settings: Settings,
) -> None:
    from renderer.embedded import EmbeddedFile

    xml = EmbeddedFile("invoice.xml", b"<Invoice/>", "e-invoice")
    invoice = long_invoice(130, note="Tak for samarbejdet")
    alone = renderer.render(invoice, settings, pdf_variant="pdf/a-3b", attachments=[xml])[1]
    SIDE_BY_SIDE.clear()
    assert helped.render(invoice, settings, pdf_variant="pdf/a-3b", attachments=[xml])[1] == alone
    reader = pypdf.PdfReader(io.BytesIO(alone))
    assert list(reader.attachments) == ["invoice.xml"] and len(reader.pages) >= 3
    helped.layout_helper.fail = True
    try:
        assert helped.render(invoice, settings, pdf_variant="pdf/a-3b",
                             attachments=[xml])[1] == alone
    finally:
        helped.layout_helper.fail = False
    assert SIDE_BY_SIDE == [True, False]  # the second laid out in one pass


def test_the_pieces_share_the_sheet_and_the_fonts(
    renderer: Renderer, settings: Settings,
) -> None:
    """Each piece has the sheet laid under its pages as it is written; joined, each sheet
    page's form and each font file is stored once."""
    view = build_view(long_invoice(120), settings)
    assert in_pieces(renderer, view)
    pdf = renderer.pdf(view)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    forms: dict[str, set[int]] = {}
    for page in reader.pages:
        for name, form in page["/Resources"]["/XObject"].items():
            if name.startswith("/Sheet"):
                forms.setdefault(name, set()).add(form.idnum)
    assert sorted(forms) == ["/Sheet0", "/Sheet1", "/Sheet2"]
    assert all(len(objects) == 1 for objects in forms.values()), forms
    assert all(len(files) == 1 for files in font_files(pdf).values())
