"""The bookkeeper's desk in a real browser (Debian's Chromium, Playwright) against the real
`faktura serve` over a copy of the six issued samples (its built-in Uniconta emulator books
what it posts): the archive's period view with its totals and CSV, crediting an invoice from
its page through the confirmation step, the links between an invoice and its credit notes, and
the past batches — in Danish and English, at desktop and phone width (no horizontal scroll).
Screenshots go to /tmp/faktura-desk-*.png."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.settings_files import load_settings
from issuing.bootstrap import open_archive
from browser_support import browser, chromium_here, no_sideways_scroll  # noqa: F401 (fixtures)
from people_support import SAMPLES, serving_a_copy
from test_pages_browser import sign_in

CASES = [("da-DK", 1366), ("en-GB", 390)]


@pytest.fixture(scope="module")
def server(issued_outside: tuple[Path, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(base URL, API key, settings) of `faktura serve` over a copy of the issued samples (crediting
    here must not change what the other page tests see)."""
    with serving_a_copy(issued_outside, tmp_path_factory.mktemp("desk"),
                        "desk") as answer:
        yield answer


def november(settings: Path) -> list[tuple[str, str]]:
    """(number, currency) of the copy's invoices issued in November 2026, in number order, as
    its archive holds them."""
    loaded = load_settings(settings)
    archive = open_archive(loaded)
    try:
        entries = archive.list(loaded.tenant, date_from=date(2026, 11, 1),
                               date_to=date(2026, 11, 30), limit=500)
    finally:
        archive.close()
    return sorted(((e.invoice_number, e.currency_code) for e in entries), key=lambda e: int(e[0]))


def opened(browser: Any, base: str, key: str, locale: str, width: int) -> Any:  # noqa: F811
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    return page


def amount(text: str, danish: bool) -> Decimal:
    """An amount as the page shows it ("-1.234,50 DKK" or "-1,234.50 DKK")."""
    number = text.split()[0]
    number = number.replace(".", "").replace(",", ".") if danish else number.replace(",", "")
    return Decimal(number.replace("\u2212", "-"))


@pytest.mark.parametrize(("locale", "width"), CASES)
def test_the_archive_period_with_its_totals_and_csv(
        server: tuple[str, str, Path], browser: Any, locale: str, width: int) -> None:  # noqa: F811
    base, key, settings = server
    danish = locale.startswith("da")
    expected = november(settings)
    page = opened(browser, base, key, locale, width)
    try:
        page.fill("#from", "2026-11-01")
        page.fill("#to", "2026-11-30")
        page.click("fieldset.period button")
        page.wait_for_url("**/archive?*from=2026-11-01*")
        rows = page.locator("table.archive tbody tr")
        numbers = [rows.nth(i).locator("td").first.locator("a").inner_text().strip()
                   for i in range(rows.count())]
        assert numbers == [number for number, _ in expected]  # in order; October's is out
        totals = page.locator("#period-totals")
        assert totals.locator("h2").inner_text() == ("Perioden" if danish else "The period")
        dkk = totals.locator("dl.totals").filter(has_text="DKK")
        shown = dkk.locator("dd").all_inner_texts()
        # the DKK invoices and the credit note; EUR has its own
        assert shown[0] == str(sum(currency == "DKK" for _, currency in expected))
        gross = amount(shown[3], danish)
        listed = Decimal(0)  # the gross as the rows show it, credit note negative
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            if cells.nth(3).inner_text().endswith("DKK"):
                listed += amount(cells.nth(3).inner_text(), danish)
        assert gross == listed and amount(shown[1], danish) + amount(shown[2], danish) == gross
        assert no_sideways_scroll(page), f"sideways scroll at {width}px"
        page.screenshot(path=f"/tmp/faktura-desk-archive-{width}.png", full_page=True)

        with page.expect_download() as download:
            page.click("#csv")
        text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
        rows_csv = list(csv.DictReader(io.StringIO(text), delimiter=";" if danish else ","))
        assert [row["invoice_number"] for row in rows_csv] == numbers
        credit = next(row for row in rows_csv if row["document_type"] == "credit_note")
        assert credit["gross"].startswith("-") and ("," in credit["gross"]) == danish
    finally:
        page.context.close()


@pytest.mark.parametrize(("locale", "width", "customer"), [
    ("da-DK", 1366, "Kornblomsten"), ("en-GB", 390, "Scandic")])
