"""Drawing: shorter paths through WeasyPrint's writing of laid-out pages, the same bytes.

Writing a laid-out invoice (`Document.write_pdf`) spends most of its time drawing text boxes
and the collapsed borders of the lines table, one small PDF operator at a time. Each
replacement below writes the same operators to the same PDF stream, in the same order, and
skips only work whose result it already holds:

* `quick_to_bytes` (`pydyf._to_bytes`, which writes every number of every operator): a
  float's number is written from the bytes made the first time that float was seen (a few
  hundred distinct coordinates and widths make the thousands of numbers of an invoice);
  equal floats write the same number, -0.0 and 0.0 both `0`.
* `quick_stream_data` (`pydyf.Stream.data`): a stream whose operators are all bytes, as
  WeasyPrint writes them, is joined in one call (`_to_bytes` returns bytes as they are), then
  compressed as pydyf compresses it; a stream holding anything else takes pydyf's own way.
* `quick_set_color` (`Stream.set_color`): an sRGB colour's operator (`r g b rg`, or `RG`
  for strokes) is written from the bytes made the first time the colour was seen, rather than
  converting and formatting its channels again; the alpha state and the "same colour as
  before" check are WeasyPrint's own.
* `quick_draw_collapsed_borders` (`draw_collapsed_borders`): the segments are found and
  sorted as WeasyPrint finds them; a solid segment, in an untagged PDF, is written as the
  operators `draw_line` writes inside its two saved states (`q q`, the colour by
  `Stream.set_color`, `w m l S`, `Q Q`), and the stream's state after it is the one the two
  restores leave (matrices as before, current colours, alphas and font forgotten), without
  the context managers and style branches around them.
* `quick_draw_text` (`draw_text`): WeasyPrint rebuilds and reshapes each text box's Pango
  layout when drawing it, though an invoice shows the same texts many times (quantities,
  units, prices, VAT rates). The drawing-time layout is made only of the font configuration,
  the style values `Layout.setup` and `Layout.set_text` read (direction, language, font
  description, font features, word and letter spacing, overflow-wrap, tab size), the box's
  justification spacing and its text. For each such key the line is shaped once per document
  and every box with the same key takes its runs. The first box of a key takes the line as
  Pango shaped it when the box was measured (the layout `renderer.layoutpaths` keeps), where
  the drawing-time layout would be the same: one line, made for the box's style, still
  holding its text, with no word, letter or justification spacing, no tab and no paragraph
  end (see `_laid_line`); else the line is shaped again by WeasyPrint's own `reactivate` and
  `get_first_line`. The runs are the fonts, glyphs, widths and offsets Pango would give
  again (the fonts cannot change while a document is drawn; the kept layout holds them). The
  runs' fonts are added to the document's for the first box of a key, as `draw_first_line`
  adds them, and found there for the next ones. The calls after the text matrix (font and
  size, glyph strings, rises) depend only on the runs and the document's fonts: they are
  worked out for the first box of a key, by `draw_first_line`'s expressions, and made again
  in order for the next ones (the stream still skips a font-and-size call where that font is
  set), unless a glyph is missing from its font (WeasyPrint warns of it at each box). The
  lines of the latest document drawn are kept (at most `_SHAPED_PER_DOCUMENT`) and let go
  when the next is drawn. A box with a text decoration, an ellipsis or only blanks, or in a
  colour font (emojis), takes WeasyPrint's own path.
* `quick_draw_border` (`draw_border`): a box with no border, no border image and no columns
  is left at once; WeasyPrint finds the same after looking up its colours and styles.
* `quick_draw_outline` (`draw_outline`): a box whose outline has no width draws none, so
  only its children are visited, in the same order; WeasyPrint looks up its colour and style
  first.
* `quick_stacked`, `quick_marked`, `quick_artifact` (`Stream.stacked`, `.marked`,
  `.artifact`): the same state saved and restored by a plain context manager rather than a
  generator; marking content, which writes nothing in an untagged PDF, is not entered there
  (a tagged PDF takes WeasyPrint's own path).

>>> from weasyprint.draw import draw_text
>>> draw_text is quick_draw_text
True
"""

