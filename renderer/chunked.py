"""A long invoice written as two PDFs, laid out side by side where a core is free.

Laying out the lines table is most of a long invoice's render, and one process uses one core.
A long invoice (MIN_ROWS rows or more) is therefore written as two PDFs of whole pages (the
first half of its pages, the rest), each with the seller's sheet laid under its pages as it is
written, then joined (`renderer.overlay`). Where another process can lay out the second piece (a `PieceLayouter`:
in the render pool, an idle sibling worker, `issuing.renderpool`) and every cell holds one
line, the second PDF is laid out there while this process lays out the first
(`_side_by_side`); everywhere else, and whenever a prediction or that process fails, the
invoice is laid out in one pass and its pages written as the same two PDFs (`split`). Both
give the same bytes.

Side by side, where the single pass breaks its pages is predicted from the rows' heights,
measured on a *probe*: the first page's top (up to the table's header), the first row and the
ending (totals, note, payment, the slip's reserve). Every row of a table whose cells each hold
one line is as high as its kind (a line or a text line) and the border above it make it, so
the breaks follow by adding heights. Each piece proves the prediction: the first is laid out
with one row more than its pages hold, which must begin the page after them; the second
begins with the row above its first page, on a page of its own (dropped), so that its first
page is a continued table exactly as in the single pass (the repeated header, the border of
the row above), and must end on the predicted last page. Page numbers ("Side x af y") are the
single pass's: each piece counts from its own first page and prints the predicted total.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Protocol

from renderer.collector import collector_paused
from renderer.framestack import on_roomy_stack

#: An invoice of fewer pages is not cut; one of fewer rows is rendered as ever.
MIN_PAGES = 3
MIN_ROWS = 40  # two pages hold more
#: Pieces of an invoice, whoever lays them out: the same pieces give the same bytes.
PIECES = 2
#: A cell whose text is estimated (without kerning) wider than this share of its column might
#: wrap: its rows' heights are not predicted.
SAFE_WIDTH = 0.95
MM = 96 / 25.4  # CSS px per mm
PT = 96 / 72  # CSS px per pt


@dataclass(frozen=True)
class Geometry:
    """What the probe measured, in CSS px."""

    first_top: float  # where the first row starts on the first page
    continued_top: float  # where a row starts on a continuation page
    page_bottom: float  # the lowest a row may end
    heights: dict[tuple[str, str], float]  # (kind, kind above) → row height
    ending_gap: float  # from the last row's bottom to the ending's top
    ending_height: float


@dataclass(frozen=True)
class Piece:
    """Rows `start` up to (without) `stop` printed on pages `first_page` on (1-based); `stop`
    is None for the last piece, which also prints the ending."""

    start: int
    stop: int | None
    first_page: int
    page_starts: tuple[int, ...]  # the first row of each of its pages, as predicted


@dataclass(frozen=True)
class Plan:
    pieces: tuple[Piece, ...]
    total_pages: int


# --- whether a cell could wrap ------------------------------------------------------------

@cache
def _advances(font_file: str) -> tuple[dict[int, int], float]:
    from fontTools.ttLib import TTFont

    from renderer.resources import FONTS_DIR

    font = TTFont(str(FONTS_DIR / font_file), lazy=True)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[name][0] for code, name in font.getBestCmap().items()}
    widest = max(widths[ord(letter)] for letter in "0123456789")
    widths.update({ord(letter): widest for letter in "0123456789"})  # a stand-in's "0"s
    return widths, float(font["head"].unitsPerEm)


def text_width(text: str, size_pt: float, bold: bool = False) -> float | None:
    """The text's width in px from the font's advances (no kerning), or None for a letter
    the font lacks."""
    widths, units = _advances("Inter-SemiBold.otf" if bold else "Inter-Regular.otf")
    total = 0
    for letter in text:
        advance = widths.get(ord(letter))
        if advance is None:
            return None
        total += advance
    return total / units * size_pt * PT


#: The lines table's column widths (templates/invoice.css): the cells' content, mm.
_COLUMNS = {"item": 13, "qty": 13, "unit": 16, "price": 21, "discount": 12, "amount": 26}
_TABLE_WIDTH = 174.0  # A4 less the side margins
_PADDING = 3.0  # 1.5 mm each side of a cell


def single_lines(view: Any, cells: Sequence[Sequence[str]], text_rows: Sequence[bool]) -> bool:
    """Whether every cell surely holds its text on one line (else the rows' heights are not
    predicted)."""
    fixed = ["qty", "unit", "price", "amount"]
    if view.show_item_numbers:
        fixed.append("item")
    if view.show_discount:
        fixed.append("discount")
    text_column = _TABLE_WIDTH - sum(_COLUMNS[name] + _PADDING for name in fixed) - _PADDING
    marker = 2.6 + 0.6 if view.has_exempt_lines else 0.0
    for row, is_text in zip(cells, text_rows, strict=True):
        if is_text:
            width = text_width(row[0][1], 9, bold=True)
            if width is None or width > SAFE_WIDTH * (_TABLE_WIDTH - _PADDING) * MM:
                return False
            continue
        for name, value in row:
            room = text_column if name == "text" else _COLUMNS[name]
            if name == "amount":
                room -= marker
            width = text_width(value, 9)
            if width is None or width > SAFE_WIDTH * room * MM:
                return False
    return True


# --- predicting the single pass's pages ---------------------------------------------------

def plan(geometry: Geometry, kinds: Sequence[str]) -> Plan | None:
    """The pieces as predicted, or None where the prediction does not cut the invoice."""
    page_starts = [0]
    top, bottom = geometry.first_top, geometry.page_bottom
    y = top
    for index, kind in enumerate(kinds):
        above = kinds[index - 1] if index else "head"
        height = geometry.heights.get((kind, above))
        if height is None:
            return None
        if y + height > bottom * (1 + 1e-9) and index != page_starts[-1]:
            page_starts.append(index)
            y = geometry.continued_top
        y += height
    if y + geometry.ending_gap + geometry.ending_height > bottom:
        # the ending does not fit: it takes the last two rows to a page of their own
        if len(kinds) - 2 <= page_starts[-1]:
            return None
        page_starts.append(len(kinds) - 2)
    at = cut(page_starts, len(kinds))
    if at is None:
        return None
    pages = len(page_starts)
    return Plan(pieces=(Piece(start=0, stop=page_starts[at], first_page=1,
                              page_starts=tuple(page_starts[:at])),
                        Piece(start=page_starts[at], stop=None, first_page=at + 1,
                              page_starts=tuple(page_starts[at:]))),
                total_pages=pages)


def piece_css(piece: Piece, total_pages: int) -> str:
    """The piece's page numbers, counted from its first page, with the total as predicted;
    a piece after the first starts a page at its first row (after the row above it)."""
    first_counted = piece.first_page - (1 if piece.start else 0)
    counter = f"@page :first {{ counter-set: page {first_counted} }}" if piece.start else ""
    return (f"{counter}\n.page-number::after {{ content: attr(data-page) \" \" counter(page) "
            f"\" \" attr(data-of) \" {total_pages}\" }}\n"
            + (f'tr[data-row="{piece.start}"] {{ break-before: page }}\n' if piece.start
               else ""))


# --- laying out a piece (here or in a sibling process) ----------------------------------

def page_rows(document: Any) -> list[list[int]]:
    """The rows (their `data-row`) on each page of a laid-out piece."""
    from weasyprint.formatting_structure import boxes

    def rows(box: Any) -> Any:
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.TableRowBox):
                row = child.element.get("data-row") if child.element is not None else None
                if row is not None:
                    yield int(row)
            elif isinstance(child, boxes.ParentBox):
                yield from rows(child)

    return [list(rows(page._page_box)) for page in document.pages]


@dataclass(frozen=True)
class LaidOut:
    pdf: bytes | None  # None where the piece broke elsewhere than predicted


@on_roomy_stack
def lay_out_piece(renderer: Any, html: str, css: str, piece: Piece, total_pages: int,
                  pdf_variant: Any, attachments: Sequence[Any], dated: Any,
                  underlay: Any) -> LaidOut:
    """Lay out one piece, check its breaks against the prediction, write its own pages with
    the sheet under them (`underlay`: the piece's part of it)."""
    from weasyprint import CSS


    with collector_paused():
        document = renderer._layout(html, template=True, css=CSS(string=css))
        rows = page_rows(document)
        skip = 1 if piece.start else 0  # the page holding the row above, dropped
        own = rows[skip:]
        if piece.stop is None:
            kept = len(own)
            ok = (bool(own) and own[0][:1] == [piece.start]
                  and piece.first_page + kept - 1 == total_pages)
        else:
            kept = len(piece.page_starts)
            ok = (len(own) == kept + 1
                  and [page[:1] for page in own] == [[s] for s in piece.page_starts]
                  + [[piece.stop]])
        if not ok:
            return LaidOut(None)
        chosen = document.copy(document.pages[skip:skip + kept])
        return LaidOut(renderer._write(chosen, pdf_variant, attachments, dated, underlay))


class PieceLayouter(Protocol):
    """Who lays out a second piece beside this process, given only where one is free: in a
    render pool's worker, a sibling worker that was idle when the render was handed over
    (`issuing.renderpool`)."""

    def submit(self, *args: Any) -> Any:
        """Start laying out a piece (`lay_out_piece`'s arguments after the renderer); the
        answer's `.result()` is its `LaidOut`."""


# --- the probe and the whole ----------------------------------------------------------------

def _number(value: Any, fewest: int, most: int) -> str:
    """A stand-in at least as wide as the number as printed, with its own decimals between
    `fewest` and `most`, thousands separators and its sign (babel is slow to format)."""
    if value is None:
        return ""
    whole = len(str(int(abs(value))))
    decimals = min(most, max(fewest, -min(0, value.normalize().as_tuple().exponent)))
    return ("-" if value < 0 else "") + "0" * whole + "." * ((whole - 1) // 3) + (
        "," + "0" * decimals if decimals else "")


def _cells(view: Any, row: Any) -> list[tuple[str, str]]:
    """What the row's cells print, by column (numbers by a stand-in as wide or wider)."""
    line = row.line
    quantity = line.quantity
    whole = quantity is not None and quantity == quantity.to_integral_value()
    cells = [("text", line.text or ""), ("qty", _number(quantity, 0 if whole else 2, 2)),
             ("unit", line.unit or ""), ("price", _number(line.unit_price, 2, 4)),
             ("amount", _number(row.net_amount, 2, 2))]
    if view.show_item_numbers:
        cells.append(("item", line.item_number or ""))
    if view.show_discount and row.discount_percent:
        cells.append(("discount", _number(row.discount_percent, 0, 2)))
    return cells


def _kind(row: Any) -> str:
    return "text" if row.line.is_text else "line"


def measure(document: Any, kinds: Sequence[str]) -> Geometry | None:
    """The geometry from a laid-out probe whose rows have `kinds` (a long ending may take its
    last rows to a second page with it)."""
    from weasyprint.formatting_structure import boxes

    first = document.pages[0]._page_box
    rows, head, ending, ending_page = [], None, None, None
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if isinstance(box, boxes.TableRowBox) and element is not None:
                if element.get("data-row") is not None:
                    rows.append((number, box))
                elif not rows:
                    head = box  # the last row before the lines: the table's header
            elif (ending is None and isinstance(box, boxes.BlockBox) and element is not None
                  and element.get("class") == "ending"):
                ending, ending_page = box, number
    if (len(rows) != len(kinds) or head is None or ending is None or rows[0][0] != 0
            or rows[-1][0] != ending_page):
        return None
    heights = {}
    for index, ((_, row), kind) in enumerate(zip(rows, kinds, strict=True)):
        heights[(kind, kinds[index - 1] if index else "head")] = row.height
    top, last = rows[0][1], rows[-1][1]
    return Geometry(first_top=top.position_y,
                    continued_top=first.content_box_y() + top.position_y - head.position_y,
                    page_bottom=first.content_box_y() + first.height, heights=heights,
                    ending_gap=ending.position_y - (last.position_y + last.height),
                    ending_height=ending.margin_height())


def split(renderer: Any, view: Any, sheet: Any, pdf_variant: Any,
          attachments: Sequence[Any]) -> list[bytes]:
    """The invoice laid out in one pass and written as its pieces would be (the same bytes),
    or whole where it is not cut (see `cut`)."""

    html = renderer._template.render(view=view, stylesheet_href=None, layer="content",
                                     sheet=sheet, part="split")
    with collector_paused():
        document = renderer._layout(html, template=True)
        starts = [rows[0] if rows else None for rows in page_rows(document)]
        at = cut(starts, len(view.rows()))
        dated = view.invoice.issue_date
        underlay = sheet.underlay(len(starts), view.fi_slip is not None)
        if at is None:
            return [renderer._write(document, pdf_variant, attachments, dated, underlay)]
        head = renderer._write(document.copy(document.pages[:at]), pdf_variant, attachments,
                               dated, underlay.part(0, at))
        tail = renderer._write(document.copy(document.pages[at:]), pdf_variant, (), dated,
                               underlay.part(at))
    return [head, tail]


def cut(page_starts: Sequence[int | None], rows: int) -> int | None:
    """The page where the second piece begins, from the first row of every page; None where
    the invoice is not cut (under MIN_PAGES, or the page would begin with one of the last two
    rows, which stay with the ending)."""
    pages = len(page_starts)
    at = round(pages / PIECES)
    if pages < MIN_PAGES or None in page_starts or not 0 < at < pages:
        return None
    start = page_starts[at]
    return at if start is not None and start < rows - 2 else None


#: Row heights by the table's columns: (item numbers, discount, exempt marker) → (kind, kind
#: above) → px. They depend on the stylesheet and the fonts only, so a process measures them
#: once (the same values in every process: the same pieces, the same bytes).
_heights: dict[tuple[bool, bool, bool], dict[tuple[str, str], float]] = {}
_heights_lock = threading.Lock()


def render(renderer: Any, layouter: PieceLayouter | None, view: Any, sheet: Any,
           pdf_variant: Any, attachments: Sequence[Any]) -> list[bytes] | None:
    """The content of a long invoice (MIN_ROWS rows or more): the PDF of each piece, in
    order (one PDF where it is not cut); None for a shorter one,
    rendered as ever. Where a layouter is given and every cell holds one line, the pieces are
    laid out side by side; elsewhere, or where a prediction fails, the invoice is
    laid out in one pass and written in the same pieces: the same bytes either way."""
    rows = view.rows()
    if len(rows) < MIN_ROWS:
        return None
    kinds = [_kind(row) for row in rows]
    if (layouter is not None
            and single_lines(view, [[("text", row.line.text or "")] if kind == "text"
                                    else _cells(view, row) for row, kind in zip(rows, kinds)],
                             [kind == "text" for kind in kinds])):
        laid = _side_by_side(renderer, layouter, view, sheet, pdf_variant, attachments, kinds)
        if laid is not None:
            return laid
    return split(renderer, view, sheet, pdf_variant, attachments)


def _side_by_side(renderer: Any, layouter: PieceLayouter, view: Any, sheet: Any,
                  pdf_variant: Any, attachments: Sequence[Any], kinds: list[str]
                  ) -> list[bytes] | None:
    """The pieces as predicted, the second laid out by the layouter; None where the prediction
    does not cut the invoice or a piece breaks elsewhere."""
    rows = view.rows()
    columns = (view.show_item_numbers, view.show_discount, view.has_exempt_lines)
    with _heights_lock:
        known = dict(_heights.get(columns, {}))
    wanted = {(kind, kinds[index - 1]) for index, kind in enumerate(kinds) if index}
    sample = [rows[0]]
    if not wanted <= known.keys():  # the first page's top, and rows of every pair of kinds
        line = next((row for row in rows if not row.line.is_text), None)
        text = next((row for row in rows if row.line.is_text), None)
        sample += [row for row in (line, line, text, text, line) if row is not None]

    def html(part: str, part_rows: list[Any], first_row: int) -> str:
        return renderer._template.render(view=view, stylesheet_href=None, layer="content",
                                         sheet=sheet, part=part, rows=part_rows,
                                         first_row=first_row)


    with collector_paused():
        geometry = measure(renderer._layout(html("probe", sample, 0), template=True),
                           [_kind(row) for row in sample])
    if geometry is None:
        return None
    with _heights_lock:
        _heights.setdefault(columns, {}).update(geometry.heights)
    known.update(geometry.heights)
    the_plan = plan(replace(geometry, heights=known), kinds)
    if the_plan is None:
        return None
    head, tail = the_plan.pieces
    dated = view.invoice.issue_date
    total = the_plan.total_pages
    underlay = sheet.underlay(total, view.fi_slip is not None)
    try:
        future = layouter.submit(html("tail", rows[tail.start - 1:], tail.start - 1),
                                piece_css(tail, total), tail, total, pdf_variant, (), dated,
                                underlay.part(tail.first_page - 1))
    except Exception:  # noqa: BLE001 - no one to lay it out: the one pass
        return None
    first = lay_out_piece(renderer, html("head", rows[:head.stop + 1], 0),
                          piece_css(head, total), head, total, pdf_variant, attachments, dated,
                          underlay.part(0, len(head.page_starts)))
    try:
        second = future.result()
    except Exception:  # noqa: BLE001 - its layouter failed: the one pass
        return None
    if first.pdf is None or second.pdf is None:
        return None
    return [first.pdf, second.pdf]
