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
from weasyprint.css.computed_values import PHYSICAL_FUNCTIONS
from weasyprint.css.functions import check_math
from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

_general_missing = ComputedStyle.__missing__

#: Properties the general path treats specially even when no rule sets them.
_SPECIAL = frozenset({"display", "float", "position", "page"})
#: Not set by any rule, not inherited, and used as they are: the initial value is the
#: computed value (none of them is a math function).
_PLAIN_INITIAL = frozenset(
    key for key, value in INITIAL_VALUES.items()
    if key not in INHERITED and key not in INITIAL_NOT_COMPUTED and key not in _SPECIAL
    and key not in PHYSICAL_FUNCTIONS and key[:16] != "text_decoration_"
    and not check_math(value))
#: Inherited when no rule sets them, with nothing else to weigh.
_PLAIN_INHERITED = frozenset(
    key for key in INHERITED
    if key not in _SPECIAL and key not in PHYSICAL_FUNCTIONS and key[:16] != "text_decoration_"
    and key[:2] != "__")


def quick_missing(style: Any, key: str) -> Any:
    """`ComputedStyle.__missing__`, answering a property no rule sets on the element: the
    parent's computed value or the initial value, as the general path would."""
    if key not in style.cascaded:
        if key in _PLAIN_INITIAL:
            value = style[key] = INITIAL_VALUES[key]
            return value
        if key in _PLAIN_INHERITED and style.parent_style is not None:
            value = style.parent_style[key]
            if not check_math(value):  # a math function left to the child: the general path
                style[key] = value
                return value
    return _general_missing(style, key)


ComputedStyle.__missing__ = quick_missing
