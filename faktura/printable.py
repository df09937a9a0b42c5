"""Which characters a printed invoice can carry, and the check of an invoice's printed texts.

The layout's fonts (Inter, bundled in `fonts/`) print Latin (Danish, every EU language),
Greek and Cyrillic letters, punctuation, currency signs and a few symbols; nothing else
(emoji, CJK, most symbols) can be printed and would come out as a missing-glyph box. Rather
than print a box, an invoice whose printed texts hold such a character is refused, naming the
field and where in it the character stands (never the text itself), before anything is posted.
Tabs and line breaks are allowed.

>>> unprintable("Rådgivning – møde (Ærø), 12 € ✓")
[]
>>> unprintable("Kvittering 🧾")
['🧾']
>>> describe("🧾")
"'🧾' (U+1F9FE RECEIPT)"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from faktura.errors import Problem

#: Code point ranges (inclusive) the bundled fonts print in every weight and style. A test
#: checks every code point here against the fonts' character maps.
PRINTABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0A), (0x0D, 0x0D),  # tab, line feed, carriage return
    (0x20, 0x7E),  # Basic Latin
    (0xA0, 0x148), (0x14A, 0x17F),  # Latin-1 Supplement, Latin Extended-A (not ŉ)
    (0x180, 0x1C3), (0x1C5, 0x24F),  # Latin Extended-B (not Ǆ)
    (0x300, 0x31E),  # combining accents (decomposed å, é …)
    (0x384, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3CE),  # Greek
    (0x400, 0x45F),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese, Welsh …)
    (0x2010, 0x2027), (0x2030, 0x205E),  # general punctuation: dashes, quotes, bullets, ‰
    (0x20A0, 0x20BF),  # currency signs
    (0x2122, 0x2122),  # ™
    (0x2190, 0x2199),  # arrows
    (0x2713, 0x2713),  # ✓
)



def _char_class(excluded: frozenset[int]) -> str:
    """The printable ranges less `excluded`, as a regular expression character class that
    ECMA-262 (JSON Schema) and Python read alike."""
    parts = []
    for low, high in PRINTABLE_RANGES:
        codes = [code for code in range(low, high + 1) if code not in excluded]
        while codes:  # split the range where an excluded code point was
            end = 0
            while end + 1 < len(codes) and codes[end + 1] == codes[end] + 1:
                end += 1
            first, last = codes[0], codes[end]
            parts.append(f"\\u{first:04x}" if first == last
                         else f"\\u{first:04x}-\\u{last:04x}")
            codes = codes[end + 1:]
    return "[" + "".join(parts) + "]"


_LINE_BREAKS = frozenset({0x09, 0x0A, 0x0D})
#: JSON Schema `pattern`s of printed texts: one line; one line, not blank; several lines.
SINGLE_LINE_PATTERN = f"^{_char_class(_LINE_BREAKS)}*$"
REQUIRED_LINE_PATTERN = (f"^{_char_class(_LINE_BREAKS | {0x20, 0xA0})}"
                         f"{_char_class(_LINE_BREAKS)}*$")
MULTILINE_PATTERN = f"^{_char_class(frozenset({0x0D}))}*$"

#: Fields of the invoice that are never printed (identities, contact channels, dimensions).
NOT_PRINTED = frozenset({
    "source_system", "source_id", "source_invoice_number", "email", "invoice_email", "phone",
    "fax", "website", "giro_number", "organization_number", "comment", "group",
    "key_account_manager_initials", "team", "department", "division", "kind", "line_id",
    "description", "country_subdivision", "currency_code", "language",
})


#: One character outside the printable ranges.
_UNPRINTABLE = re.compile("[^" + _char_class(frozenset())[1:])


def unprintable(text: str) -> list[str]:
    """The characters of `text` the invoice cannot print, each once, in order."""
    return list(dict.fromkeys(_UNPRINTABLE.findall(text)))


def describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"{char!r} (U+{ord(char):04X}{' ' + name if name else ''})"


def _texts(data: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_PRINTED:
                yield from _texts(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _texts(value, f"{path}[{index}]")


def problems(invoice: Any) -> list[Problem]:
    """A problem for every printed text field holding a character the invoice cannot print.

    `invoice` is a `faktura.model.Invoice` (anything with `model_dump`).
    """
    data = invoice.model_dump(mode="json")
    found: list[Problem] = []
    for path, text in _texts(data, ""):
        chars = unprintable(text)
        if chars:
            where = [position for position, char in enumerate(text, start=1)
                     if char in chars]
            found.append(Problem(path, (
                "holds a character the invoice cannot print (character "
                if len(where) == 1 else "holds characters the invoice cannot print (characters ")
                + ", ".join(str(position) for position in where[:5])
                + f" of {len(text)}); remove or replace it"))
    return found
