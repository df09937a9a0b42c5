"""Layout: short paths through the functions WeasyPrint calls for every box.

Laying out an invoice of 200 lines calls a handful of WeasyPrint's functions tens of
thousands of times, each doing little: most of their cost is Python's calls and lookups. Each
replacement below does the same work on the values our documents give, and hands every other
value to WeasyPrint's own function, so the boxes end as WeasyPrint leaves them:

* `resolve_percentages` (used margins, paddings, sizes and borders of a box) reads each
  computed value once and resolves a length in pixels, `auto` or a percentage where it
  stands, by the same arithmetic; a math function or any other value goes to WeasyPrint's
  `percentage`. It sets the same attributes in the same order, `min-width` and
  `min-height` `auto` as 0, leaves a border width set by collapsed borders, and leaves
  `box-sizing` other than `content-box` to WeasyPrint's `adjust_box_sizing` (for
  `content-box`, that function changes nothing).
* `resolve_one_percentage`: the same short path for one property.
* `Box.is_in_normal_flow` answers at once for a box neither floated nor positioned
  (`float: none`, `position: static`), reading the same two properties WeasyPrint reads
  first; any other box takes WeasyPrint's path.
* `avoid_collisions` (where a line or box goes beside floats): when the formatting context
  has no float, no shape collides and the loop WeasyPrint runs once ends with the containing
  block's bounds; the short path computes those bounds and the position as it does, keeping
  its check of the box's kind, and measures the box's outer size only where the position
  needs it (right to left), not for a collision test that has nothing to test. A context
  with floats takes WeasyPrint's path.
* `layout_box_backgrounds` (background layers and border-image sources, for each box) is
  WeasyPrint's own code, with the radii of the corners resolved by the short path below and
  without importing `get_color` again for every box.
* `resolve_radii_percentages`: a corner whose radius is zero is `(0, 0)` as in WeasyPrint;
  any other corner goes to WeasyPrint's function.
* `strut` (a style's line height and baseline) answers from WeasyPrint's own cache, by its
  own key, without importing two functions again on every call; a style not yet in the
  cache takes WeasyPrint's path, which fills it.
* `StyleFor.__init__` (the cascade): an element whose computed style WeasyPrint shares
  with an earlier element (the same parent style, style attribute and matching rules)
  does not have its own declarations cascaded again, as nothing reads them: WeasyPrint
  takes the earlier element's style, and clears the cascaded declarations once all styles
  are computed. The declarations of its pseudo-elements are cascaded as before.
  Two parts of it are done once per process rather than for every document:
  - the style attributes (and the `lang`, `id` and `name` attributes WeasyPrint reads as
    declarations) are parsed and checked once for each text, and an element's parsed
    declarations compared, to share a computed style, as WeasyPrint's freshly parsed ones
    compare (never equal to another element's, unless all are literal tokens); a document
    with SVG or presentational hints takes WeasyPrint's path. A warning about an invalid
    declaration in a style attribute is logged on its first parse only.
  - the rules matching an element are those matched before for an element of the same tag
    and attributes whose parent has, recursively, the same tag and attributes (its "place"),
    with the same stylesheets: a selector compiled by cssselect2 to a test that reads only
    the element's and its ancestors' names, classes, id and attributes (every selector of
    ours: names, classes, attributes, descendants) cannot answer differently for two such
    elements. A stylesheet with any selector that reads more (siblings, `:empty`, `:lang`,
    states) has every element matched by cssselect2, as before. The matched rules'
    declarations are cascaded once for the place too, and an element with no declarations
    of its own (no style, `lang` or `id` attribute) takes a copy, in the same order.
* The properties of cssselect2's `ElementWrapper` (an element's id, classes, children…,
  read when selectors are matched) are computed on their first read and kept, as by
  `functools.cached_property`, but without taking its lock, one for all elements, on each
  first read (Python 3.12 dropped that lock too): the same function gives the same value,
  and a document's elements are matched by one thread.
* `collapse_table_borders` (the border grid of a table with collapsed borders) is
  WeasyPrint's code, but for one change: a box's four borders (style, width, colour and
  their score in the conflict) are read once for the box rather than once for each cell of
  the grid they touch, and `get_color` is imported once. A side whose range of cells is
  empty is not read, as in WeasyPrint; each cell still keeps the earlier border on a tie.
  A cell spanning one column and one row (left to right) takes the width of each of its
  four borders directly, where WeasyPrint takes the largest of a list of one.
* `get_font_description` (the Pango font description of each text's layout, made anew for
  every line WeasyPrint breaks or measures) is made once per process for each set of values
  it is made from (family, style, stretch, weight, size, capitals, variations): a layout
  copies the description it is given and nothing changes it, so a kept one gives the same
  layout. The descriptions the PDF's anchors make are WeasyPrint's own.
* `Layout.setup` (a Pango layout for a text, made for every line WeasyPrint breaks or
  measures and again to draw it) is WeasyPrint's code, but for its Pango context: each made
  its own, set to the style's direction and language and never changed after; the short
  path makes one per thread for each font map, direction and language and makes each
  layout from it, as Pango contexts are meant to be shared. The layouts are the same.
* `split_first_line` (as much of a text as fits on one line, for every text box laid out
  and for the min- and max-content widths of the cells of a table laid out automatically)
  gives a result made only of the text, the style's values, the width and three flags; it
  is taken again, within one document's layout (kept on its context, never from one
  document to the next), for the same text, style, width and flags, and for a text that fit
  on one line at its natural width, at any width not narrower: WeasyPrint's path lays out
  that one line again, with the same extents and baseline (tested). Each caller gets a copy
  of the `Layout`, with the width it gave. A style is known by its identity, kept with the
  result: no value a line reads (fonts, white space, spacing, wrapping, hyphenation, language)
  is changed in a computed style once the layout begins. An SVG text (a style made for each)
  takes WeasyPrint's path. Otherwise WeasyPrint's own function splits the line.
* `first_line_metrics` (the measures of that line, before the Pango layout is let go) is
  WeasyPrint's code, but keeps the Pango layout on the `Layout` with the text and style it
  was made for (`LAID_LINE`), for drawing to take the line's glyphs from it rather than
  shape the same text again (`renderer.drawpaths`). It lives as long as the `Layout`: a text
  box's until the page is drawn; a min-content measure's or a strut's, no longer than
  WeasyPrint's.
* `find_stylesheets` (the document's own `<style>` and `<link>` stylesheets) answers none
  at once for a document that has neither element, as the invoice's template writes it:
  WeasyPrint walks every element with a selector to find them and keeps only those whose
  tag is exactly `style` or `link`, which ElementTree's search finds as well.
* `parse_color`, as the computed colours call it (`color`, borders, backgrounds, shadows):
  a colour computed from the very same value (a token of the stylesheet, parsed once per
  process) and colour scheme is the one computed before; the value is kept with it, so its
  identity cannot pass to another. Colours are never changed once made (WeasyPrint makes a
  new one to change its alpha), so sharing one gives the same drawing.
* `get_html_metadata` (the PDF's title, authors, keywords… from `title`, `meta` and `link`
  elements) is WeasyPrint's code, but finds those elements by ElementTree's walk of the
  tree, in the same order, instead of a selector matched against a wrapper made for every
  element; WeasyPrint keeps only elements whose tag is exactly one of the three.

>>> from weasyprint.layout import block, percent, table
>>> percent.resolve_percentages is block.resolve_percentages is table.resolve_percentages \\
...     is quick_resolve_percentages
True
>>> from renderer import fastpaths
>>> with fastpaths.as_it_comes():
...     block.resolve_percentages is percent.resolve_percentages is general_resolve_percentages
True
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from functools import cached_property
from itertools import count, cycle
from math import inf
from typing import Any

import tinycss2
from cssselect2 import Matcher
from cssselect2.tree import ElementWrapper
from tinycss2.color5 import parse_color
from weasyprint import css
from weasyprint import document as weasy_document
from weasyprint import html as weasy_html
from weasyprint import layout as weasy_layout
from weasyprint.css import computed_values, units
from weasyprint.css.functions import check_math
from weasyprint.css.properties import Dimension
from weasyprint.draw.color import get_color
from weasyprint.formatting_structure import boxes, build
from weasyprint.layout import (absolute, background, block, flex, grid, inline, percent,
                               preferred)
from weasyprint.layout import page as page_layout
from weasyprint.layout import column as column_layout
from weasyprint.layout import float as floats
from weasyprint.layout import table as table_layout
from weasyprint.text import line_break
from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import font_features

from renderer import fastpaths

#: WeasyPrint's own functions, for the values the short paths leave to them.
general_resolve_percentages = percent.resolve_percentages
general_is_in_normal_flow = boxes.Box.is_in_normal_flow
general_avoid_collisions = floats.avoid_collisions
general_resolve_radii_percentages = percent.resolve_radii_percentages
general_strut = line_break.strut
general_get_font_description = line_break.get_font_description
general_layout_setup = line_break.Layout.setup
general_find_stylesheets = css.find_stylesheets
general_parse_color = computed_values.parse_color
general_get_html_metadata = weasy_document.get_html_metadata
general_split_first_line = line_break.split_first_line
line_size = line_break.line_size
percentage = percent.percentage
_font_style_cache_key = line_break._font_style_cache_key
adjust_box_sizing = percent.adjust_box_sizing

_Box = boxes.Box
_PageBox = boxes.PageBox
_LineBox = boxes.LineBox
_BlockReplacedBox = boxes.BlockReplacedBox
_Layout = line_break.Layout
_LayoutContext = weasy_layout.LayoutContext


def quick_resolve_one_percentage(box: Any, property_name: str, refer_to: Any) -> None:
    """`resolve_one_percentage`: the used value of one length property.

    >>> box = type("Box", (), {})()
    >>> box.style = {"min_width": "auto", "width": Dimension(50, "%")}
    >>> quick_resolve_one_percentage(box, "min_width", 300)
    >>> quick_resolve_one_percentage(box, "width", 300)
    >>> box.min_width, box.width
    (0, 150.0)
    """
    value = box.style[property_name]
    if value.__class__ is Dimension and value.unit == "px":
        setattr(box, property_name, value.value)
        return
    used = percentage(value, box.style, refer_to)
    if used == "auto" and property_name in ("min_width", "min_height"):
        used = 0
    setattr(box, property_name, used)


def quick_resolve_percentages(box: Any, containing_block: Any) -> None:
    """`resolve_percentages`: the used margins, paddings, sizes and borders of `box`."""
    if isinstance(containing_block, _Box):
        cb_width = containing_block.width
        cb_height = containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, _PageBox) else cb_width
    style = box.style

    # Each value: a length in pixels, 'auto', a percentage, or else WeasyPrint's path;
    # written out property by property, without a call each: this runs for every box.
    value = style["margin_left"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.margin_left = value
    value = style["margin_right"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.margin_right = value
    value = style["margin_top"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, maybe_height)
    else:
        value = value.value
    box.margin_top = value
    value = style["margin_bottom"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, maybe_height)
    else:
        value = value.value
    box.margin_bottom = value
    value = style["padding_left"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.padding_left = value
    value = style["padding_right"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.padding_right = value
    value = style["padding_top"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, maybe_height)
    else:
        value = value.value
    box.padding_top = value
    value = style["padding_bottom"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, maybe_height)
    else:
        value = value.value
    box.padding_bottom = value
    value = style["width"]
    if value == "auto":
        pass
    elif value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.width = value
    value = style["min_width"]
    if value == "auto":
        value = 0
    elif value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
        if value == "auto":
            value = 0
    else:
        value = value.value
    box.min_width = value
    value = style["max_width"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, cb_width)
    else:
        value = value.value
    box.max_width = value

    if cb_height == "auto":
        # The containing block's height depends on its content.
        height = style["height"]
        if height == "auto" or check_math(height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        min_refer, max_refer = 0, inf
    else:
        value = style["height"]
        if value == "auto":
            pass
        elif value.__class__ is not Dimension or value.unit != "px":
            value = percentage(value, style, cb_height)
        else:
            value = value.value
        box.height = value
        min_refer = max_refer = cb_height
    value = style["min_height"]
    if value == "auto":
        value = 0
    elif value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, min_refer)
        if value == "auto":
            value = 0
    else:
        value = value.value
    box.min_height = value
    value = style["max_height"]
    if value.__class__ is not Dimension or value.unit != "px":
        value = percentage(value, style, max_refer)
    else:
        value = value.value
    box.max_height = value

    # Used value == computed value, but for a width set by collapsed borders.
    if style["border_collapse"] == "collapse":
        if not hasattr(box, "border_top_width"):
            box.border_top_width = style["border_top_width"]
        if not hasattr(box, "border_right_width"):
            box.border_right_width = style["border_right_width"]
        if not hasattr(box, "border_bottom_width"):
            box.border_bottom_width = style["border_bottom_width"]
        if not hasattr(box, "border_left_width"):
            box.border_left_width = style["border_left_width"]
    else:
        box.border_top_width = style["border_top_width"]
        box.border_right_width = style["border_right_width"]
        box.border_bottom_width = style["border_bottom_width"]
        box.border_left_width = style["border_left_width"]

    # Content sizes shrunk by box-sizing: nothing to do for content-box.
    if style["box_sizing"] != "content-box":
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")


def quick_is_in_normal_flow(box: Any) -> bool:
    """`Box.is_in_normal_flow`: true at once for a box neither floated nor positioned."""
    style = box.style
    if style["float"] == "none" and style["position"] == "static":
        return True
    return general_is_in_normal_flow(box)


def quick_avoid_collisions(context: Any, box: Any, containing_block: Any,
                           outer: bool = True) -> tuple[Any, Any, Any]:
    """`avoid_collisions`: a box's position and available width beside the floats of its
    formatting context, at once when there is no float."""
    if context.excluded_shapes:
        return general_avoid_collisions(context, box, containing_block, outer)
    position_y = box.position_y if outer else box.border_box_y()

    if box.border_height() == 0 and box.is_floated():
        return 0, position_y, containing_block.width

    max_left_bound = containing_block.content_box_x()
    max_right_bound = max_left_bound + containing_block.width
    if not outer:
        max_left_bound += box.margin_left
        max_right_bound -= box.margin_right

    assert (
        box.is_floated() or
        isinstance(box, _LineBox) or
        box.is_table_wrapper or
        isinstance(box, _BlockReplacedBox) or
        box.establishes_formatting_context())

    position_x = max_left_bound
    if box.style["float"] == "none":
        if containing_block.style["direction"] == "rtl":
            if isinstance(box, _LineBox):
                position_x = max_right_bound
            elif box.is_table_wrapper:
                position_x = max_right_bound - (
                    box.margin_width() if outer else box.border_width())
            else:
                assert (
                    isinstance(box, _BlockReplacedBox) or
                    box.establishes_formatting_context())
                position_x = max_right_bound - (
                    box.margin_width() if outer else box.border_width())

    available_width = max_right_bound - max_left_bound

    if not outer:
        position_x -= box.margin_left
        position_y -= box.margin_top

    return position_x, position_y, available_width


_CORNERS = tuple(
    f"border_{corner}_radius" for corner in ("top_left", "top_right", "bottom_right",
                                             "bottom_left"))


def quick_resolve_radii_percentages(box: Any) -> None:
    """`resolve_radii_percentages`: `(0, 0)` for the square corners, WeasyPrint's path for
    the rounded ones."""
    style = box.style
    for name in _CORNERS:
        if (0, "px") not in style[name]:
            general_resolve_radii_percentages(box)
            return
    box.border_top_left_radius = box.border_top_right_radius = (0, 0)
    box.border_bottom_right_radius = box.border_bottom_left_radius = (0, 0)


def quick_layout_box_backgrounds(page: Any, box: Any, get_image_from_uri: Any,
                                 layout_children: bool = True, style: Any = None) -> None:
    """`layout_box_backgrounds`: WeasyPrint's code, fetching and positioning the
    background images of `box` (and of its descendants)."""
    quick_resolve_radii_percentages(box)

    if layout_children:
        for child in box.all_children():
            quick_layout_box_backgrounds(page, child, get_image_from_uri)

    if style is None:
        style = box.style

    if style["border_image_source"][0] != "none":
        type_, value = style["border_image_source"]
        if type_ == "url":
            box.border_image = get_image_from_uri(url=value)
        else:
            box.border_image = value

    if style["mask_border_source"][0] != "none":
        type_, value = style["mask_border_source"]
        if type_ == "url":
            box.mask_border_image = get_image_from_uri(url=value)
        else:
            box.mask_border_image = value

    if style["visibility"] == "hidden":
        images = []
        color = parse_color("transparent")
    else:
        orientation = style["image_orientation"]
        images = [
            get_image_from_uri(url=value, orientation=orientation)
            if type_ == "url" else value
            for type_, value in style["background_image"]]
        color = get_color(style, "background_color")

    if color.alpha == 0 and not any(images) and not style["box_shadow"]:
        if box != page:  # Pages need a background for bleed box
            box.background = None
            return

    layers = [
        background.layout_background_layer(box, page, style["image_resolution"], *layer)
        for layer in zip(images, *map(cycle, [
            style["background_size"],
            style["background_clip"],
            style["background_repeat"],
            style["background_origin"],
            style["background_position"],
            style["background_attachment"]]))]
    box.background = background.Background(color, layers, style)


def quick_strut(style: Any) -> tuple[Any, Any]:
    """`strut`: a style's used line height and baseline, from WeasyPrint's cache."""
    if style["font_size"] == 0:
        return 0, 0
    known = style.font_config.strut_layouts.get(
        _font_style_cache_key(style, include_size=True))
    if known is not None:
        return known
    return general_strut(style)


_TRANSPARENT = table_layout.TRANSPARENT


def quick_collapse_table_borders(table: Any, grid_width: int, grid_height: int) -> Any:
    """`collapse_table_borders`: WeasyPrint's code, reading each box's borders once."""
    if not (grid_width and grid_height):
        # Don’t bother with empty tables.
        return [], []

    styles = reversed([
        'hidden', 'double', 'solid', 'dashed', 'dotted', 'ridge', 'outset',
        'groove', 'inset', 'none'])
    style_scores = {style: score for score, style in enumerate(styles)}
    style_map = {'inset': 'ridge', 'outset': 'groove'}
    weak_null_border = ((0, 0, style_scores['none']), ('none', 0, _TRANSPARENT))

    # Borders are always stored left to right, top to bottom.
    vertical_borders = [
        [weak_null_border] * (grid_width + 1) for _ in range(grid_height)]
    horizontal_borders = [
        [weak_null_border] * grid_width for _ in range(grid_height + 1)]

    def side_border(box_style: Any, side: str) -> Any:
        """One side's border and its score in the conflict, as WeasyPrint stores them."""
        style = box_style[f'border_{side}_style']
        width = box_style[f'border_{side}_width']
        color = get_color(box_style, f'border_{side}_color')

        # See https://www.w3.org/TR/CSS21/tables.html#border-conflict-resolution.
        score = ((1 if style == 'hidden' else 0), width, style_scores[style])

        style = style_map.get(style, style)
        return score, (style, width, color)

    def set_borders(box: Any, x: int, y: int, w: int, h: int) -> None:
        style = box.style

        # x and y are logical (possibly rtl), but borders are graphical (always ltr).
        # Strict < so that the earlier box wins in case of a tie.
        if table.style['direction'] == 'ltr':
            if h > 0:
                left, right = side_border(style, 'left'), side_border(style, 'right')
                for yy in range(y, y + h):
                    grid_row = vertical_borders[yy]
                    if grid_row[x][0] < left[0]:
                        grid_row[x] = left
                    if grid_row[x + w][0] < right[0]:
                        grid_row[x + w] = right
            if w > 0:
                top, bottom = side_border(style, 'top'), side_border(style, 'bottom')
                top_row, bottom_row = horizontal_borders[y], horizontal_borders[y + h]
                for xx in range(x, x + w):
                    if top_row[xx][0] < top[0]:
                        top_row[xx] = top
                    if bottom_row[xx][0] < bottom[0]:
                        bottom_row[xx] = bottom
        else:
            if h > 0:
                left, right = side_border(style, 'left'), side_border(style, 'right')
                for yy in range(y, y + h):
                    grid_row = vertical_borders[yy]
                    if grid_row[-1 - w - x][0] < left[0]:
                        grid_row[-1 - w - x] = left
                    if grid_row[-1 - x][0] < right[0]:
                        grid_row[-1 - x] = right
            if w > 0:
                top, bottom = side_border(style, 'top'), side_border(style, 'bottom')
                top_row, bottom_row = horizontal_borders[y], horizontal_borders[y + h]
                for xx in range(-1 - x, -1 - x - w, -1):
                    if top_row[xx][0] < top[0]:
                        top_row[xx] = top
                    if bottom_row[xx][0] < bottom[0]:
                        bottom_row[xx] = bottom

    # Set cell borders. The order is important here:
    # "A style set on a cell wins over one on a row, which wins over a
    #  row group, column, column group and, lastly, table"
    # See https://www.w3.org/TR/CSS21/tables.html#border-conflict-resolution.
    strong_null_border = ((1, 0, style_scores['hidden']), ('hidden', 0, _TRANSPARENT))
    grid_y = 0
    for row_group in table.children:
        for row in row_group.children:
            for cell in row.children:
                # Force null border inside of a cell with rowspan or colspan.
                grid_x, colspan, rowspan = cell.grid_x, cell.colspan, cell.rowspan
                if table.style['direction'] == 'ltr':
                    vertical_x_range = range(grid_x + 1, grid_x + colspan)
                    horizontal_x_range = range(grid_x, grid_x + colspan)
                else:
                    vertical_x_range = range(-2 - grid_x, -1 - grid_x - colspan, -1)
                    horizontal_x_range = range(-1 - grid_x, -1 - grid_x - colspan, -1)
                for xx in vertical_x_range:
                    for yy in range(grid_y, grid_y + rowspan):
                        vertical_borders[yy][xx] = strong_null_border
                for xx in horizontal_x_range:
                    for yy in range(grid_y + 1, grid_y + rowspan):
                        horizontal_borders[yy][xx] = strong_null_border
                # Set cell border.
                set_borders(cell, grid_x, grid_y, colspan, rowspan)
            grid_y += 1

    # Set row borders.
    grid_y = 0
    for row_group in table.children:
        for row in row_group.children:
            set_borders(row, 0, grid_y, grid_width, 1)
            grid_y += 1

    # Set row group borders.
    grid_y = 0
    for row_group in table.children:
        rowspan = len(row_group.children)
        set_borders(row_group, 0, grid_y, grid_width, rowspan)
        grid_y += rowspan

    # Set column borders.
    for column_group in table.column_groups:
        for column in column_group.children:
            set_borders(column, column.grid_x, 0, 1, grid_height)

    # Set column group group borders.
    for column_group in table.column_groups:
        set_borders(
            column_group, column_group.grid_x, 0, column_group.span, grid_height)

    # Set table borders.
    set_borders(table, 0, 0, grid_width, grid_height)

    # Now that all conflicts are resolved, set transparent borders of the
    # correct widths on each box. The actual border grid will be painted
    # separately.
    def set_border_used_width(box: Any, side: str, twice_width: Any) -> None:
        prop = f'border_{side}_width'
        setattr(box, prop, twice_width / 2)

    def remove_borders(box: Any) -> None:
        set_border_used_width(box, 'top', 0)
        set_border_used_width(box, 'right', 0)
        set_border_used_width(box, 'bottom', 0)
        set_border_used_width(box, 'left', 0)

    def max_vertical_width(x: Any, y1: Any, y2: Any) -> Any:
        return max(grid_row[x][1][1] for grid_row in vertical_borders[y1:y2])

    def max_horizontal_width(x1: Any, y: Any, x2: Any) -> Any:
        return max(width for _, (_, width, _) in horizontal_borders[y][x1:x2])

    grid_y = 0
    for row_group in table.children:
        remove_borders(row_group)
        for row in row_group.children:
            remove_borders(row)
            for cell in row.children:
                x, y = cell.grid_x, grid_y
                colspan, rowspan = cell.colspan, cell.rowspan
                if colspan == rowspan == 1 and table.style['direction'] == 'ltr':
                    # The widest of one border: that border's width.
                    cell.border_top_width = horizontal_borders[y][x][1][1] / 2
                    cell.border_bottom_width = horizontal_borders[y + 1][x][1][1] / 2
                    cell.border_left_width = vertical_borders[y][x][1][1] / 2
                    cell.border_right_width = vertical_borders[y][x + 1][1][1] / 2
                    continue
                if table.style['direction'] == 'ltr':
                    top = max_horizontal_width(x, y, x + colspan)
                    bottom = max_horizontal_width(x, y + rowspan, x + colspan)
                    left = max_vertical_width(x, y, y + rowspan)
                    right = max_vertical_width(x + colspan, y, y + rowspan)
                else:
                    top = max_horizontal_width(-colspan - x, y, -x or None)
                    bottom = max_horizontal_width(-colspan - x, y + rowspan, -x or None)
                    left = max_vertical_width(-1 - colspan - x, y, y + rowspan)
                    right = max_vertical_width(-1 - x, y, y + rowspan)
                set_border_used_width(cell, 'top', top)
                set_border_used_width(cell, 'bottom', bottom)
                set_border_used_width(cell, 'left', left)
                set_border_used_width(cell, 'right', right)
            grid_y += 1

    for column_group in table.column_groups:
        remove_borders(column_group)
        for column in column_group.children:
            remove_borders(column)

    set_border_used_width(table, 'top', max_horizontal_width(0, 0, grid_width))
    set_border_used_width(
        table, 'bottom', max_horizontal_width(0, grid_height, grid_width))
    # "UAs must compute an initial left and right border width for the table
    #  by examining the first and last cells in the first row of the table."
    # https://www.w3.org/TR/CSS21/tables.html#collapsing-borders
    # ... so h=1, not grid_height:
    set_border_used_width(table, 'left', max_vertical_width(0, 0, 1))
    set_border_used_width(table, 'right', max_vertical_width(grid_width, 0, 1))

    return vertical_borders, horizontal_borders