def test_crediting_an_invoice_from_its_page(server: tuple[str, str, Path], browser: Any,
                                            locale: str, width: int, customer: str
                                            ) -> None:  # noqa: F811
    base, key, _ = server
    danish = locale.startswith("da")
    page = opened(browser, base, key, locale, width)
    try:
        page.fill("#q", customer)
        page.click("form.search .query button")
        page.wait_for_url(f"**/archive?q={customer}*")
        link = page.locator("table.archive tbody tr").first.locator("td").first.locator("a")
        number = link.inner_text().strip()
        link.click()
        page.wait_for_url(f"{base}/archive/{number}")
        page.click("#credit")
        page.wait_for_url(f"{base}/archive/{number}/credit")
        assert page.locator("h1").inner_text() == (
            f"Kreditér faktura {number}" if danish else f"Credit invoice {number}")
        assert page.locator("#credit-help").inner_text().startswith(
            "Der udstedes en kreditnota" if danish else "A credit note crediting the whole")
        assert page.locator("table.lines tbody tr").count() >= 1
        total = page.locator("dl.totals dd").last.inner_text()
        assert amount(total, danish) < 0
        assert no_sideways_scroll(page), f"sideways scroll at {width}px"
        page.screenshot(path=f"/tmp/faktura-desk-credit-{width}.png", full_page=True)

        page.click("form.credit button")
        page.wait_for_url(re.compile(r".*/archive/\d+\?note=credit_issued$"))
        credit = page.url.split("?")[0].rsplit("/", 1)[1]
        assert page.locator("h1").inner_text() == (
            f"Kreditnota {credit}" if danish else f"Credit note {credit}")
        assert page.locator(".notice").inner_text() == (
            "Kreditnotaen er udstedt." if danish else "The credit note is issued.")
        assert amount(page.locator("dl.totals dd").last.inner_text(), danish) \
            == amount(total, danish)
        assert page.locator("#credit").count() == 0
        assert no_sideways_scroll(page), f"sideways scroll at {width}px"
        page.screenshot(path=f"/tmp/faktura-desk-credit-note-{width}.png", full_page=True)
        page.click(f"#credits a[href='/archive/{number}']")
        page.wait_for_url(f"{base}/archive/{number}")
        assert page.locator("#credited-by").inner_text().startswith(
            f"Kreditnota {credit}" if danish else f"Credit note {credit}")
        assert page.locator("#credit").count() == 0

        again = page.goto(f"{base}/archive/{number}/credit")  # typed in by hand
        assert again is not None and again.status == 409
        assert page.locator("#refused").inner_text().startswith(
            "Fakturaen kan ikke krediteres her:" if danish
            else "The invoice cannot be credited here:")
        assert ("allerede krediteret" if danish else "credited already") in \
            page.locator("#refused").inner_text()
    finally:
        page.context.close()


def test_the_credit_note_of_a_sample_links_the_invoice_it_credits(
        server: tuple[str, str, Path], browser: Any) -> None:  # noqa: F811
    base, key, _ = server
    page = opened(browser, base, key, "da-DK", 390)
    try:
        page.fill("#q", "Acme")
        page.click("form.search .query button")
        page.wait_for_url("**/archive?q=Acme*")
        rows = page.locator("table.archive tbody tr")
        credit_row = rows.filter(has_text="kreditnota")
        credit_row.locator("td").first.locator("a").click()
        page.wait_for_url(re.compile(r".*/archive/\d+$"))
        credit = page.url.rsplit("/", 1)[1]
        page.locator("#credits a").click()
        page.wait_for_url(re.compile(r".*/archive/\d+$"))
        assert page.locator("#credited-by a").inner_text() == f"Kreditnota {credit}"
        assert page.locator("#credit").count() == 0  # credited in part: no second credit
        page.screenshot(path="/tmp/faktura-desk-credited-390.png", full_page=True)
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def batch(server: tuple[str, str, Path]) -> str:
    """The id of a finished batch of two invoices, one issued and one refused."""
    base, key, _ = server
    good = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    good["source_id"] = "DESK-BATCH-GOOD"
    headers = {"Authorization": f"Bearer {key}"}
    accepted = httpx.post(f"{base}/v1/batches", headers=headers, timeout=60, json={
        "invoices": [good, {"source_id": "DESK-BATCH-BAD"}]}).json()
    deadline = time.monotonic() + 180
    while httpx.get(base + accepted["status_url"], headers=headers, timeout=60).json()[
            "status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    return str(accepted["id"])


@pytest.mark.parametrize(("locale", "width"), CASES)
def test_the_past_batches(server: tuple[str, str, Path], batch: str, browser: Any, locale: str,
                          width: int) -> None:  # noqa: F811
    base, key, _ = server
    danish = locale.startswith("da")
    page = opened(browser, base, key, locale, width)
    try:
        page.goto(f"{base}/batches")
        row = page.locator("#past-batches tbody tr").first
        assert row.locator("a").get_attribute("href") == f"/batches/{batch}"
        cells = row.locator("td").all_inner_texts()
        assert cells[1:] == [("færdig" if danish else "done"), "2/2", "1", "0", "1"], cells
        assert page.locator("h2#past-heading").inner_text().startswith(
            "Tidligere kørsler" if danish else "Past batches")
        assert no_sideways_scroll(page), f"sideways scroll at {width}px"
        page.screenshot(path=f"/tmp/faktura-desk-batches-{width}.png", full_page=True)
        row.locator("a").click()
        page.wait_for_url(f"{base}/batches/{batch}")
        assert page.locator("#failed").inner_text() == "1"
    finally:
        page.context.close()
