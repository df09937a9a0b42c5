"""The setup page (Opsætning / Setup) in a real browser (Debian's Chromium driven by Playwright)
against the real `faktura serve` on the samples' settings: the doctor's report in both
languages, at desktop width and at phone width without sideways scrolling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from people_support import faktura, serving, settings_outside
from browser_support import browser, chromium_here, no_sideways_scroll  # noqa: F401 (fixtures)

from issuing.doctor import RULES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("setup-page")
    settings = settings_outside(folder)
    # The REST path (drafts) with neither a webhook nor the poll: one rule warns.
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("[uniconta]\n", "[uniconta]\ntransport = \"rest\"\n"
                                     "post_as_drafts = true\n", 1), encoding="utf-8")
    key = faktura(folder, settings, "apikey", "create", "--label", "setup").stdout.strip()
    with serving(folder, settings) as base:
        yield base, key


@pytest.mark.parametrize("width", [1366, 390])
def test_the_setup_report_in_both_languages(server: tuple[str, str], browser: Any,
                                            width: int) -> None:
    base, key = server
    context = browser.new_context(locale="da-DK", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{base}/")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/archive")
        page.click("nav >> text=Opsætning")
        page.wait_for_url(f"{base}/setup")
        assert page.locator("h1").inner_text() == "Opsætning"
        assert page.locator("ul.doctor li.rule").count() == len(RULES)
        assert page.locator("ul.doctor li.fail").count() == 0
        # The one expected warning: nothing follows the drafts once they are booked.
        assert page.locator("ul.doctor li.warn").count() == 1
        follower = page.locator("#rule-booking-follower").inner_text()
        assert "Ret:" in follower and "--register-webhook" in follower
        assert "klar til fakturering" in page.locator("#setup-summary").inner_text()
        assert "Log ind som Server-brugeren" in page.locator("#rule-login").inner_text()
        assert no_sideways_scroll(page)
        page.screenshot(path=f"/tmp/faktura-setup-da-{width}.png", full_page=True)

        page.click("text=English")
        page.wait_for_url(f"{base}/setup")
        assert page.locator("h1").inner_text() == "Setup"
        assert "ready to invoice" in page.locator("#setup-summary").inner_text()
        assert "Log in as the Server user" in page.locator("#rule-login").inner_text()
        assert "Fix:" in page.locator("#rule-booking-follower").inner_text()
        assert no_sideways_scroll(page)
        page.screenshot(path=f"/tmp/faktura-setup-en-{width}.png", full_page=True)
    finally:
        context.close()