#: Style attributes (and the `lang`, `id` and `name` attributes WeasyPrint reads as
#: declarations) parsed and checked: (text, base URL, a block of declarations?) → (the
#: declarations, their expanded and checked values), by `_declared`.
_declarations: dict[tuple[str, Any, bool], tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
#: How many `_declarations` holds at most (an invoice has a handful of style attributes).
_DECLARATIONS_KEPT = 1024
_SVG_TAG = '{http://www.w3.org/2000/svg}svg'


def _declared(text: str, base_url: Any, block: bool) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A style attribute's declarations (`block`) or one declaration, and their values
    as WeasyPrint's `preprocess_declarations` gives them, parsed once per process."""
    key = (text, base_url, block)
    known = _declarations.get(key)
    if known is None:
        declarations = (tuple(tinycss2.parse_blocks_contents(text)) if block
                        else (tinycss2.parse_one_declaration(text),))
        known = (declarations, tuple(css.preprocess_declarations(base_url, declarations)))
        if len(_declarations) >= _DECLARATIONS_KEPT:
            _declarations.clear()
        _declarations[key] = known
    return known


def _attribute_declarations(root: Any, presentational_hints: bool,
                            base_url: Any) -> Iterator[tuple[Any, Any, Any, Any]]:
    """`find_style_attributes`, each rule with its checked values: (specificity, element,
    declarations, values), the same rules in the same order. Without presentational hints
    and SVG elements (whose width and height WeasyPrint reads), each text is parsed once per
    process (`_declared`); else by WeasyPrint's functions."""
    if presentational_hints or next(root.iter(_SVG_TAG), None) is not None:
        for specificity, element, declarations, base in css.find_style_attributes(
                root, presentational_hints, base_url):
            yield (specificity, element, declarations,
                   css.preprocess_declarations(base, declarations))
        return
    for element in root.iter():
        if style := element.get('style'):
            yield (1, 0, 0), element, *_declared(style, base_url, True)
        if lang := element.get('lang'):
            yield (0, 0, 0), element, *_declared(f'-weasy-lang:"{lang}"', base_url, False)
        if id_ := element.get('id'):
            yield (0, 0, 0), element, *_declared(f'-weasy-anchor:"{id_}"', base_url, False)
        if element.tag == 'a':
            if name := element.get('name'):
                yield (0, 0, 0), element, *_declared(
                    f'-weasy-anchor:"{name}"', base_url, False)


def _sharing_key(declarations: tuple[Any, ...]) -> Any:
    """An element's declarations as WeasyPrint's cascade compares them to share a computed
    style: it parses them anew for each element, and tinycss2's nodes are equal only when
    they are the same node, but for literal tokens (equal by value). So the declarations
    kept by `_declared` stand for themselves where all are literal tokens (or there are
    none), and otherwise a key equal to no other element's.

    >>> _sharing_key(()) == _sharing_key(())
    True
    >>> declarations, _ = _declared("height: 1px", None, True)
    >>> _sharing_key(declarations) == _sharing_key(declarations)
    False
    """
    if all(type(node).__eq__ is not object.__eq__ for node in declarations):
        return declarations
    return object()


#: What a selector's test may read for its answer to depend on the element's name and
#: attributes and its ancestors' only (cssselect2 compiles each selector to a function).
_ELEMENT_AND_ANCESTORS = frozenset({
    "ancestors", "any", "attrib", "classes", "etree_element", "get", "id", "local_name",
    "namespace_url", "parent"})
#: Whether each matcher's selectors read no more than `_ELEMENT_AND_ANCESTORS`.
_plain_matchers: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _names_read(code: Any) -> set[str]:
    """The names a function's code (and the code it holds, a generator's) reads."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if hasattr(constant, "co_names"):
            names |= _names_read(constant)
    return names


def _reads_element_and_ancestors(matcher: Any) -> bool:
    """Whether every selector of `matcher` depends on no more than the element's name and
    attributes and those of its ancestors (no sibling, child count, language, state)."""
    known = _plain_matchers.get(matcher)
    if known is None:
        entries = [entry for group in (
            matcher.id_selectors, matcher.class_selectors,
            matcher.lower_local_name_selectors, matcher.namespace_selectors)
            for entries in group.values() for entry in entries]
        entries += matcher.lang_attr_selectors + matcher.other_selectors
        known = type(matcher).match is Matcher.match and all(
            getattr(test, "__code__", None) is not None and not test.__closure__
            and _names_read(test.__code__) <= _ELEMENT_AND_ANCESTORS
            for test, *_ in entries)
        _plain_matchers[matcher] = known
    return known


#: An element's place in the selectors' eyes: (its parent's place, its tag, its attributes)
#: → a number never given to another place, by `_place`.
_places: dict[tuple[int, str, tuple[tuple[str, str], ...]], int] = {}
_place_numbers = count()
#: The root's parent place, in an HTML document and another.
_ROOT_PLACES = {True: -1, False: -2}
#: The rules matched at each place, for each list of stylesheets (the newest used kept):
#: (selector keys, matched rules) as `_match` gives them, and their declarations cascaded
#: (`_cascades`).
_rules: OrderedDict[tuple[Any, ...], dict[int, tuple[Any, Any, Any]]] = OrderedDict()
#: How many lists of stylesheets `_rules` keeps (a long invoice's pieces add one each).
_SHEETS_KEPT = 16
#: How many places `_places` and the rules of one list of stylesheets hold at most.
_PLACES_KEPT = 8192


def _place(parent_place: int, etree_element: Any) -> int:
    """The number of an element's place: the same for elements of the same tag and
    attributes (in the same order) whose parents have the same place."""
    key = (parent_place, etree_element.tag, tuple(etree_element.attrib.items()))
    place = _places.get(key)
    if place is None:
        if len(_places) >= _PLACES_KEPT:
            _places.clear()
        place = _places[key] = next(_place_numbers)
    return place


def _matched_rules(sheets: Any) -> dict[int, tuple[Any, Any, Any]] | None:
    """The rules matched before at each place with these stylesheets, or None where a
    selector reads more than the element and its ancestors."""
    try:
        key = tuple(sheets)
        rules = _rules.get(key)
    except TypeError:  # a stylesheet with no stable key
        return None
    if rules is None:
        if not all(_reads_element_and_ancestors(sheet.matcher) for sheet, _, _ in sheets):
            return None
        while len(_rules) >= _SHEETS_KEPT:
            try:
                _rules.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break
        rules = _rules[key] = {}
    else:
        try:
            _rules.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile: still valid here
            pass
        if len(rules) >= _PLACES_KEPT:
            rules.clear()
    return rules


def _cascades(matched: tuple[Any, ...]) -> tuple[tuple[Any, dict[str, Any]], ...]:
    """The declarations of the matched rules cascaded as WeasyPrint cascades them into an
    element with no declarations of its own: (pseudo-element, {property: (value, weight)})
    for the element and each of its pseudo-elements, in the order WeasyPrint adds them."""
    cascades: dict[Any, dict[str, Any]] = {}
    for origin, specificity, pseudo_type, declarations, layer_order in matched:
        _cascade(cascades.setdefault(pseudo_type, {}), declarations, origin, layer_order,
                 specificity)
    return tuple(cascades.items())


def _cascade(style: dict[str, Any], declarations: Any, origin: str, layer_order: Any,
             specificity: Any) -> None:
    """Cascade one rule's `declarations` into `style` ({property: (value, weight)}), as
    WeasyPrint does: a later declaration of the same or a greater weight wins."""
    declaration_precedence = css.declaration_precedence
    for name, values, importance in declarations:
        weight = (declaration_precedence(origin, importance), layer_order, specificity)
        old_weight = style.get(name, (None, None))[1]
        if old_weight is None or old_weight <= weight:
            style[name] = values, weight


def _match(sheets: Any, element: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The rules of `sheets` matching `element`: the keys WeasyPrint's cascade shares
    computed styles by, and (origin, specificity, pseudo-element, declarations, layer
    order) for each, in WeasyPrint's order."""
    selectors_keys = []
    matched = []
    for sheet, origin, sheet_specificity in sheets:
        for selector in sheet.matcher.match(element):
            specificity, order, pseudo_type, (declarations, layer) = selector
            layer_order = inf if layer is None else sheet.layers.index(layer)
            selectors_keys.append((sheet, specificity, id(declarations), layer_order))
            matched.append((origin, sheet_specificity or specificity, pseudo_type,
                            declarations, layer_order))
    return tuple(selectors_keys), tuple(matched)


def quick_style_for_init(self: Any, html: Any, sheets: Any, presentational_hints: Any,
                         font_config: Any, target_collector: Any) -> None:
    """`StyleFor.__init__`: WeasyPrint's cascade, but an element whose computed style is
    shared with an earlier one (same parent style, same style attribute, same matching
    rules) does not cascade its own declarations again: only those of its pseudo-elements,
    which are computed from them. Style attributes are parsed once per process
    (`_attribute_declarations`) and the rules matching an element are those matched
    before for an element of the same name and attributes under the same ancestors
    (`_matched_rules`)."""
    self._cascaded_styles = cascaded_styles = {}
    self._computed_styles = computed_styles = {}

    # Set when the first page is created, used for viewport-based units.
    self.initial_page_sizes = {'box': None, 'area': None}

    self._sheets = sheets
    self.font_config = font_config

    css.PROGRESS_LOGGER.info('Step 3 - Applying CSS')
    layer_order = inf
    elements_declarations = {}
    for specificity, element, declarations, preprocessed in _attribute_declarations(
            html.etree_element, presentational_hints, html.base_url):
        elements_declarations[element] = _sharing_key(declarations)
        _cascade(cascaded_styles.setdefault((element, None), {}), preprocessed, 'author',
                 layer_order, specificity)

    # Computed styles for "real" elements *in tree order*, so that parents have computed
    # styles before their children, for inheritance.
    computed_cache = {}
    kept_rules = _matched_rules(sheets)
    places: dict[Any, int] = {}
    root_place = _ROOT_PLACES[html.wrapper_element.in_html_document]
    for element in html.wrapper_element.iter_subtree():
        etree_element = element.etree_element
        parent = element.parent.etree_element if element.parent else None
        parent_id = id(computed_styles[parent, None]) if element.parent else None
        element_declarations = elements_declarations.get(etree_element)
        cascades = None
        if kept_rules is None:
            selectors_keys, matched = _match(sheets, element)
        else:
            place = places[etree_element] = _place(
                places[parent] if parent is not None else root_place, etree_element)
            rules = kept_rules.get(place)
            if rules is None:
                selectors_keys, matched = _match(sheets, element)
                rules = kept_rules[place] = (selectors_keys, matched, _cascades(matched))
            selectors_keys, matched, cascades = rules
        key = (parent_id, element_declarations, selectors_keys)
        shared = key in computed_cache

        # Add declarations for matching elements (for a shared style, only for its
        # pseudo-elements), in the order WeasyPrint adds them: for an element without
        # declarations of its own, as cascaded once for its place.
        if cascades is not None and element_declarations is None:
            for pseudo_type, cascaded in cascades:
                if shared and pseudo_type is None:
                    continue
                cascaded_styles[etree_element, pseudo_type] = cascaded.copy()
        else:
            for origin, specificity, pseudo_type, declarations, layer_order in matched:
                if shared and pseudo_type is None:
                    continue
                _cascade(cascaded_styles.setdefault((etree_element, pseudo_type), {}),
                         declarations, origin, layer_order, specificity)

        # Store computed styles.
        if shared:
            # Equivalent computed style already exists, share it.
            computed_styles[etree_element, None] = computed_cache[key]
        else:
            # No equivalent computed style found, create it.
            self.set_computed_styles(
                etree_element, root=html.etree_element, parent=parent,
                base_url=html.base_url, target_collector=target_collector)
            computed_cache[key] = computed_styles[etree_element, None]

    # Then computed styles for pseudo elements, in any order: those with cascaded styles.
    for element, pseudo_type in cascaded_styles:
        if pseudo_type:
            self.set_computed_styles(
                element, pseudo_type=pseudo_type,
                # The pseudo-element inherits from the element.
                root=html.etree_element, parent=element,
                base_url=html.base_url, target_collector=target_collector)

    # Clear the cascaded styles, we don't need them anymore. Keep the
    # dictionary, it is used later for page margins.
    self._cascaded_styles.clear()


class FirstReadProperty:
    """`functools.cached_property` without its lock: the value is computed on the first
    read and kept in the instance, where later reads find it without this descriptor.

    >>> class Element:
    ...     def __init__(self):
    ...         self.reads = 0
    ...     def classes(self):
    ...         self.reads += 1
    ...         return {"num"}
    ...     classes = FirstReadProperty(classes)
    >>> element = Element()
    >>> element.classes, element.classes, element.reads
    ({'num'}, {'num'}, 1)
    """

    def __init__(self, func: Any, name: str | None = None) -> None:
        self.func = func
        self.name = name or func.__name__
        self.__doc__ = func.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


#: Pango font descriptions made by WeasyPrint, by what it reads from a style to make them.
_descriptions: dict[tuple[Any, ...], Any] = {}
#: How many `_descriptions` holds at most (a document uses a handful).
_DESCRIPTIONS_KEPT = 256


def quick_get_font_description(style: Any) -> Any:
    """`get_font_description` for a text's layout: the description WeasyPrint made for the
    same font family, style, stretch, weight, size, capitals and variations, made once per
    process (a layout copies the description it is given and never changes it)."""
    variations = style["font_variation_settings"]
    key = (tuple(style["font_family"]), style["font_style"], style["font_stretch"],
           style["font_weight"], style["font_size"], style["font_variant_caps"],
           variations if variations == "normal" else tuple(variations))
    description = _descriptions.get(key)
    if description is None:
        description = general_get_font_description(style)
        if len(_descriptions) >= _DESCRIPTIONS_KEPT:
            _descriptions.clear()
        _descriptions[key] = description
    return description


class _PangoContexts(threading.local):
    """Each thread's Pango contexts, by font map, base direction and language."""

    def __init__(self) -> None:
        self.kept: dict[tuple[Any, ...], tuple[Any, Any]] = {}


_pango_contexts = _PangoContexts()
#: How many Pango contexts a thread keeps at most (each holds its font map).
_CONTEXTS_KEPT = 16


def _pango_context(font_map: Any, direction: str, lang: str | None) -> tuple[Any, Any]:
    """A Pango context set up as `Layout.setup` sets up its own, and its language: made
    once per thread for each font map, direction and language, and never changed after."""
    kept = _pango_contexts.kept
    key = (font_map, direction, lang)
    made = kept.get(key)
    if made is None:
        pango_context = ffi.gc(
            pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(pango_context, False)
        pango.pango_context_set_base_dir(pango_context, PANGO_DIRECTION[direction])
        if lang:
            lang_p, lang = unicode_to_char_p(lang)
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(pango_context, language)
        else:
            language = pango.pango_language_get_default()
        if len(kept) >= _CONTEXTS_KEPT:
            kept.clear()
        made = kept[key] = (pango_context, language)
    return made


def quick_layout_setup(self: Any, style: Any) -> None:
    """`Layout.setup`: WeasyPrint's code, the Pango context taken from `_pango_context`."""
    self.style = style
    self.first_line_direction = 0

    font_map = style.font_config.font_map
    if style['font_language_override'] != 'normal':
        lang = LST_TO_ISO.get(
            style['font_language_override'].lower(), style['font_language_override'])
    elif style['lang']:
        lang = style['lang']
    else:
        lang = None
    pango_context, self.language = _pango_context(font_map, style['direction'], lang)

    assert not isinstance(style['font_family'], str), (
        'font_family should be a list')
    font_description = line_break.get_font_description(style)
    self.layout = ffi.gc(
        pango.pango_layout_new(pango_context),
        gobject.g_object_unref)
    pango.pango_layout_set_auto_dir(self.layout, False)
    pango.pango_layout_set_font_description(self.layout, font_description)

    text_decoration = style['text_decoration_line']
    if text_decoration != 'none':
        metrics = ffi.gc(
            pango.pango_context_get_metrics(
                pango_context, font_description, self.language),
            pango.pango_font_metrics_unref)
        self.ascent = FROM_UNITS * (
            pango.pango_font_metrics_get_ascent(metrics))
        self.underline_position = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_position(metrics))
        self.strikethrough_position = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_position(metrics))
        self.underline_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_underline_thickness(metrics))
        self.strikethrough_thickness = FROM_UNITS * (
            pango.pango_font_metrics_get_strikethrough_thickness(metrics))
    else:
        self.ascent = None
        self.underline_position = None
        self.strikethrough_position = None

    features = font_features(
        style['font_kerning'], style['font_variant_ligatures'],
        style['font_variant_position'], style['font_variant_caps'],
        style['font_variant_numeric'], style['font_variant_alternates'],
        style['font_variant_east_asian'], style['font_feature_settings'])
    if features:
        features = ','.join(
            f'{key} {value}' for key, value in features.items()).encode()
        # In the meantime, keep a cache to avoid leaking too many of them.
        attr = style.font_config.font_features.setdefault(
            features, pango.pango_attr_font_features_new(features))
        attr_list = pango.pango_attr_list_new()
        pango.pango_attr_list_insert(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)