from __future__ import annotations

import operator
import struct
import zlib
from collections import OrderedDict
from contextlib import nullcontext
from typing import Any, NamedTuple

import pydyf
from weasyprint import draw as weasy_draw
from weasyprint.draw import border as weasy_border
from weasyprint.draw import text as weasy_text
from weasyprint.draw.color import styled_color
from weasyprint.formatting_structure.boxes import Box
from weasyprint.logger import LOGGER
from weasyprint.matrix import Matrix
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

from renderer import fastpaths
from renderer.layoutpaths import LAID_LINE

#: WeasyPrint's own functions, for what the quick paths leave to them.
general_to_bytes = pydyf._to_bytes
general_set_color = Stream.set_color
general_marked = Stream.marked
general_artifact = Stream.artifact
general_draw_border = weasy_draw.draw_border
general_draw_outline = weasy_draw.draw_outline
general_draw_text = weasy_text.draw_text
draw_line = weasy_draw.draw_line

_PANGO_VERSION = pango.pango_version()
_GLYPH_EMPTY = pango.PANGO_GLYPH_EMPTY
_GLYPH_UNKNOWN_FLAG = pango.PANGO_GLYPH_UNKNOWN_FLAG
#: A `PangoGlyphInfo` as it lies in memory: the glyph, its width and offsets (the visual
#: attributes are not read); checked against the compiled layout below.
_GLYPH_INFO = struct.Struct("=Iiii4x")
_GLYPH_INFO_MATCHES = (
    ffi.sizeof("PangoGlyphInfo") == _GLYPH_INFO.size
    and ffi.offsetof("PangoGlyphInfo", "geometry") == 4
    and [(name, field.offset) for name, field in ffi.typeof("PangoGlyphGeometry").fields]
    == [("width", 0), ("x_offset", 4), ("y_offset", 8)])

#: How many colour operators are kept (the newest).
_KEPT = 64


class _Kept(OrderedDict):
    """The newest `_KEPT` values made by a function of their key."""

    def get_or_make(self, key: Any, make: Any) -> Any:
        value = self.get(key)
        if value is None:
            value = self[key] = make()
            if len(self) > _KEPT:
                self.popitem(last=False)
        return value


_colors = _Kept()


def _description_key(style: Any) -> tuple[Any, ...]:
    """What `get_font_description` reads from a style."""
    variations = style["font_variation_settings"]
    return (tuple(style["font_family"]), style["font_style"], style["font_stretch"],
            style["font_weight"], style["font_size"], style["font_variant_caps"],
            variations if variations == "normal" else tuple(variations))


def _rgb_operator(color: Any, stroke: bool) -> bytes:
    """The bytes `Stream.set_color_rgb` writes for an sRGB colour."""
    to_bytes = pydyf._to_bytes
    red, green, blue = color.to("srgb").coordinates
    return b" ".join((to_bytes(red), to_bytes(green), to_bytes(blue),
                      b"RG" if stroke else b"rg"))


def quick_set_color(self: Stream, color: Any, stroke: bool = False) -> None:
    """`Stream.set_color`, an sRGB colour's operator written from kept bytes."""
    if color.space != "srgb":
        return general_set_color(self, color, stroke)
    self.set_alpha(color.alpha, stroke)
    current = (color.space, *color.coordinates)
    if stroke:
        if current == self._current_color_stroke:
            return None
        self._current_color_stroke = current
    else:
        if current == self._current_color:
            return None
        self._current_color = current
    self.stream.append(_colors.get_or_make(
        (current, stroke), lambda: _rgb_operator(color, stroke)))
    return None


