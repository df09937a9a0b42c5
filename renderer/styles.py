"""Computed styles: a short path for the values an element neither sets nor computes.

WeasyPrint computes an element's style lazily, one property at a time, the first time layout
or drawing asks for it (`ComputedStyle.__missing__`): a few thousand times for a one-page
invoice, most of them for a property no rule of the stylesheet sets on that element, whose
value is then the parent's (an inherited property) or the initial value. The general path
still weighs logical properties, `var()`, math functions and the special cases of `display`,
`float`, `position`, `page` and text decorations for each; `quick_missing` answers the plain
cases directly, with the same value, and leaves every other to WeasyPrint's own. What
it weighs for each key (inherited or not, its initial value and whether WeasyPrint computes
it, the logical twin of a physical property in each direction) is worked out once, here, from
WeasyPrint's own tables; a value inherited from the parent is tested for a math function
(`check_math`) only where it could hold one: a string, number, length or colour cannot.

A property a rule does set takes a short path too where its cascaded value is plain (not
`inherit`, `initial`, a `var()` awaiting its value nor a math function) and no rule sets its
logical twin as strongly: WeasyPrint's computer function for the property, if it has one, is
applied to it as the general path applies it, after keeping the specified `position`, `float`
or `display` (and computing the one each depends on first, as WeasyPrint does). `page`, text
decorations and custom properties keep WeasyPrint's path. The same three and `page`
(the parent's, or none on the root: `auto`) take a short path where no rule sets them.

The anonymous boxes' styles (line boxes, table wrappers, texts: `AnonymousStyle`) take a
short path too, `quick_anonymous_missing`: an inherited property is the parent's value, any
other the initial value where WeasyPrint does not compute it, as `AnonymousStyle.__missing__`
gives them; custom properties, `page`, text decorations and initial values WeasyPrint
computes go to its own method.

>>> from weasyprint.css import AnonymousStyle, ComputedStyle, Pending
>>> ComputedStyle.__missing__ is quick_missing
True
>>> AnonymousStyle.__missing__ is quick_anonymous_missing
True
"""

from __future__ import annotations

from typing import Any

from tinycss2.color4 import Color
from weasyprint.css import AnonymousStyle, ComputedStyle, Pending
from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
from weasyprint.css.functions import check_math
from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES, Dimension

from renderer import fastpaths

#: WeasyPrint's own `ComputedStyle.__missing__`.
general_missing = ComputedStyle.__missing__
#: WeasyPrint's own `AnonymousStyle.__missing__`.
general_anonymous_missing = AnonymousStyle.__missing__

#: Properties the general path treats specially even when no rule sets them.
_SPECIAL = frozenset({"display", "float", "position", "page"})
#: The properties `quick_missing` answers when no rule sets them (nor, for a physical one
#: such as `margin_left`, its logical twin): their initial value is not a math function.
_PLAIN = frozenset(
    key for key, value in INITIAL_VALUES.items()
    if key not in _SPECIAL and key[:16] != "text_decoration_" and key[:2] != "__"
    and not check_math(value))


#: The plain properties a child takes from its parent.
_INHERITED_PLAIN = frozenset(key for key in _PLAIN if key in INHERITED)
#: The initial value of each plain property WeasyPrint does not compute.
_INITIAL_AS_IS = {key: INITIAL_VALUES[key] for key in _PLAIN
                  if not (key in INITIAL_NOT_COMPUTED and key in COMPUTER_FUNCTIONS)}
#: The logical twin of each physical property, by direction (`ltr`, `rtl`).
_LOGICAL = {key: {inline: function(block="ttb", inline=inline) for inline in ("ltr", "rtl")}
            for key, function in PHYSICAL_FUNCTIONS.items()}
#: Classes of values that never hold a math function (`check_math` answers no for them).
_NEVER_MATH = frozenset({str, int, float, bool, type(None), Dimension, Color})
#: A value no property has.
_NO_VALUE = object()


#: The properties set by a rule that `quick_missing` computes itself.
_SET_PLAIN = frozenset(
    key for key in INITIAL_VALUES
    if key != "page" and key[:16] != "text_decoration_" and key[:2] != "__")