#: The Pango layout a text's first line was measured with, kept on WeasyPrint's `Layout`
#: for drawing (`renderer.drawpaths`): the attribute's name.
LAID_LINE = "laid_line"


def quick_first_line_metrics(first_line: Any, text: str, layout: Any, resume_at: Any,
                             space_collapse: bool, style: Any, hyphenated: bool = False,
                             hyphenation_character: str | None = None) -> tuple[Any, ...]:
    """`first_line_metrics`: WeasyPrint's code, but the Pango layout the line was measured
    with is kept on the `Layout` it deactivates (`LAID_LINE`), with its text and style, for
    drawing to take its glyphs rather than shape the same text again."""
    length = first_line.length
    if hyphenated:
        length -= len(hyphenation_character.encode())
    elif resume_at:
        # An unbounded width: the line was split already (WeasyPrint's comment).
        pango.pango_layout_set_width(layout.layout, -1)
        first_line_text = text.encode()[:length].decode()
        if space_collapse:
            first_line_text = first_line_text.rstrip(' ')
        layout.set_text(first_line_text)
        first_line, _ = layout.get_first_line()
        length = first_line.length if first_line is not None else 0

    width, height = line_size(first_line, style)
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    setattr(layout, LAID_LINE, (layout.layout, layout.text, style))
    layout.deactivate()
    return layout, length, resume_at, width, height, baseline