def quick_draw_collapsed_borders(stream: Stream, table: Any) -> None:
    """`draw_collapsed_borders`: the same segments in the same order; a solid one, in an
    untagged PDF, drawn by `draw_line`'s stream calls without its context managers."""
    row_heights = [
        row.height for row_group in table.children for row in row_group.children]
    column_widths = table.column_widths
    if not (row_heights and column_widths):
        return
    row_positions = [
        row.position_y for row_group in table.children for row in row_group.children]
    column_positions = list(table.column_positions)
    grid_height = len(row_heights)
    grid_width = len(column_widths)
    assert grid_width == len(column_positions)
    vertical_borders, horizontal_borders = table.collapsed_border_grid
    column_positions.append(column_positions[-1] + column_widths[-1])
    row_positions.append(row_positions[-1] + row_heights[-1])
    header_rows = len(table.children[0].children) if table.children[0].is_header else 0
    footer_rows = len(table.children[-1].children) if table.children[-1].is_footer else 0
    skipped_rows = table.skipped_rows
    body_rows_offset = skipped_rows - header_rows if skipped_rows else 0
    footer_rows_offset = len(vertical_borders) - grid_height
    skip_top = table.skip_cell_border_top
    skip_bottom = table.skip_cell_border_bottom

    def row_number(y: int, horizontal: bool) -> int:
        if header_rows and y < header_rows + int(horizontal):
            return y
        if footer_rows and y >= grid_height - footer_rows:
            return y + footer_rows_offset
        return y + body_rows_offset

    def horizontal_width(y: int, x: int) -> float:
        """The width of the horizontal border at (y, x), 0 outside the grid."""
        if 0 <= y <= grid_height and 0 <= x < grid_width:
            return horizontal_borders[row_number(y, True)][x][1][1]
        return 0

    def vertical_width(y: int, x: int) -> float:
        """The width of the vertical border at (y, x), 0 outside the grid."""
        if 0 <= y < grid_height and 0 <= x <= grid_width:
            return vertical_borders[row_number(y, False)][x][1][1]
        return 0

    segments = []
    append = segments.append

    def add_vertical(x: int, y: int) -> None:
        score, (style, width, color) = vertical_borders[row_number(y, False)][x]
        if width == 0 or color.alpha == 0:
            return
        pos_x = column_positions[x]
        pos_y1 = row_positions[y]
        if y != 0 or not skip_top:
            pos_y1 -= max(0, horizontal_width(y, x - 1), horizontal_width(y, x)) / 2
        pos_y2 = row_positions[y + 1]
        if y != grid_height - 1 or not skip_bottom:
            pos_y2 += max(
                0, horizontal_width(y + 1, x - 1), horizontal_width(y + 1, x)) / 2
        append((score, style, width, color, "left", (pos_x, pos_y1, 0, pos_y2 - pos_y1)))

    def add_horizontal(x: int, y: int) -> None:
        if (y == 0 and skip_top) or (y == grid_height and skip_bottom):
            return
        score, (style, width, color) = horizontal_borders[row_number(y, True)][x]
        if width == 0 or color.alpha == 0:
            return
        pos_y = row_positions[y]
        shift_before = max(0, vertical_width(y - 1, x), vertical_width(y, x)) / 2
        shift_after = max(0, vertical_width(y - 1, x + 1), vertical_width(y, x + 1)) / 2
        pos_x1 = column_positions[x] - shift_before
        pos_x2 = column_positions[x + 1] + shift_after
        append((score, style, width, color, "top", (pos_x1, pos_y, pos_x2 - pos_x1, 0)))

    for x in range(grid_width):
        add_horizontal(x, 0)
    for y in range(grid_height):
        add_vertical(0, y)
        for x in range(grid_width):
            add_vertical(x + 1, y)
            add_horizontal(x, y + 1)

    segments.sort(key=operator.itemgetter(0))

    if stream._tags is not None or type(stream) is not Stream:
        for _, style, width, color, side, (bx, by, bw, bh) in segments:
            color = styled_color(style, color, side)
            with stream.artifact(), stream.stacked():
                draw_line(stream, bx, by, bx + bw, by + bh, width, style, color)
        return
    operators = stream.stream
    to_bytes = pydyf._to_bytes
    for _, style, width, color, side, (bx, by, bw, bh) in segments:
        if style != "solid":
            color = styled_color(style, color, side)
            with stream.artifact(), stream.stacked():
                draw_line(stream, bx, by, bx + bw, by + bh, width, style, color)
            continue
        # draw_line's calls inside two saved states: the states' matrices come back as
        # they were, the current colours, alphas and font are forgotten.
        operators += _TWICE_SAVED
        stream.set_color(color, stroke=True)
        operators += (
            to_bytes(width) + b" w",
            b" ".join((to_bytes(bx), to_bytes(by), b"m")),
            b" ".join((to_bytes(bx + bw), to_bytes(by + bh), b"l")),
            b"S", b"Q", b"Q")
        stream._current_color = stream._current_color_stroke = None
        stream._current_alpha = stream._current_alpha_stroke = None
        stream._current_font = None


