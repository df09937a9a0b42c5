"""The sheet: what every invoice of a seller prints the same, rendered once and kept.

The letterhead (logo and seller), the footer texts and the FI slip's frame (its labels, the
payee, the card type and creditor number) depend on the settings and the language only. They
are rendered once as a three-page PDF: the letterhead, the footer of an ordinary page, the
slip with the last page's footer above it. Each invoice then renders only its own content,
each piece where it goes on the whole page, and the sheet's pages are laid under its pages
as WeasyPrint writes them (`Sheet.underlay`, `renderer.overlay`: the sheet's pages become form
XObjects, prepared once per process). Together they are the whole page, as the single-pass
layout draws it.

The content needs two measures of the sheet, taken from WeasyPrint's own layout of it: the
letterhead's height (the content leaves that much blank at the top of its first page) and
where each of the slip's variable fields lies, for the values to be printed in their boxes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from renderer.document import FiSlip
from renderer.overlay import SHEETS_KEPT, Underlay

#: The slip's fields whose values differ per invoice (the sheet draws their empty boxes).
SLOTS = ("payment_id", "kroner", "ore", "due_date", "message")
#: The sheet's pages: the letterhead, an ordinary page's footer, the slip's page.
LETTERHEAD, FOOTER, SLIP = 0, 1, 2
#: Values longer than this (in characters) could wrap in their boxes and make them taller
#: than the sheet's; such an invoice is rendered in one pass instead.
LONGEST_FITTING = {"kroner": 10, "message": 40}


@dataclass(frozen=True)
class Sheet:
    """The rendered sheet and the measures the content is laid out with."""

    pdf: bytes
    letterhead_height: float  # CSS px
    slip_places: dict[str, str]  # slot → "left: …px; top: …px; width: …px" in the slip

    def underlay(self, page_count: int, has_slip: bool) -> Underlay:
        """The sheet and, for each page of the content, the sheet's pages that go under it
        (the first on top), for writing it."""
        pages = []
        for index in range(page_count):
            last = index == page_count - 1
            under = (SLIP if last and has_slip else FOOTER,)
            pages.append(under + (LETTERHEAD,) if index == 0 else under)
        return Underlay(self.pdf, tuple(pages))


def fits(slip: FiSlip | None, kroner: str) -> bool:
    """Whether the slip's values fit their boxes on one line (as the sheet draws them)."""
    if slip is None:
        return True
    return (len(kroner) <= LONGEST_FITTING["kroner"]
            and len(slip.message or "") <= LONGEST_FITTING["message"])


def measure(document: Any, pdf: bytes) -> Sheet:
    """The sheet's measures from its laid-out WeasyPrint document."""
    pages = document.pages
    letterhead = _first(pages[LETTERHEAD]._page_box, lambda e: e.get("class") == "letterhead")
    if letterhead is None:
        raise ValueError("the sheet has no letterhead")
    places: dict[str, str] = {}
    if len(pages) > SLIP:
        root = pages[SLIP]._page_box
        slip = _first(root, lambda e: e.get("id") == "fi-slip")
        if slip is None:
            raise ValueError("the sheet's last page has no slip")
        origin_x, origin_y = slip.padding_box_x(), slip.padding_box_y()
        for name in SLOTS:
            box = _first(root, lambda e, name=name: e.get("data-slot") == name)
            if box is not None:
                places[name] = (f"left: {box.border_box_x() - origin_x!r}px; "
                                f"top: {box.border_box_y() - origin_y!r}px; "
                                f"width: {box.border_width()!r}px")
    return Sheet(pdf=pdf, letterhead_height=letterhead.margin_height(), slip_places=places)


def _first(root: Any, wanted: Any) -> Any:
    """The outermost box (in document order) whose element is `wanted`."""
    for box in _boxes(root):
        element = getattr(box, "element", None)
        if element is not None and wanted(element):
            return box
    return None


def _boxes(root: Any) -> Any:
    """Every box under `root`, positioned ones too (WeasyPrint keeps those behind a
    placeholder)."""
    for box in root.descendants():
        placed = getattr(box, "_box", None)
        if placed is not None:
            yield from _boxes(placed)
        else:
            yield box


class SheetCache:
    """Rendered sheets by their HTML (which holds everything they print), the newest kept."""

    def __init__(self, size: int = SHEETS_KEPT) -> None:
        self._sheets: OrderedDict[str, Sheet] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, html: str) -> Sheet | None:
        with self._lock:
            sheet = self._sheets.get(html)
            if sheet is not None:
                self._sheets.move_to_end(html)
            return sheet

    def put(self, html: str, sheet: Sheet) -> None:
        with self._lock:
            self._sheets[html] = sheet
            self._sheets.move_to_end(html)
            while len(self._sheets) > self._size:
                self._sheets.popitem(last=False)