class _LaidLines:
    """The first lines split in one document's layout (`quick_split_first_line`)."""

    __slots__ = ("by_width", "fitting")

    def __init__(self) -> None:
        #: (text, style's id, width, justification spacing, line start, minimum) →
        #: (the style, kept so that its id stays its own, WeasyPrint's result).
        self.by_width: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}
        #: (text, style's id, justification spacing) → (the style, the result) of a text
        #: that fits in one line at its natural width, whatever the width it was given.
        self.fitting: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}


#: How many lines a document's `_LaidLines` holds at most (an invoice of 200 lines: ~220).
_LAID_LINES_KEPT = 16384
#: The styles whose values a document's layout does not change (the SVG text's do).
_CASCADED_STYLES = (css.ComputedStyle, css.AnonymousStyle)


def _laid_out(layout: Any, max_width: Any) -> Any:
    """A copy of a deactivated `Layout`, given the width its caller gave: as WeasyPrint's
    would be, made anew for the same text, style and (fitting) width."""
    copy = _Layout.__new__(_Layout)
    copy.__dict__.update(layout.__dict__)
    copy.max_width = max_width
    return copy


def _kept(keep: tuple[Any, ...], result: tuple[Any, ...]) -> tuple[Any, ...]:
    """`split_first_line`'s result, kept for the rest of the document (`keep`: where, under
    which keys, for which style and width), and returned to its caller."""
    lines, key, fit_key, style, max_width = keep
    layout, *metrics = result
    if len(lines.by_width) >= _LAID_LINES_KEPT:
        lines.by_width.clear()
        lines.fitting.clear()
    _, resume_index, width, _, _ = metrics
    if resume_index is None and (max_width is None or width <= max_width):
        known = lines.by_width[key] = (style, result)
        lines.fitting[fit_key] = known
        return (_laid_out(layout, max_width), *metrics)
    # A line not fitting (a min-content width, a line split) is kept without the Pango
    # layout drawing could take: it is let go with the caller's copy, as WeasyPrint's is.
    kept = _laid_out(layout, max_width)
    kept.__dict__.pop(LAID_LINE, None)
    lines.by_width[key] = (style, (kept, *metrics))
    return result


