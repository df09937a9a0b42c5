"""The bookings page (Bogføringer / Bookings) in a real browser (Debian's Chromium driven by
Playwright) against the real `faktura serve`, after real bookings in the Uniconta emulator (its
own process): a booking the bookkeeper changed, shown with what changed, and one that cannot
be issued as booked, shown with its reason, in both languages, at desktop and phone width."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from people_support import ROOT, SAMPLES, environment, faktura, serving, settings_outside
from browser_support import browser, chromium_here, no_sideways_scroll  # noqa: F401 (fixtures)

from sync.emulator import fixtures
from sync.emulator.server import free_port

AUTH = (f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}", fixtures.PASSWORD)
WAITING = 1234567890123456  # beyond FI card 71's payment ID: booked, cannot be issued as booked


@pytest.fixture(scope="module")
def uniconta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("bookings-uniconta")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (folder / "emulator.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "uniconta-emulator", "--port", str(port),
             "--state", str(folder / "state.sqlite")], cwd=ROOT,
            env=environment(folder / "none.toml"), stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/_emulator/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (folder / "emulator.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(uniconta: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    """(base URL, API key, the changed invoice's number) of `faktura serve` after two
    bookings: one changed in Uniconta and issued, one waiting for attention."""
    folder = tmp_path_factory.mktemp("bookings-page")
    settings = settings_outside(folder)
    text = settings.read_text(encoding="utf-8").replace(
        '# gateway_url = "http://127.0.0.1:8765"',
        f'gateway_url = "{uniconta}"\ntransport = "rest"\npost_as_drafts = true')
    settings.write_text(text, encoding="utf-8")
    drafted = faktura(folder, settings, "sync", SAMPLES / "01-one-line.json",
                      SAMPLES / "04-mixed-vat.json")
    assert drafted.returncode == 0, drafted.stdout + drafted.stderr
    first, second = (int(n) for n in re.findall(r"order (\d+)", drafted.stdout))
    booked = httpx.post(f"{uniconta}/_emulator/book/{first}",
                        json={"add_lines": ["1000;Ekstra rådgivning;1.5;800"]}, timeout=60)
    assert booked.status_code == 200, booked.text
    changed = booked.json()["InvoiceNumber"]
    api = httpx.Client(base_url=f"{uniconta}/api/Entities", auth=AUTH, timeout=30)
    (serie,) = [s for s in api.get("NumberSerieClient").json() if s["Serie"] == "FAK"]
    api.put("Update/NumberSerieClient", json={**serie, "Next": WAITING}).raise_for_status()
    waiting = httpx.post(f"{uniconta}/_emulator/book/{second}", timeout=60)
    assert waiting.json()["InvoiceNumber"] == WAITING
    followed = faktura(folder, settings, "follow", "--once")
    assert followed.returncode == 1, followed.stdout  # one needs attention
    key = faktura(folder, settings, "apikey", "create", "--label", "bookings").stdout.strip()
    with serving(folder, settings) as base:
        yield base, key, changed


@pytest.mark.parametrize("width", [1366, 390])
def test_bookings_show_what_needs_attention_and_what_changed(
        server: tuple[str, str, int], browser: Any, width: int) -> None:
    base, key, changed = server
    context = browser.new_context(locale="da-DK", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{base}/")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/archive")
        page.click("nav >> text=Bogføringer")
        page.wait_for_url(f"{base}/bookings")
        assert page.locator("h1").inner_text() == "Bogføringer"
        assert "Kræver opmærksomhed (1)" in page.locator("#attention-heading").inner_text()
        waiting = page.locator(f"#attention-{WAITING}").inner_text()
        assert "invoice_number" in waiting  # the reason names the field
        assert "Forsøg: 1" in waiting
        assert "faktura follow --retry" in page.locator("main").inner_text()
        assert "Ændret i Uniconta (1)" in page.locator("#changed-heading").inner_text()
        edited = page.locator(f"#changed-{changed}")
        assert "Ekstra rådgivning" in edited.inner_text()
        assert edited.locator("a").get_attribute("href") == f"/archive/{changed}"  # its page
        assert no_sideways_scroll(page)
        page.screenshot(path=f"/tmp/faktura-bookings-da-{width}.png", full_page=True)

        page.click("text=English")
        page.wait_for_url(f"{base}/bookings")
        assert page.locator("h1").inner_text() == "Bookings"
        assert "Needs attention (1)" in page.locator("#attention-heading").inner_text()
        assert "Attempts: 1" in page.locator(f"#attention-{WAITING}").inner_text()
        assert "Changed in Uniconta (1)" in page.locator("#changed-heading").inner_text()
        assert page.locator("#changed > li").count() == 1
        assert no_sideways_scroll(page)
        page.screenshot(path=f"/tmp/faktura-bookings-en-{width}.png", full_page=True)
    finally:
        context.close()


def test_without_bookings_the_page_says_nothing_waits(tmp_path: Path, browser: Any) -> None:
    settings = settings_outside(tmp_path)
    key = faktura(tmp_path, settings, "apikey", "create", "--label", "none").stdout.strip()
    with serving(tmp_path, settings) as base:
        context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 800})
        page = context.new_page()
        try:
            page.goto(f"{base}/")
            page.fill("#key", key)
            page.click("button[type=submit]")
            page.goto(f"{base}/bookings")
            assert page.locator("#attention").inner_text() == "No booked invoice is waiting."
            assert page.locator("#changed").inner_text() == "No booking differs from its draft."
        finally:
            context.close()