#: Two `q` operators: the states `draw_line` and its caller save.
_TWICE_SAVED = (b"q", b"q")


class _Run(NamedTuple):
    """One run of a shaped line, as `draw_first_line` reads it from Pango."""

    pango_font: Any
    rtl: int  # the run's bidi level is odd
    offset: int  # in the layout's UTF-8 text
    length: int
    glyphs: list[tuple[int, int, int, int]]  # glyph, width, x offset, y offset
    clusters: list[int]


def _runs(first_line: Any) -> list[_Run]:
    """The runs of a Pango line: each run's glyphs read from Pango's array in one go."""
    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        num_glyphs = glyph_string.num_glyphs
        item = glyph_item.item
        runs.append(_Run(
            item.analysis.font, item.analysis.level % 2, item.offset, item.length,
            list(_GLYPH_INFO.iter_unpack(
                ffi.buffer(glyph_string.glyphs, num_glyphs * _GLYPH_INFO.size))),
            ffi.unpack(glyph_string.log_clusters, num_glyphs)))
    return runs


def _fonts(stream: Stream, runs: list[_Run]) -> list[tuple[Any, float]] | None:
    """Each run's font in the document (added where new, as `draw_first_line` adds it) and
    size; None where a run's font is a colour font (emojis: WeasyPrint's own path)."""
    fonts = []
    for run in runs:
        font_and_size = stream.add_font(run.pango_font)
        font = font_and_size[0]
        if font.svg or font.png or font.colr:
            return None
        fonts.append(font_and_size)
    return fonts


