"""The bookkeepers' pages in a real browser (Debian's Chromium driven by Playwright) against
the real `faktura serve`, over the six issued samples: sign in, find an invoice and open its
PDF, preview a pasted invoice, follow a batch, refuse a wrong key, docs with no network."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from people_support import SAMPLES, serving_a_copy
from browser_support import browser, chromium_here  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def server(issued_outside: tuple[Path, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, a valid API key) of `faktura serve` over a copy of the issued samples."""
    with serving_a_copy(issued_outside, tmp_path_factory.mktemp("pages"),
                        "browser") as answer:
        yield answer[:2]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/")
    page.fill("#key", key)
    page.click("button[type=submit]")


def pdf_text(page: Any, url: str) -> str:
    answer = page.request.get(url)  # the browser's own cookies
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(answer.body())).pages)


def test_sign_in_find_an_invoice_and_open_its_pdf(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    assert page.locator("table.archive tbody tr").count() == 6
    page.fill("#q", "Kornblomsten")
    page.click("form.search button")
    page.wait_for_url("**/archive?q=Kornblomsten*")
    rows = page.locator("table.archive tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "15.625,00 DKK" in row and "Bageriet Kornblomsten" in row
    assert "+71<" in row  # the FI line
    number = rows.first.locator("td").first.locator("a").inner_text().strip()
    href = rows.first.locator("td.files a").first.get_attribute("href")  # the PDF
    page.screenshot(path="/tmp/faktura-archive.png", full_page=True)
    text = pdf_text(page, base + href)
    assert number in text and "Bageriet Kornblomsten" in text and "KLADDE" not in text


def test_the_archive_in_english(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    page.click("text=English")
    page.wait_for_url(f"{base}/archive")
    assert page.locator("h1").inner_text() == "Archive"
    assert "15,625.00 DKK" in page.locator("table.archive").inner_text()


def test_preview_a_pasted_invoice(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    page.click("nav >> text=Forhåndsvisning")
    page.fill("#invoice", (SAMPLES / "04-mixed-vat.json").read_text(encoding="utf-8"))
    page.click("form.stack button[type=submit]")
    frame = page.locator("#pdf-frame")
    frame.wait_for()
    page.screenshot(path="/tmp/faktura-preview.png", full_page=True)
    assert "KLADDE" in pdf_text(page, base + frame.get_attribute("data"))


def test_a_bad_pasted_invoice_names_the_field(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    page.goto(f"{base}/preview")
    page.fill("#invoice", json.dumps({"source_id": "x", "issue_date": "2026-11-02",
                                      "customer": {"customer_number": "1", "name": "K"},
                                      "lines": [{"text": "t", "quantity": "many",
                                                 "unit_price": "1"}]}))
    page.click("form.stack button[type=submit]")
    alert = page.locator(".error[role=alert]")
    assert "lines[0].quantity" in alert.inner_text()
    # In the page's language: Danish here, English once the visitor picks it.
    assert "skal være et tal skrevet med cifrene 0-9" in alert.inner_text()
    assert "Field required" not in alert.inner_text()
    assert page.locator("#pdf-frame").count() == 0
    page.click("text=English")
    page.fill("#invoice", json.dumps({"source_id": "x", "issue_date": "2026-11-02",
                                      "customer": {"customer_number": "1", "name": "K"},
                                      "lines": [{"text": "t", "quantity": "0",
                                                 "unit_price": "1", "unit": "furlong"}]}))
    page.click("form.stack button[type=submit]")
    english = page.locator(".error[role=alert]").inner_text()
    assert "lines[0].unit: is not a unit the integration knows" in english
    assert "furlong" not in english


def test_a_batch_shows_its_progress_until_done(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    page.goto(f"{base}/batches")
    invoice = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
    invoice["source_id"] = "BROWSER-BATCH-1"
    page.fill("#invoices", json.dumps([invoice], ensure_ascii=False))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/batches/*")
    from playwright.sync_api import expect

    expect(page.locator("#status")).to_have_text("færdig", timeout=240_000)  # updated live
    assert page.locator("#issued").inner_text() == "1"
    page.screenshot(path="/tmp/faktura-batch.png", full_page=True)
    number = page.locator("#results a").inner_text()
    assert number in pdf_text(page, f"{base}/archive/{number}.pdf")


def test_a_wrong_key_is_refused(server: tuple[str, str], page: Any) -> None:
    base, _ = server
    page.goto(f"{base}/login")
    page.fill("#key", "fk_not-a-real-key")
    with page.expect_response(f"{base}/login") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 401
    assert "Forkert, ukendt eller tilbagekaldt nøgle" in page.locator("[role=alert]").inner_text()
    page.screenshot(path="/tmp/faktura-login.png", full_page=True)
    assert page.request.get(f"{base}/archive", max_redirects=0).status == 303


def test_the_session_cookie_is_httponly_and_strict(server: tuple[str, str], page: Any) -> None:
    base, key = server
    sign_in(page, base, key)
    page.wait_for_url(f"{base}/archive")
    cookie = next(c for c in page.context.cookies() if c["name"] == "faktura_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert key not in cookie["value"]
    assert page.evaluate("document.cookie").find("faktura_session") == -1


def test_docs_load_with_no_network(server: tuple[str, str], page: Any) -> None:
    base, _ = server
    elsewhere: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{base}/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Faktura" in page.locator(".swagger-ui .info .title").inner_text()
    page.screenshot(path="/tmp/faktura-docs.png")
    page.goto(f"{base}/redoc")
    page.locator("h1").first.wait_for()
    assert elsewhere == []
