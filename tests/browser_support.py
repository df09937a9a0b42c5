"""Debian's Chromium driven by Playwright, for the page tests: import `chromium_here` (the
module is skipped without Chromium; on CI an error saying how to get it) and `browser`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tools_support import CHROMIUM, need_chromium

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(autouse=True, scope="module")
def chromium_here() -> None:
    need_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