def _line_operators(stream: Stream, runs: list[_Run], fonts: list[tuple[Any, float]],
                    text: str, font_size_style: float) -> tuple[list[tuple[Any, ...]], bool]:
    """The calls `draw_first_line` makes on the stream after setting the text matrix, for
    runs in fonts that are not colour fonts: (method, arguments) in order, by the same
    expressions, the document's fonts told of their glyphs' widths and texts as it tells
    them; and whether the calls are the same for the next box alike (not where a glyph is
    missing from the font: WeasyPrint warns of it at each box)."""
    operators: list[tuple[Any, ...]] = []
    again = True
    previous_pango_font = None
    string = ""
    utf8_text = None
    old_pango = _PANGO_VERSION < 14802
    for run, font_and_size in zip(runs, fonts):
        clusters = run.clusters
        num_glyphs = len(clusters)
        pango_font = run.pango_font
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font, font_size = font_and_size
            if old_pango or font.png:
                font_size = font_size_style
            if string:
                operators.append((Stream.show_text, string))
            string = ""
            operators.append((Stream.set_font_size, font.hash, 1 if font.bitmap else font_size))
        widths = font.widths
        to_unicode = font.to_unicode
        glyph_format = "02x" if font.bitmap else "04x"
        string += "<"
        for i, (glyph_id, width, x_offset, y_offset) in enumerate(run.glyphs):
            if glyph_id == _GLYPH_EMPTY:
                string += f">{-width / font_size}<"
                continue

            if glyph_id & _GLYPH_UNKNOWN_FLAG:
                again = False
                codepoint = glyph_id - _GLYPH_UNKNOWN_FLAG
                LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: '
                    '"%s" (U+%04X)', chr(codepoint), codepoint)
                glyph_id = font.get_unused_glyph_id(codepoint)
                widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in widths:
                    widths[0] = widths[glyph_id]

            if glyph_id not in to_unicode:
                offset = run.offset
                t1 = clusters[i]
                if run.rtl:
                    t2 = run.length if i == 0 else clusters[i-1]
                else:
                    t2 = run.length if i == num_glyphs-1 else clusters[i+1]
                utf8_text = utf8_text or text.encode()
                to_unicode[glyph_id] = utf8_text[offset+t1:offset+t2].decode()

            offset = x_offset / font_size
            rise = y_offset / 1000
            if rise:
                if string[-1] == "<":
                    string = string[:-1]
                else:
                    string += ">"
                if string:
                    operators.append((Stream.show_text, string))
                operators.append((Stream.set_text_rise, -rise))
                string = ""
                if offset:
                    string = f"{-offset}"
                string += f"<{glyph_id:02x}>" if font.bitmap else f"<{glyph_id:04x}>"
                operators.append((Stream.show_text, string))
                operators.append((Stream.set_text_rise, 0))
                string = "<"
            else:
                if offset:
                    string += f">{-offset}<"
                string += format(glyph_id, glyph_format)

            if glyph_id in widths:
                logical_width = widths[glyph_id]
            else:
                pango.pango_font_get_glyph_extents(
                    pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                logical_width = widths[glyph_id] = round(
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                string += f">{int(kerning)}<"

        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    operators.append((Stream.show_text, string))
    return operators, again


class _Shaped:
    """A text box's line as Pango shapes it at drawing time, and the calls that write it in
    the document (once known)."""

    __slots__ = ("layout", "text", "direction", "runs", "fonts", "operators")

    def __init__(self, layout: Any, text: str, direction: int, runs: list[_Run]) -> None:
        self.layout = layout  # the Pango layout, holding the runs' fonts
        self.text = text  # the layout's text, as `Layout.set_text` leaves it
        self.direction = direction  # the line's resolved direction
        self.runs = runs
        self.fonts: list[tuple[Any, float]] | None = None  # the runs' in the document
        self.operators: list[tuple[Any, ...]] | None = None


#: The most lines kept for one document.
_SHAPED_PER_DOCUMENT = 4096
#: (the document's fonts, its shaped lines): the lines of the document being written.
_shaped_lines: tuple[Any, dict[Any, _Shaped]] = (None, {})


def _shaping_key(textbox: Any) -> tuple[Any, ...]:
    """What the drawing-time Pango layout of a text box is made of (`Layout.setup` and
    `Layout.set_text`): the same key, the same shaped line."""
    style = textbox.style
    layout = textbox.pango_layout
    return (
        style.font_config, style["direction"], style["font_language_override"], style["lang"],
        _description_key(style),
        style["font_kerning"], style["font_variant_ligatures"],
        style["font_variant_position"], style["font_variant_caps"],
        style["font_variant_numeric"], style["font_variant_alternates"],
        style["font_variant_east_asian"], style["font_feature_settings"],
        style["word_spacing"], style["letter_spacing"], style["overflow_wrap"],
        style["tab_size"], layout.justification_spacing, layout.text)


#: Characters that end a paragraph or a line in Pango: a text holding one is drawn in a
#: single paragraph, as it was not measured.
_LINE_ENDS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _laid_line(textbox: Any) -> _Shaped | None:
    """The text box's line as Pango shaped it when it was measured, where drawing would
    shape the same: the layout kept by the layout's short path (`LAID_LINE`) was made for
    the box's style and still holds its text, in one line, with no spacing added to it
    (neither justification nor word or letter spacing: their Pango attributes, set at
    places in the text, stay in a layout from an earlier text), no tab and nothing Pango
    takes for a paragraph's end (drawing sets a single paragraph). `overflow-wrap`'s
    attribute (no hyphen where a word is broken) covers the whole text however often it
    was set, and acts only where a line breaks; the width the layout was measured at does
    not move a glyph of a single line. None where drawing must shape the line itself."""
    layout = textbox.pango_layout
    laid = layout.__dict__.get(LAID_LINE)
    if laid is None:
        return None
    pango_layout, text, style = laid
    if (style is not textbox.style or text != layout.text or layout.justification_spacing
            or style["word_spacing"] or style["letter_spacing"] != "normal" or "\t" in text
            or not _LINE_ENDS.isdisjoint(text)
            or pango.pango_layout_get_line_readonly(pango_layout, 1) != ffi.NULL):
        return None
    first_line = pango.pango_layout_get_line_readonly(pango_layout, 0)
    layout.first_line_direction = first_line.resolved_dir
    return _Shaped(pango_layout, text, first_line.resolved_dir, _runs(first_line))


def _shaped(stream: Stream, textbox: Any) -> _Shaped:
    """The text box's line shaped, once per document for each key: later boxes with the
    same key take the same runs. The first box of a key takes the line as it was shaped
    when measured, where drawing would shape the same (`_laid_line`). The font
    configuration cannot change while a document is drawn, and the kept layout keeps the
    runs' fonts alive."""
    global _shaped_lines
    owner, lines = _shaped_lines
    if owner is not stream._fonts:
        lines = {}
        _shaped_lines = (stream._fonts, lines)
    try:
        key = _shaping_key(textbox)
        shaped = lines.get(key)
    except TypeError:  # a value with no stable key: shaped afresh
        key = None
        shaped = None
    if shaped is not None:
        textbox.pango_layout.text = shaped.text
        textbox.pango_layout.first_line_direction = shaped.direction
        return shaped
    shaped = _laid_line(textbox)
    if shaped is None:
        layout = textbox.pango_layout
        layout.reactivate(textbox.style)
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        first_line, _ = layout.get_first_line()
        shaped = _Shaped(layout.layout, layout.text, layout.first_line_direction,
                         _runs(first_line))
        layout.deactivate()
    if key is not None and len(lines) < _SHAPED_PER_DOCUMENT:
        lines[key] = shaped
    return shaped


def quick_draw_text(stream: Stream, textbox: Any, offset_x: float, text_overflow: str,
                    block_ellipsis: Any) -> None:
    """`draw_text` for a text box with no decoration, not cut by an ellipsis, with text to
    show: its line shaped once per document for each key (`_shaped`), its glyphs written as
    `draw_first_line` writes them. Any other box, or one in a colour font, takes WeasyPrint's
    own path."""
    style = textbox.style
    if (type(stream) is not Stream or text_overflow == "ellipsis" or block_ellipsis != "none"
            or style["text_decoration_line"] != "none" or not textbox.text.strip()
            or style["font_size"] < 1e-6 or style["visibility"] != "visible"):
        return general_draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis)
    shaped = _shaped(stream, textbox)
    fonts = shaped.fonts
    if fonts is None:
        fonts = _fonts(stream, shaped.runs)
        if fonts is None:
            return general_draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis)
        shaped.fonts = fonts  # added to the document's fonts: the same from now on
    x, y = textbox.position_x, textbox.position_y + textbox.baseline
    stream.set_color(style["color"])
    stream.begin_text()
    stream.set_text_matrix(*Matrix(d=-1, e=x, f=y).values)
    operators = shaped.operators
    if operators is None:
        operators, again = _line_operators(
            stream, shaped.runs, fonts, shaped.text, style["font_size"])
        if again:
            shaped.operators = operators
    for method, *arguments in operators:
        method(stream, *arguments)
    stream.end_text()
    return None


