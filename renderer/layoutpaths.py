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
  its check of the box's kind. A context with floats takes WeasyPrint's path.
* `layout_box_backgrounds` (background layers and border-image sources, for each box) is
  WeasyPrint's own code, with the radii of the corners resolved by the short path below and
  without importing `get_color` again for every box.
* `resolve_radii_percentages`: a corner whose radius is zero is `(0, 0)` as in WeasyPrint;
  any other corner goes to WeasyPrint's function.

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

from itertools import cycle
from math import inf
from typing import Any

from tinycss2.color5 import parse_color
from weasyprint.css.functions import check_math
from weasyprint.css.properties import Dimension
from weasyprint.draw.color import get_color
from weasyprint.formatting_structure import boxes
from weasyprint.layout import (
    absolute, background, block, column, float as floats, flex, grid, inline, page, percent,
    replaced, table)

from renderer import fastpaths

#: WeasyPrint's own functions, for the values the short paths leave to them.
general_resolve_percentages = percent.resolve_percentages
general_resolve_one_percentage = percent.resolve_one_percentage
general_is_in_normal_flow = boxes.Box.is_in_normal_flow
general_avoid_collisions = floats.avoid_collisions
general_resolve_radii_percentages = percent.resolve_radii_percentages
percentage = percent.percentage
adjust_box_sizing = percent.adjust_box_sizing

_Box = boxes.Box
_PageBox = boxes.PageBox
_LineBox = boxes.LineBox
_BlockReplacedBox = boxes.BlockReplacedBox


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

    # Each value: a length in pixels, 'auto', a percentage, or else WeasyPrint's path.
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
        quick_resolve_one_percentage(box, "min_height", 0)
        quick_resolve_one_percentage(box, "max_height", inf)
    else:
        value = style["height"]
        if value == "auto":
            pass
        elif value.__class__ is not Dimension or value.unit != "px":
            value = percentage(value, style, cb_height)
        else:
            value = value.value
        box.height = value
        value = style["min_height"]
        if value == "auto":
            value = 0
        elif value.__class__ is not Dimension or value.unit != "px":
            value = percentage(value, style, cb_height)
            if value == "auto":
                value = 0
        else:
            value = value.value
        box.min_height = value
        value = style["max_height"]
        if value.__class__ is not Dimension or value.unit != "px":
            value = percentage(value, style, cb_height)
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
    box_width = box.margin_width() if outer else box.border_width()
    if outer:
        box.margin_height()
    else:
        box.border_height()

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
                position_x = max_right_bound - box_width
            else:
                assert (
                    isinstance(box, _BlockReplacedBox) or
                    box.establishes_formatting_context())
                position_x = max_right_bound - box_width

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


for _module in (percent, absolute, block, column, floats, flex, grid, inline, page, table):
    if getattr(_module, "resolve_percentages", None) is general_resolve_percentages:
        fastpaths.replace(_module, "resolve_percentages", quick_resolve_percentages)
for _module in (percent, inline, table):
    fastpaths.replace(_module, "resolve_one_percentage", quick_resolve_one_percentage)
fastpaths.replace(boxes.Box, "is_in_normal_flow", quick_is_in_normal_flow)
for _module in (floats, block, inline):
    fastpaths.replace(_module, "avoid_collisions", quick_avoid_collisions)
for _module in (percent, background):
    fastpaths.replace(_module, "resolve_radii_percentages", quick_resolve_radii_percentages)
fastpaths.replace(background, "layout_box_backgrounds", quick_layout_box_backgrounds)