#: The properties whose specified value WeasyPrint keeps: `float` and `display` are
#: computed from them, after the property named here.
_SPECIFIED = {"position": None, "float": "position", "display": "float"}


def _logical_twin(style: Any, key: str, by_direction: dict[str, str]) -> str:
    """The logical property that sets physical `key` in the element's direction."""
    direction = style["direction"]
    twin = by_direction.get(direction)
    return twin if twin is not None else PHYSICAL_FUNCTIONS[key](block="ttb", inline=direction)


def _set_by_rule(style: Any, key: str, cascaded: Any) -> Any:
    """The computed value of a property a rule sets, or `_NO_VALUE` for the general path."""
    value, weight = cascaded[key]
    if isinstance(value, Pending) or value == "inherit" or value == "initial":
        return _NO_VALUE
    logical = _LOGICAL.get(key)
    if logical is not None:
        twin = _logical_twin(style, key, logical)
        if twin in cascaded and cascaded[twin][1] >= weight:
            return _NO_VALUE
    if value.__class__ not in _NEVER_MATH and check_math(value):
        return _NO_VALUE
    if key in _SPECIFIED:
        first = _SPECIFIED[key]
        if first is not None:
            style[first]
        style.specified[key] = value
        if key in style:
            return style[key]
    computer = COMPUTER_FUNCTIONS.get(key)
    if computer is not None:
        value = computer(style, key, value)
    style[key] = value
    return value


def _specified_initial(style: Any, key: str) -> Any:
    """The computed `position`, `float` or `display` of an element no rule sets it on."""
    first = _SPECIFIED[key]
    if first is not None:
        style[first]
    value = INITIAL_VALUES[key]
    if key not in INITIAL_NOT_COMPUTED:
        style[key] = value
    style.specified[key] = value
    if key in style:
        return style[key]
    value = style[key] = COMPUTER_FUNCTIONS[key](style, key, value)
    return value


def quick_missing(style: Any, key: str) -> Any:
    """`ComputedStyle.__missing__`, answering a property no rule sets on the element: the
    parent's computed value (an inherited property) or the initial value, computed where
    WeasyPrint computes it, as the general path would; and a plain value a rule sets."""
    cascaded = style.cascaded
    if key in cascaded:
        if key in _SET_PLAIN:
            value = _set_by_rule(style, key, cascaded)
            if value is not _NO_VALUE:
                return value
    elif key in _SPECIFIED:
        return _specified_initial(style, key)
    elif key == "page":
        parent = style.parent_style
        value = style[key] = "" if parent is None else parent[key]
        return value
    elif key in _PLAIN:
        logical = _LOGICAL.get(key)
        if logical is not None and _logical_twin(style, key, logical) in cascaded:
            return general_missing(style, key)
        parent = style.parent_style
        if parent is not None and key in _INHERITED_PLAIN:
            value = parent[key]
            if value.__class__ in _NEVER_MATH or not check_math(value):
                style[key] = value
                return value
            # a math function left to the child: general path
        else:
            value = _INITIAL_AS_IS.get(key, _NO_VALUE)
            if value is _NO_VALUE:
                value = COMPUTER_FUNCTIONS[key](style, key, INITIAL_VALUES[key])
            style[key] = value
            return value
    return general_missing(style, key)


#: The initial value of each property an anonymous box's style gives as it is.
_ANONYMOUS_INITIAL = {
    key: value for key, value in INITIAL_VALUES.items()
    if key not in INHERITED and key[:2] != "__" and key != "page"
    and key[:16] != "text_decoration_" and key not in INITIAL_NOT_COMPUTED}


def quick_anonymous_missing(style: Any, key: str) -> Any:
    """`AnonymousStyle.__missing__` for an inherited property or an initial value kept as
    it is; every other property by WeasyPrint's own method."""
    if key in INHERITED:
        value = style[key] = style.parent_style[key]
        return value
    value = _ANONYMOUS_INITIAL.get(key, _NO_VALUE)
    if value is _NO_VALUE:
        return general_anonymous_missing(style, key)
    style[key] = value
    return value


fastpaths.replace(ComputedStyle, "__missing__", quick_missing)
fastpaths.replace(AnonymousStyle, "__missing__", quick_anonymous_missing)