def quick_draw_border(stream: Stream, box: Any) -> None:
    """`draw_border`, leaving at once a box with no border, no border image and no columns
    (WeasyPrint draws nothing for it either); any other box takes WeasyPrint's own path."""
    if (getattr(box, "border_top_width", None) == 0
            and box.border_right_width == 0 and box.border_bottom_width == 0
            and box.border_left_width == 0):
        style = box.style
        if (style["border_image_source"][0] == "none" and style["column_width"] == "auto"
                and style["column_count"] == "auto"):
            return
    general_draw_border(stream, box)


def quick_draw_outline(stream: Stream, box: Any) -> None:
    """`draw_outline`: a box without an outline draws none, and its children are looked at
    in the same order; a box with one takes WeasyPrint's own path."""
    if box.style["outline_width"]:
        general_draw_outline(stream, box)
        return
    for child in box.children:
        if isinstance(child, Box):
            quick_draw_outline(stream, child)


class _Stacked:
    """`Stream.stacked` as a plain context manager: the state saved on entering, restored on
    leaving, an exception or not."""

    __slots__ = ("_stream",)

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    def __enter__(self) -> None:
        self._stream.push_state()

    def __exit__(self, *_: Any) -> None:
        self._stream.pop_state()


def quick_stacked(self: Stream) -> _Stacked:
    """`Stream.stacked`, without a generator."""
    return _Stacked(self)