def quick_split_first_line(text: str, style: Any, context: Any, max_width: Any,
                           justification_spacing: Any, is_line_start: bool = True,
                           minimum: bool = False) -> tuple[Any, ...]:
    """`split_first_line`: WeasyPrint's result for the same text, style and width found
    earlier in the document, or for a text that fits in one line at a width at least its
    natural width; else WeasyPrint's own function's, kept for the rest of the document
    (`_kept`). WeasyPrint's function calls `first_line_metrics` by its module's name, so it
    keeps the Pango layout for drawing (`quick_first_line_metrics`)."""
    if style.__class__ not in _CASCADED_STYLES or context.__class__ is not _LayoutContext:
        return general_split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum)
    lines = context.__dict__.get("laid_lines")
    if lines is None:
        lines = context.laid_lines = _LaidLines()
    style_id = id(style)
    key = (text, style_id, max_width, justification_spacing, is_line_start, minimum)
    known = lines.by_width.get(key)
    fit_key = (text, style_id, justification_spacing)
    if known is None:
        known = lines.fitting.get(fit_key)
        if known is not None and max_width is not None and max_width < known[1][3]:
            known = None
    if known is not None:
        layout, *metrics = known[1]
        return (_laid_out(layout, max_width), *metrics)
    return _kept((lines, key, fit_key, style, max_width), general_split_first_line(
        text, style, context, max_width, justification_spacing, is_line_start, minimum))


