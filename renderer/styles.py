"""Computed styles: a short path for the values an element neither sets nor computes.

WeasyPrint computes an element's style lazily, one property at a time, the first time layout
or drawing asks for it (`ComputedStyle.__missing__`): a few thousand times for a one-page
invoice, most of them for a property no rule of the stylesheet sets on that element, whose
value is then the parent's (an inherited property) or the initial value. The general path
still weighs logical properties, `var()`, math functions and the special cases of `display`,
`float`, `position`, `page` and text decorations for each; `quick_missing` answers the plain
cases directly, with the same value, and leaves every other to WeasyPrint's own.

>>> from weasyprint.css import ComputedStyle
>>> ComputedStyle.__missing__ is quick_missing
True
"""

from __future__ import annotations

from typing import Any

from weasyprint.css import ComputedStyle
from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
from weasyprint.css.functions import check_math
from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

from renderer import fastpaths

#: WeasyPrint's own `ComputedStyle.__missing__`.
general_missing = ComputedStyle.__missing__

#: Properties the general path treats specially even when no rule sets them.
_SPECIAL = frozenset({"display", "float", "position", "page"})
#: The properties `quick_missing` answers when no rule sets them (nor, for a physical one
#: such as `margin_left`, its logical twin): their initial value is not a math function.
_PLAIN = frozenset(
    key for key, value in INITIAL_VALUES.items()
    if key not in _SPECIAL and key[:16] != "text_decoration_" and key[:2] != "__"
    and not check_math(value))


def quick_missing(style: Any, key: str) -> Any:
    """`ComputedStyle.__missing__`, answering a property no rule sets on the element: the
    parent's computed value (an inherited property) or the initial value, computed where
    WeasyPrint computes it, as the general path would."""
    if key in _PLAIN and key not in style.cascaded:
        logical = PHYSICAL_FUNCTIONS.get(key)
        if logical is None or logical(block="ttb", inline=style["direction"]) \
                not in style.cascaded:
            parent = style.parent_style
            if key in INHERITED and parent is not None:
                value = parent[key]
                if not check_math(value):  # a math function left to the child: general path
                    style[key] = value
                    return value
            else:
                value = INITIAL_VALUES[key]
                if key in INITIAL_NOT_COMPUTED and key in COMPUTER_FUNCTIONS:
                    value = COMPUTER_FUNCTIONS[key](style, key, value)
                style[key] = value
                return value
    return general_missing(style, key)


fastpaths.replace(ComputedStyle, "__missing__", quick_missing)