#: What marking content does in an untagged PDF: nothing.
_UNMARKED = nullcontext()


def quick_marked(self: Stream, box: Any, tag: str) -> Any:
    """`Stream.marked`: nothing to do in an untagged PDF; a tagged one takes WeasyPrint's
    own path."""
    if self._tags is None:
        return _UNMARKED
    return general_marked(self, box, tag)


def quick_artifact(self: Stream) -> Any:
    """`Stream.artifact`: nothing to do in an untagged PDF; a tagged one takes WeasyPrint's
    own path."""
    if self._tags is None:
        return _UNMARKED
    return general_artifact(self)


#: PDF numbers as pydyf writes them, for the floats seen so far (at most `_FLOATS_KEPT`).
_float_bytes: dict[float, bytes] = {}
_FLOATS_KEPT = 4096


def quick_to_bytes(item: Any) -> bytes:
    """`pydyf._to_bytes`: bytes as they are; a float's number from the bytes made the first
    time it was seen (equal floats write the same number: -0.0 and 0.0 both write `0`)."""
    kind = type(item)
    if kind is bytes:
        return item
    if kind is float:
        number = _float_bytes.get(item)
        if number is None:
            number = general_to_bytes(item)
            if len(_float_bytes) < _FLOATS_KEPT:
                _float_bytes[item] = number
        return number
    return general_to_bytes(item)


def _stream_data(self: pydyf.Stream) -> bytes:
    """`pydyf.Stream.data`: the operators joined in one call where all are bytes (as
    WeasyPrint writes them; `_to_bytes` returns bytes as they are), else pydyf's way."""
    items = self.stream
    if set(map(type, items)) <= _BYTES:
        stream = b"\n".join(items)
    else:
        stream = b"\n".join(pydyf._to_bytes(item) for item in items)
    extra = pydyf.Dictionary(self.extra.copy())
    if self.compress:
        extra["Filter"] = "/FlateDecode"
        compressobj = zlib.compressobj(level=9)
        stream = compressobj.compress(stream)
        stream += compressobj.flush()
    extra["Length"] = len(stream)
    return b"\n".join((extra.data, b"stream", stream, b"endstream"))


_BYTES = {bytes}
quick_stream_data = property(_stream_data)

fastpaths.replace(pydyf, "_to_bytes", quick_to_bytes)
fastpaths.replace(pydyf.Stream, "data", quick_stream_data)
fastpaths.replace(Stream, "set_color", quick_set_color)
fastpaths.replace(weasy_draw, "draw_collapsed_borders", quick_draw_collapsed_borders)
fastpaths.replace(weasy_draw, "draw_border", quick_draw_border)
fastpaths.replace(Stream, "stacked", quick_stacked)
fastpaths.replace(Stream, "marked", quick_marked)
fastpaths.replace(Stream, "artifact", quick_artifact)
if _GLYPH_INFO_MATCHES:
    fastpaths.replace(weasy_text, "draw_text", quick_draw_text)
    fastpaths.replace(weasy_draw, "draw_text", quick_draw_text)
fastpaths.replace(weasy_draw, "draw_outline", quick_draw_outline)
fastpaths.replace(weasy_border, "draw_outline", quick_draw_outline)