def quick_find_stylesheets(wrapper_element: Any, *args: Any, **kwargs: Any) -> Any:
    """`find_stylesheets`: none in a document with no `style` or `link` element (found by
    ElementTree's own search), else WeasyPrint's."""
    root = wrapper_element.etree_element
    if next(root.iter("style"), None) is None and next(root.iter("link"), None) is None:
        return iter(())
    return general_find_stylesheets(wrapper_element, *args, **kwargs)


#: Colours computed from a stylesheet's values: (the value's id, the colour scheme) → (the
#: value, kept so that its id stays its own, the colour).
_colors: dict[tuple[int, Any], tuple[Any, Any]] = {}
#: How many `_colors` holds at most.
_COLORS_KEPT = 1024


def quick_parse_color(value: Any, color_scheme: Any = None) -> Any:
    """`parse_color` for a computed colour: the colour computed before from the very same
    value (a token of a stylesheet, parsed once per process) and colour scheme."""
    try:
        key = (id(value), color_scheme)
        known = _colors.get(key)
    except TypeError:  # a scheme with no stable key
        return general_parse_color(value, color_scheme)
    if known is not None and known[0] is value:
        return known[1]
    color = general_parse_color(value, color_scheme)
    if len(_colors) >= _COLORS_KEPT:
        _colors.clear()
    _colors[key] = (value, color)
    return color


