"""The bookkeeper's desk without a browser: crediting an invoice from its page (confirmation,
CSRF, the issuing pipeline, a second credit refused), the links between an invoice and its
credit notes, the booking comparison, the archive's period view (filters, totals equal to an
independent sum, the spreadsheet CSV) and the past batches.

Invoices are issued through the real pipeline (render, Peppol e-invoice, archive; a fake
poster numbers them). The browser tests (`test_pages_desk_browser.py`) cover what a person
sees at desktop and phone width.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from test_api import Api, issue
from test_api_helpers import sample
from test_api_period import xml_totals
from test_pages import token

from faktura.crediting import credit_note_source_id
from faktura.settings import EInvoiceSettings
from sync.posting.bookings import Bookings, BookingState


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    running = Api(tmp_path_factory.mktemp("desk"),
                  einvoice=EInvoiceSettings(when="always", format="peppol"))
    with running.client:
        found = running.numbers = {  # type: ignore[attr-defined]
            key: issue(running, data).json()["invoice_number"] for key, data in (
                ("bager", sample(source_id="D-BAGER")),
                ("acme", sample("04-mixed-vat.json", source_id="D-ACME")),
                ("other", sample(source_id="D-OTHER", issue_date="2026-11-20")),
                ("december", sample(source_id="D-DEC", issue_date="2026-12-01")))}
        found["acme_credit"] = issue(running, sample(  # credits part of acme's invoice
            "05-credit-note.json", source_id="D-CREDIT",
            preceding_invoice_reference=found["acme"])).json()["invoice_number"]
        yield running


def signed_in(api: Api, language: str = "da") -> tuple[TestClient, str]:
    client = TestClient(api.app, base_url="http://127.0.0.1", cookies={"faktura_lang": language})
    form = client.get("/login")
    client.post("/login", data={"key": api.alpha_key,
                                "login_token": token(form.text, "login_token")})
    return client, token(client.get("/archive").text, "csrf")


def numbers(api: Api) -> dict[str, str]:
    return api.numbers  # type: ignore[attr-defined,no-any-return]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_crediting_an_invoice_from_its_page(api: Api) -> None:
    client, csrf = signed_in(api)
    acme = numbers(api)["other"]
    page = client.get(f"/archive/{acme}")
    assert f'href="/archive/{acme}/credit"' in page.text and "Kreditér fakturaen" in page.text

    confirm = client.get(f"/archive/{acme}/credit")
    assert confirm.status_code == 200
    shown = text_of(confirm.text)
    assert f"Kreditér faktura {acme}" in shown and "Udsted kreditnotaen" in shown
    gross = api.archive_of("alpha").get("alpha", acme).total_amount
    assert f"-{gross:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in shown
    assert 'name="csrf"' in confirm.text

    assert client.post(f"/archive/{acme}/credit", data={"csrf": "wrong"}).status_code == 403
    done = client.post(f"/archive/{acme}/credit", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303, done.text
    credit_url = done.headers["location"]
    credit = credit_url.split("?")[0].rsplit("/", 1)[1]
    assert credit_url == f"/archive/{credit}?note=credit_issued"
    entry = api.archive_of("alpha").get("alpha", credit)
    assert entry.document_type == "credit_note" and entry.total_amount == gross

    credit_page = text_of(client.get(credit_url).text)
    assert "Kreditnotaen er udstedt." in credit_page
    assert f"Krediterer faktura {acme}" in credit_page
    assert "Kreditér fakturaen" not in credit_page
    invoice_page = client.get(f"/archive/{acme}").text
    assert f'href="/archive/{credit}"' in invoice_page and "Krediteret af" in invoice_page
    assert f'href="/archive/{acme}/credit"' not in invoice_page

    again = client.post(f"/archive/{acme}/credit", data={"csrf": csrf})
    assert again.status_code == 409
    assert "allerede krediteret" in again.text and f'href="/archive/{credit}"' in again.text
    assert [e.invoice_number for e in api.archive_of("alpha").list("alpha", limit=100)
            if e.document_type == "credit_note"] == [credit, numbers(api)["acme_credit"]]
    partly = numbers(api)["acme"]  # credited in part by a credit note from the source
    partly_page = client.get(f"/archive/{partly}").text
    assert f'href="/archive/{numbers(api)["acme_credit"]}"' in partly_page
    assert f'href="/archive/{partly}/credit"' not in partly_page
    refused = client.get(f"/archive/{partly}/credit")
    assert refused.status_code == 409
    assert "allerede krediteret med 3.265,63 DKK af 14.060,94 DKK" in text_of(refused.text)
    english, _ = signed_in(api, "en")
    refused = english.get(f"/archive/{credit}/credit")  # a credit note credits an invoice
    assert refused.status_code == 422 and "names a credit note" in refused.text
    assert english.get("/archive/99999999/credit").status_code == 404


def test_the_booking_comparison_on_the_invoice_page(api: Api) -> None:
    bager = numbers(api)["bager"]
    bookings = Bookings(api.alpha.state_dir / "ledger.sqlite")
    try:
        bookings.record("alpha", bager, BookingState.ISSUED, source_id="D-BAGER",
                        differences=["VAT: source 3125.00, booked 3000.00"])
    finally:
        bookings.close()
    danish, _ = signed_in(api)
    shown = text_of(danish.get(f"/archive/{bager}").text)
    assert "Bogført i Uniconta" in shown and "moms: kilden 3125.00, bogført 3000.00" in shown
    english, _ = signed_in(api, "en")
    assert "VAT: source 3125.00, booked 3000.00" in english.get(f"/archive/{bager}").text
    assert "Booked in Uniconta" not in english.get(f"/archive/{numbers(api)['other']}").text


def test_a_credit_note_waiting_as_a_draft_in_uniconta(api: Api) -> None:
    december = numbers(api)["december"]
    bookings = Bookings(api.alpha.state_dir / "ledger.sqlite")
    try:  # what drafts mode keeps when it leaves the credit note in Uniconta
        bookings.remember_draft("alpha", credit_note_source_id(december), 0, "{}")
    finally:
        bookings.close()
    client, _ = signed_in(api)
    page = client.get(f"/archive/{december}").text
    assert "En kreditnota for fakturaen venter som kladde i Uniconta." in page
    assert f'href="/archive/{december}/credit"' not in page


def test_the_archive_period_view_its_totals_and_its_csv(api: Api) -> None:
    client, _ = signed_in(api)
    query = {"from": "2026-11-01", "to": "2026-11-30"}
    page = client.get("/archive", params=query)
    assert page.status_code == 200
    listed = re.findall(r'<td><a href="/archive/(\d+)">', page.text)
    assert listed == sorted(listed, key=int) and numbers(api)["december"] not in listed
    assert numbers(api)["acme_credit"] in listed

    net = vat = Decimal(0)
    for number in listed:  # the independent sum: each archived e-invoice's own totals
        item_net, item_vat, credit = xml_totals(
            api.client.get(f"/v1/archive/{number}/xml", headers=api.headers()).content)
        net, vat = net + (-1 if credit else 1) * item_net, vat + (-1 if credit else 1) * item_vat
    totals = page.text[page.text.index('id="period-totals"'):page.text.index("</section>")]

    def danish(value: Decimal) -> str:
        return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"{danish(net)} DKK" in totals and f"{danish(vat)} DKK" in totals
    assert f"{danish(net + vat)} DKK" in totals
    api_totals = api.client.get("/v1/archive", params={**query, "totals": "true"},
                                headers=api.headers()).json()["totals"]
    assert Decimal(api_totals[0]["gross"]) == net + vat  # the same query behind both

    exported = client.get(re.search(r'id="csv" href="([^"]+)"', page.text)
                          .group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")),
                               delimiter=";"))
    assert [row["invoice_number"] for row in rows] == listed
    assert sum(Decimal(row["gross"].replace(",", ".")) for row in rows) == net + vat
    [credit_row] = [row for row in rows if row["document_type"] == "credit_note"]
    assert credit_row["gross"] == "-3265,63"
    assert all(row["fik_line"] == "" or row["fik_line"].startswith("'+") for row in rows)

    paid_only = client.get("/archive", params={**query, "status": "paid"})
    assert "Ingen fakturaer matcher." in paid_only.text
    wrong = client.get("/archive", params={"from": "1. november"})
    assert wrong.status_code == 422 and "skal være en dato" in wrong.text


def test_the_past_batches_with_counts_and_failures(api: Api) -> None:
    bad = sample(source_id="DB-BAD")
    bad["lines"] = [{"text": "no amount"}]
    accepted = api.client.post("/v1/batches", json={"invoices": [
        sample(source_id="DB-GOOD", issue_date="2026-12-02"), bad]},
        headers=api.headers()).json()
    deadline = time.monotonic() + 120
    while api.client.get(accepted["status_url"], headers=api.headers()).json()["status"] \
            in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    client, _ = signed_in(api, "en")
    page = client.get("/batches").text
    row = re.search(rf'<tr class="has-failures">\s*<td><a href="/batches/{accepted["id"]}"'
                    r'[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert row, page
    cells = [text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                          row.group(1), re.DOTALL)]
    assert cells == ["done", "2/2", "1", "0", "1"], cells
    assert "Past batches" in page

