"""Which characters a text field may hold, and the number strings a field accepts.

A text that reaches the ledger, the archive or a printed invoice holds no control characters
(C0, DEL, C1), no bidirectional overrides or isolates (U+202A–U+202E, U+2066–U+2069: they
make a text read differently from what it holds), no noncharacters (U+FDD0–U+FDEF and the last
two code points of every plane) and no lone surrogates. A multi-line text (a line text, a
note) may hold tabs and line breaks; a single-line text (a name, an address line) may not.

A number given as a string is written with the ASCII digits 0-9 only: Python would read the
Arabic-Indic "٣" as 3, which no person typing an invoice means.

>>> forbidden("Rådgivning – møde\\n", multiline=True)
>>> forbidden("Acme\\x1b[31m ApS")
'U+001B'
>>> forbidden("abc\\u202edcba")
'U+202E'
>>> forbidden("linje 1\\nlinje 2")
'U+000A'
"""

from __future__ import annotations

import re

#: The character classes a JSON Schema `pattern` can state (ECMA-262 and Python agree on these
#: escapes); noncharacters outside the BMP and lone surrogates are checked in code only.
_FORBIDDEN_CLASS = (r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                    r"\ufdd0-\ufdef\ufffe\uffff")
_TAB_NEWLINE = r"\x09\x0a"

#: `pattern` of a single-line text (no tab, no line break).
SINGLE_LINE_PATTERN = f"^[^{_TAB_NEWLINE}{_FORBIDDEN_CLASS}]*$"
#: `pattern` of a multi-line text (tab and line feed allowed).
MULTILINE_PATTERN = f"^[^{_FORBIDDEN_CLASS}]*$"
#: `pattern` of a required single-line text: at least one character that is not blank.
REQUIRED_LINE_PATTERN = (f"^[^\\s{_TAB_NEWLINE}{_FORBIDDEN_CLASS}]"
                         f"[^{_TAB_NEWLINE}{_FORBIDDEN_CLASS}]*$")

_SINGLE = re.compile(f"[{_TAB_NEWLINE}{_FORBIDDEN_CLASS}\\ud800-\\udfff]")
_MULTI = re.compile(f"[{_FORBIDDEN_CLASS}\\ud800-\\udfff]")

#: A decimal number as a string: optional sign, ASCII digits, optional decimals.
DECIMAL_STRING = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?|[+-]?\.[0-9]+")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def forbidden(text: str, *, multiline: bool = False) -> str | None:
    """The first character `text` must not hold, as `U+XXXX`; None when it is clean.

    The character is named by its code point only, so a message never repeats the text.
    """
    found = (_MULTI if multiline else _SINGLE).search(text)
    if found:
        return f"U+{ord(found.group()):04X}"
    for char in text:
        if ord(char) > 0xFFFF and _is_noncharacter(ord(char)):
            return f"U+{ord(char):04X}"
    return None


def check_text(text: str, *, multiline: bool = False) -> str:
    """`text` unchanged, or a `ValueError` naming the first forbidden character.

    >>> check_text("Acme\\u0000 ApS")
    Traceback (most recent call last):
    ...
    ValueError: must not contain control or invisible formatting characters (found U+0000)
    """
    char = forbidden(text, multiline=multiline)
    if char:
        raise ValueError("must not contain control or invisible formatting characters"
                         f" (found {char})")
    return text


def check_decimal_string(value: object) -> object:
    """A string that is to become a number: ASCII digits only; anything else passes on.

    >>> check_decimal_string(" 12.50 ")
    '12.50'
    >>> check_decimal_string("٣")
    Traceback (most recent call last):
    ...
    ValueError: must be a number written with the digits 0-9 and an optional decimal point
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not DECIMAL_STRING.fullmatch(text):
        raise ValueError("must be a number written with the digits 0-9 and an optional"
                         " decimal point")
    return text