#: The elements `get_html_metadata` reads.
_METADATA_TAGS = frozenset({"title", "meta", "link"})


def quick_get_html_metadata(html: Any) -> dict[str, Any]:
    """`get_html_metadata`: WeasyPrint's code, but for the elements it reads (`title`, `meta`
    and `link`), found in tree order by ElementTree's walk rather than a selector's."""
    title = None
    description = None
    generator = None
    keywords = []
    authors = []
    created = None
    modified = None
    attachments = []
    custom = {}
    lang = html.etree_element.attrib.get('lang', None)
    for element in html.wrapper_element.etree_element.iter():
        if element.tag not in _METADATA_TAGS:
            continue
        if element.tag == 'title' and title is None:
            title = weasy_html.get_child_text(element)
        elif element.tag == 'meta':
            name = weasy_html.ascii_lower(element.get('name', ''))
            content = element.get('content', '')
            if name == 'keywords':
                for keyword in content.split(','):
                    keyword = keyword.strip(weasy_html.WHITESPACE)
                    if keyword not in keywords:
                        keywords.append(keyword)
            elif name == 'author':
                authors.append(content)
            elif name == 'description':
                if description is None:
                    description = content
            elif name == 'generator':
                if generator is None:
                    generator = content
            elif name == 'dcterms.created':
                if created is None:
                    created = weasy_html.parse_w3c_date(name, content)
            elif name == 'dcterms.modified':
                if modified is None:
                    modified = weasy_html.parse_w3c_date(name, content)
            elif name and name not in custom:
                custom[name] = content
        elif element.tag == 'link' and weasy_html.element_has_link_type(
                element, 'attachment'):
            url = weasy_html.parse_url(element.get('href'), html.base_url)
            attachment_title = element.get('title', None)
            if url is None:
                weasy_html.LOGGER.error('Missing href in <link rel="attachment">')
            else:
                attachment = weasy_html.Attachment(
                    url=url, description=attachment_title,
                    url_fetcher=html.url_fetcher)
                attachments.append(attachment)
    return {
        'title': title,
        'description': description,
        'generator': generator,
        'keywords': keywords,
        'authors': authors,
        'created': created,
        'modified': modified,
        'attachments': attachments,
        'lang': lang,
        'custom': custom,
    }


