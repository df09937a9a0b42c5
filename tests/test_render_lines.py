"""Building an invoice's page is linear in its lines: each row is read a fixed number of times.

Counted, not timed: every attribute read of a computed line while the view and its HTML are
built, for 1,000 and for 2,000 lines. Linear work doubles; a flag recomputed on every row (a
scan of all lines per line) would make the count four times larger.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_api_helpers import sample, tenant_settings

from faktura.computed import ComputedLine
from faktura.model import MAX_LINES, parse_invoice
from renderer.document import build_view
from renderer.render import Renderer


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    reads = [0]
    plain = ComputedLine.__getattribute__

    def counting(self: ComputedLine, name: str) -> Any:
        reads[0] += 1
        return plain(self, name)

    monkeypatch.setattr(ComputedLine, "__getattribute__", counting)
    yield reads


def reads_for(lines: int, reads: list[int], tmp: Path, renderer: Renderer) -> int:
    # No item numbers, discounts or exempt lines: a flag computed by scanning the lines has
    # to read every one of them to find out, the worst case.
    data = sample()
    data["lines"] = [copy.deepcopy(data["lines"][0]) for _ in range(lines)]
    for line in data["lines"]:
        line.pop("item_number", None)
    invoice = parse_invoice(data)
    settings = tenant_settings(tmp, "alpha")
    reads[0] = 0
    html = renderer.html(build_view(invoice, settings, draft=True))
    assert html.count('<tr class=') >= lines
    return reads[0]


def test_building_the_page_is_linear_in_the_lines(counted: list[int], tmp_path: Path) -> None:
    renderer = Renderer()
    half = reads_for(MAX_LINES // 2, counted, tmp_path, renderer)
    full = reads_for(MAX_LINES, counted, tmp_path, renderer)
    assert half > MAX_LINES // 2
    assert 1.8 <= full / half <= 2.2, (half, full)
