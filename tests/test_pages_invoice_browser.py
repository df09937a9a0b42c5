"""The invoice page in a real browser (Debian's Chromium, Playwright) against the real
`faktura serve` over the six issued samples: reached from the archive list, in Danish and
English, at desktop and phone width (no horizontal scroll), and "send again" with the form's
CSRF token (these settings have no SMTP server: the page says so)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import browser, chromium_here  # noqa: F401 (fixtures)
from test_pages_browser import server, sign_in  # noqa: F401 (fixtures)


@pytest.mark.parametrize(("locale", "width"), [("da-DK", 1366), ("en-GB", 390)])
def test_the_invoice_page_from_the_archive(
        server: tuple[str, str], browser: Any, locale: str, width: int) -> None:  # noqa: F811
    base, key = server
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in(page, base, key)
        page.wait_for_url(f"{base}/archive")
        page.fill("#q", "Kornblomsten")
        page.click("form.search button")
        page.wait_for_url("**/archive?q=Kornblomsten*")
        link = page.locator("table.archive tbody tr").first.locator("td").first.locator("a")
        number = link.inner_text().strip()
        link.click()
        page.wait_for_url(f"{base}/archive/{number}")
        danish = locale.startswith("da")
        heading = page.locator("h1").inner_text()
        assert heading == (f"Faktura {number}" if danish else f"Invoice {number}")
        facts = page.locator("dl.facts").inner_text()
        assert "Bageriet Kornblomsten" in facts and "+71<" in facts
        assert ("15.625,00 DKK" if danish else "15,625.00 DKK") in facts
        assert ("Ikke læst fra Uniconta endnu." if danish
                else "Not read from Uniconta yet.") in facts
        totals = page.locator("dl.totals").inner_text()
        assert ("12.500,00 DKK" if danish else "12,500.00 DKK") in totals  # net
        assert ("3.125,00 DKK" if danish else "3,125.00 DKK") in totals  # VAT
        lines = page.locator("table.lines tbody tr")
        assert lines.count() == 1 and "Årsregnskab 2025" in lines.first.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth"
                                 " - document.documentElement.clientWidth")
        assert overflow <= 0, f"{overflow}px of horizontal scroll at {width}px"
        page.screenshot(path=f"/tmp/faktura-invoice-{width}.png", full_page=True)

        pdf = page.request.get(f"{base}/archive/{number}.pdf")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
        page.click("form.send button")
        page.wait_for_url(f"{base}/archive/{number}?note=not_set_up")
        assert page.locator(".notice").inner_text() == (
            "E-mail er ikke sat op ([delivery] i indstillingerne)." if danish
            else "E-mail is not set up ([delivery] in the settings).")
        forged = page.request.post(f"{base}/archive/{number}/send",
                                   form={"csrf": "not-the-token"})
        assert forged.status == 403
        assert page.request.get(f"{base}/archive/99999999").status == 404
    finally:
        context.close()