for _module in (percent, absolute, block, column_layout, floats, flex, grid, inline,
                page_layout, table_layout):
    if getattr(_module, "resolve_percentages", None) is general_resolve_percentages:
        fastpaths.replace(_module, "resolve_percentages", quick_resolve_percentages)
for _module in (percent, inline, table_layout):
    fastpaths.replace(_module, "resolve_one_percentage", quick_resolve_one_percentage)
fastpaths.replace(boxes.Box, "is_in_normal_flow", quick_is_in_normal_flow)
for _module in (floats, block, inline):
    fastpaths.replace(_module, "avoid_collisions", quick_avoid_collisions)
for _module in (percent, background):
    fastpaths.replace(_module, "resolve_radii_percentages", quick_resolve_radii_percentages)
fastpaths.replace(background, "layout_box_backgrounds", quick_layout_box_backgrounds)
for _module in (line_break, inline, units, computed_values):
    fastpaths.replace(_module, "strut", quick_strut)
for _module in (table_layout, build):
    fastpaths.replace(_module, "collapse_table_borders", quick_collapse_table_borders)
fastpaths.replace(css.StyleFor, "__init__", quick_style_for_init)
fastpaths.replace(line_break, "get_font_description", quick_get_font_description)
fastpaths.replace(line_break.Layout, "setup", quick_layout_setup)
for _module in (line_break, inline, preferred):
    fastpaths.replace(_module, "split_first_line", quick_split_first_line)
fastpaths.replace(line_break, "first_line_metrics", quick_first_line_metrics)
fastpaths.replace(css, "find_stylesheets", quick_find_stylesheets)
fastpaths.replace(computed_values, "parse_color", quick_parse_color)
fastpaths.replace(weasy_document, "get_html_metadata", quick_get_html_metadata)
for _name, _property in list(vars(ElementWrapper).items()):
    if isinstance(_property, cached_property):
        fastpaths.replace(ElementWrapper, _name, FirstReadProperty(_property.func, _name))
