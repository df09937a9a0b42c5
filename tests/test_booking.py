"""Issuing on booking, end to end: Faktura drafts over Uniconta's documented REST API, a
bookkeeper books in Uniconta (the emulator, run as its own process), and Faktura issues what
was booked — through the webhook (`faktura serve` as its own process) or the poll
(`faktura follow`). Real HTTP, real SQLite, real PDFs read back with pypdf."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from booking_support import (ENV, REPO, SAMPLES, TOKEN, Uniconta, rest_settings,
                             running_uniconta, start, stop)
from tools_support import need_validators
from typer.testing import CliRunner, Result

from api.app import create_app
from api.keys import KeyStore
from archive import LocalArchive, NoPdfKept
from cli.main import app
from faktura import fik
from infra.settings_files import load_settings
from infra.tenant_settings import TenantRegistry
from sync.emulator import fixtures
from sync.emulator.server import free_port
from sync.posting.bookings import Bookings, BookingState
from sync.posting.ledger import Ledger, State

SAMPLE_INVOICES = sorted(SAMPLES.glob("*.json"))


@pytest.fixture(scope="module")
def uniconta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Uniconta]:
    with running_uniconta(tmp_path_factory.mktemp("uniconta")) as running:
        yield running


@contextmanager
def serving(faktura: Faktura) -> Iterator[str]:
    """`faktura serve` as its own process; its webhook URL (registered in Uniconta)."""
    port = free_port()
    server = start(["serve", "--port", str(port), "--render-workers", "1", "--settings",
                    str(faktura.settings)], f"http://127.0.0.1:{port}/healthz",
                   faktura.folder / "serve.log")
    try:
        hook = f"http://127.0.0.1:{port}/v1/uniconta/events/{TOKEN}"
        registered = faktura.run("follow", "--register-webhook", hook)
        assert registered.exit_code == 0, registered.output
        assert TOKEN not in registered.stdout  # the secret is not shown
        yield hook
    finally:
        stop(server)


@dataclass
class Faktura:
    settings: Path
    folder: Path

    def run(self, *args: str) -> Result:
        """The command in this process (the servers and the killed follower are processes)."""
        return CliRunner().invoke(app, [*args, "--settings", str(self.settings)],
                                  env={"COLUMNS": "300"})

    def archive(self) -> LocalArchive:
        return LocalArchive(self.folder / "archive")

    def bookings(self) -> Bookings:
        return Bookings(self.folder / "state" / "ledger.sqlite")


@pytest.fixture
def faktura(uniconta: Uniconta, tmp_path: Path) -> Faktura:
    httpx.post(f"{uniconta.url}/_emulator/reset-state", timeout=30).raise_for_status()
    settings = tmp_path / "settings.toml"
    settings.write_text(rest_settings(tmp_path, uniconta), encoding="utf-8")
    return Faktura(settings, tmp_path)


def _draft(faktura: Faktura, *files: Path) -> list[int]:
    result = faktura.run("sync", *map(str, files))
    assert result.exit_code == 0, result.output
    orders = [int(n) for n in re.findall(r"order (\d+)", result.stdout)]
    assert len(orders) == len(files), result.stdout
    return orders


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)


def _assert_issued_as_booked(faktura: Faktura, uniconta: Uniconta, numbers: list[int],
                             pdf_kept: bool = True) -> None:
    """Each number archived as Uniconta booked it: with the ClientTime PDF, or (`pdf_kept`
    False: Uniconta's layout over its REST API) without a PDF."""
    archive = faktura.archive()
    try:
        for number in numbers:
            booked = uniconta.invoice(number)
            entry = archive.get("revisorhuset", str(number))
            assert entry.uniconta_invoice_number == number
            assert entry.total_amount == abs(Decimal(str(booked["TotalAmount"])))
            assert entry.issue_date.isoformat() == booked["Date"][:10]
            assert entry.currency_code == booked["Currency"]
            if pdf_kept:
                text = _pdf_text(archive.pdf("revisorhuset", str(number)))
                assert str(number) in text
            else:
                assert (entry.layout, entry.pdf_sha256, entry.pdf_size) == ("uniconta", None, None)
                with pytest.raises(NoPdfKept, match="Uniconta's own layout"):
                    archive.pdf("revisorhuset", str(number))
            if booked["Currency"] == "DKK" and booked["DocumentType"] == "Invoice":
                # The FI line carries Uniconta's number as its payment ID.
                assert entry.fik_line == fik.code_line("71", "85000012", str(number))
                if pdf_kept:
                    assert entry.fik_line[:-1].replace(" ", "") in text.replace(" ", "")
            else:
                assert entry.fik_line is None
            invoice = json.loads(archive.invoice_json("revisorhuset", str(number)))
            assert invoice["invoice_number"] == str(number)
            assert invoice["due_date"] == booked["DueDate"][:10]
            if invoice["customer"].get("ean"):
                xml = archive.xml("revisorhuset", str(number)).decode()
                assert f"<cbc:ID>{number}</cbc:ID>" in xml
                assert f"{Decimal(str(booked['TotalAmount'])):.2f}" in xml
    finally:
        archive.close()


def _wait_for(condition: Any, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def _issued(faktura: Faktura) -> list[str]:
    bookings = faktura.bookings()
    try:
        return [r.invoice_number for r in bookings.all("revisorhuset", BookingState.ISSUED)]
    finally:
        bookings.close()


# --------------------------------------------------------------------------- the webhook


def test_booked_samples_are_issued_through_the_webhook_once(
        uniconta: Uniconta, faktura: Faktura) -> None:
    orders = _draft(faktura, *SAMPLE_INVOICES)
    # Booked before the server runs, with no webhook yet: the server's own poll issues it.
    numbers = [uniconta.book(orders[0], "1000;Ekstra rådgivning;1.5;800")["InvoiceNumber"]]
    with serving(faktura) as hook:
        assert len(uniconta.rest("GET", "TableChangeEventClient")) == 1
        assert faktura.run("follow", "--register-webhook", hook).exit_code == 0
        assert len(uniconta.rest("GET", "TableChangeEventClient")) == 1  # not twice

        _wait_for(lambda: _issued(faktura) == [str(numbers[0])])
        numbers += [uniconta.book(order)["InvoiceNumber"] for order in orders[1:]]
        _wait_for(lambda: len(_issued(faktura)) == len(numbers))
        _assert_issued_as_booked(faktura, uniconta, numbers)

        # Replays (×3), forged rows and numbers, a foreign token: nothing twice, nothing false.
        rows = [uniconta.invoice(n)["RowId"] for n in numbers]
        calls_before = uniconta.calls()
        rng = random.Random(7)
        for _ in range(3):
            for number, row in zip(numbers, rows, strict=True):
                replay = httpx.get(hook, params={"Company": fixtures.COMPANY_ID, "Table": 79,
                                                 "Key": number, "RowId": row,
                                                 "Operation": "Insert"}, timeout=10)
                assert replay.status_code == 202
        forged = 0
        for _ in range(20):
            params = {"Key": str(rng.randint(1, 10**9)), "RowId": str(rng.randint(1, 10**6))}
            answer = httpx.post(hook, params=params, json={"InvoiceNumber": 1, "TotalAmount": 1},
                                timeout=10)
            forged += answer.status_code == 202
            foreign = httpx.post(f"{hook.rsplit('/', 1)[0]}/not-the-token"
                                 f"-{rng.randint(0, 99)}", params=params, timeout=10)
            assert foreign.status_code == 404
            assert "not-the-token" not in foreign.text
        assert forged == 20
        # The hints are read back, those that arrive together in one round: a replay by its
        # row (then found issued), a forgery by its row and its number (unknown to Uniconta).
        _wait_for(lambda: uniconta.calls() - calls_before >= 2)
    assert sorted(_issued(faktura)) == sorted(map(str, numbers))
    bookings = faktura.bookings()
    try:
        records = bookings.all("revisorhuset")
    finally:
        bookings.close()
    assert {r.invoice_number for r in records} == set(map(str, numbers))  # nothing forged
    assert all(r.attempts == 1 for r in records)  # each written once
    log = (faktura.folder / "serve.log").read_text(errors="replace")
    assert TOKEN not in log

    # The edited booking: issued as booked, its difference from the source shown.
    edited = str(numbers[0])
    balance = faktura.run("balance", "--from", "2020-01-01", "--to", "2030-12-31",
                          "--format", "json")
    report = json.loads(balance.stdout)
    assert edited in report["matched"]
    changes = [c for c in report["changed_in_uniconta"] if c["number"] == edited]
    assert any("Ekstra rådgivning" in c["theirs"] for c in changes), changes
    assert {c["number"] for c in report["changed_in_uniconta"]} == {edited}
    status = faktura.run("sync", "status")
    assert "Ekstra rådgivning" in status.stdout


def test_twenty_bookings_in_a_burst_are_read_back_together_and_issued_once(
        uniconta: Uniconta, faktura: Faktura) -> None:
    # Webhook only (no poll), and invoices made in Uniconta are issued too.
    text = faktura.settings.read_text(encoding="utf-8")
    faktura.settings.write_text(text.replace("follow_in_server = true",
                                             "issue_uniconta_invoices = true"), encoding="utf-8")
    uniconta.rest("POST", "Insert/DebtorClient", json={"Account": "1001", "Group": "1",
                                                       "Name": "Kunde 1001 ApS"})
    orders = [o["OrderNumber"] for o in uniconta.rest("POST", "InsertList/DebtorOrderClient",
              json=[{"Account": "1001", "YourRef": f"burst {n}"} for n in range(20)])]
    uniconta.rest("POST", "InsertList/DebtorOrderLineClient", json=[
        {"OrderNumber": order, "Item": "1000", "Text": "Rådgivning", "Qty": 1 + n, "Price": 950}
        for n, order in enumerate(orders)])
    with serving(faktura):
        calls_before = uniconta.calls()
        with ThreadPoolExecutor(8) as pool:
            numbers = list(pool.map(lambda order: uniconta.book(order)["InvoiceNumber"],
                                    orders))
        _wait_for(lambda: len(_issued(faktura)) == len(numbers), seconds=300)
        calls = uniconta.calls() - calls_before
    bookings = faktura.bookings()
    try:
        records = bookings.all("revisorhuset")
    finally:
        bookings.close()
    assert sorted(r.invoice_number for r in records) == sorted(map(str, numbers))
    assert all(r.attempts == 1 and r.state == BookingState.ISSUED for r in records)
    _assert_issued_as_booked(faktura, uniconta, numbers)
    # One at a time, each booking would cost at least two calls (its header, its lines).
    assert calls < 2 * len(numbers), calls


# --------------------------------------------------------------------------- the poll


def test_without_webhooks_follow_once_issues_every_booking_once(
        uniconta: Uniconta, faktura: Faktura) -> None:
    orders = _draft(faktura, *SAMPLE_INVOICES)
    numbers = [uniconta.book(order)["InvoiceNumber"] for order in orders]
    first = faktura.run("follow", "--once")
    assert first.exit_code == 0, first.output
    assert first.stdout.count("issued") == len(numbers)
    _assert_issued_as_booked(faktura, uniconta, numbers)
    again = faktura.run("follow", "--once")
    assert again.exit_code == 0 and "nothing new booked" in again.stdout
    assert sorted(_issued(faktura)) == sorted(map(str, numbers))


def test_a_booking_that_cannot_be_issued_waits_for_attention_then_retry(
        uniconta: Uniconta, faktura: Faktura) -> None:
    (order,) = _draft(faktura, SAMPLES / "01-one-line.json")
    # Moved on in Uniconta after the draft was made (the draft was checked against the
    # series as it stood): beyond card 71's payment ID.
    (serie,) = [s for s in uniconta.rest("GET", "NumberSerieClient") if s["Serie"] == "FAK"]
    uniconta.rest("PUT", "Update/NumberSerieClient",
                  json={**serie, "Next": 1234567890123456})
    number = uniconta.book(order)["InvoiceNumber"]
    assert number == 1234567890123456
    first = faktura.run("follow", "--once")
    assert first.exit_code == 1
    listed = faktura.run("follow", "--list")
    assert listed.exit_code == 1 and str(number) in listed.stdout
    assert "invoice_number" in listed.stdout  # the reason names the field
    archive = faktura.archive()
    try:
        assert archive.list("revisorhuset") == []  # booked, never archived with another line
    finally:
        archive.close()
    assert faktura.run("follow", "--once").stdout.count(str(number)) == 0  # not retried alone
    balance = json.loads(faktura.run("balance", "--from", "2020-01-01", "--to", "2030-12-31",
                                     "--format", "json").stdout)
    (waiting,) = balance["booked_not_archived"]
    assert waiting["number"] == str(number) and "needs attention" in waiting["note"]
    assert not balance["balanced"]

    # The fix: FI card 73 carries no payment ID. Then the retry issues it, once.
    text = faktura.settings.read_text(encoding="utf-8")
    faktura.settings.write_text(text.replace('fi_card_type = "71"', 'fi_card_type = "73"'),
                                encoding="utf-8")
    retried = faktura.run("follow", "--retry", str(number))
    assert retried.exit_code == 0, retried.output
    assert _issued(faktura) == [str(number)]
    assert faktura.run("follow", "--list").exit_code == 0
    assert "already issued" in faktura.run("follow", "--retry", str(number)).stdout


def test_a_closed_period_refuses_the_booking(uniconta: Uniconta, faktura: Faktura) -> None:
    (order,) = _draft(faktura, SAMPLES / "01-one-line.json")
    closed = httpx.post(f"{uniconta.url}/_emulator/periods",
                        json={"closed_until": "2099-12-31"}, timeout=10)
    assert closed.status_code == 200
    refused = httpx.post(f"{uniconta.url}/_emulator/book/{order}", timeout=10)
    assert refused.status_code == 400 and refused.json() == {"error": "FinancePeriodNotOpen"}
    assert uniconta.rest("GET", "DebtorInvoiceClient") == []
    httpx.post(f"{uniconta.url}/_emulator/periods", json={"closed_until": None}, timeout=10)
    booked = subprocess.run([sys.executable, "-m", "cli.main", "uniconta-emulator", "book",
                             str(order), "--add-line", "1000;Ekstra;1;100", "--state",
                             str(uniconta.state)], cwd=REPO, env=ENV, capture_output=True,
                            text=True, timeout=60)
    assert booked.returncode == 0, booked.stderr
    (row,) = uniconta.rest("GET", "DebtorInvoiceClient")
    assert f"as invoice {row['InvoiceNumber']}" in booked.stdout
    lines = uniconta.rest("GET", f"InvTransClient?Name=InvoiceNumber&Value={row['InvoiceNumber']}")
    assert [line["Text"] for line in lines][-1] == "Ekstra"


def _official_findings(xml: bytes, fmt: str, folder: Path) -> str:
    """The official validators' findings on `xml` ("" when it is valid)."""
    script = need_validators()
    path = folder / f"check-{fmt}.xml"
    path.write_bytes(xml)
    checked = subprocess.run([sys.executable, str(script), "--format", fmt, str(path)],
                             capture_output=True, text=True, timeout=300)
    return "" if checked.returncode == 0 else checked.stdout + checked.stderr


def test_in_unicontas_layout_a_booking_is_archived_once_without_a_pdf(
        uniconta: Uniconta, faktura: Faktura, tmp_path: Path) -> None:
    text = faktura.settings.read_text(encoding="utf-8")
    faktura.settings.write_text(
        text.replace("UseTimeViewInvoice = 1", "UseTimeViewInvoice = 0")
        + '\n[delivery]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
          'from_address = "faktura@revisorhuset.dk"\nautomatic = true\n', encoding="utf-8")
    plain, with_ean = SAMPLES / "01-one-line.json", SAMPLES / "03-long-annual.json"
    numbers = [uniconta.book(order)["InvoiceNumber"] for order in _draft(faktura, plain,
                                                                           with_ean)]
    first = faktura.run("follow", "--once")
    assert first.exit_code == 0, first.output
    assert first.stdout.count("issued") == 2
    assert "nothing new booked" in faktura.run("follow", "--once").stdout
    _assert_issued_as_booked(faktura, uniconta, numbers, pdf_kept=False)
    ean_number = str(numbers[1])
    archive = faktura.archive()
    try:
        assert archive.get("revisorhuset", str(numbers[0])).xml_format is None  # no EAN
        entry = archive.get("revisorhuset", ean_number)
        assert entry.xml_format == "oioubl"
        xml = archive.xml("revisorhuset", ean_number)
        assert _official_findings(xml, "oioubl", tmp_path) == ""
        assert archive.verify().ok  # sealed as kept: no PDF looked for
        invoice_json = archive.invoice_json("revisorhuset", ean_number)
    finally:
        archive.close()
    assert sorted(p.suffix for p in (faktura.folder / "archive").rglob("*")
                  if p.suffix in (".pdf", ".xml")) == [".xml"]  # no PDF made, none kept

    # The command line offers what is kept; issuing queued no e-mail, and none is sent.
    out = tmp_path / "out"
    out.mkdir()
    refused = faktura.run("archive", "get", ean_number, "--out", str(out))
    assert refused.exit_code == 1
    assert "Uniconta's own layout" in refused.output and "--xml" in refused.output
    got = faktura.run("archive", "get", ean_number, "--json", "--out", str(out))
    assert got.exit_code == 0, got.output
    assert (out / f"{ean_number}.json").read_text(encoding="utf-8") == invoice_json
    assert "never queued" in faktura.run("send", "--log", ean_number).stdout
    sent = faktura.run("send", ean_number)
    assert sent.exit_code == 1 and "refused" in sent.stdout and "send it from Uniconta" in (
        sent.stdout)

    # The API: one 404 problem for the PDF, the e-invoice and the record as kept.
    settings = load_settings(faktura.settings)
    registry = TenantRegistry.of(settings, key_store_path=tmp_path / "keys.sqlite")
    keys = KeyStore(registry.key_store_path)
    key, _ = keys.create(settings.tenant)
    api = create_app(registry, batch_workers=0, keys=keys)
    with TestClient(api, base_url="http://127.0.0.1") as client:
        bearer = {"Authorization": f"Bearer {key}"}
        pdf = client.get(f"/v1/archive/{ean_number}", headers=bearer)
        assert pdf.status_code == 404
        assert pdf.headers["content-type"].startswith("application/problem+json")
        problem = pdf.json()
        assert problem["type"].endswith("/no-pdf-kept")
        assert "Uniconta's own layout" in problem["detail"]
        assert problem["links"]["xml"] == f"/v1/archive/{ean_number}/xml"
        served = client.get(problem["links"]["xml"], headers=bearer)
        assert served.status_code == 200 and served.content == xml
        meta = client.get(problem["links"]["meta"], headers=bearer).json()
        assert (meta["layout"], meta["pdf_sha256"], meta["fik_line"]) == (
            "uniconta", None, entry.fik_line)
        plain_pdf = client.get(f"/v1/archive/{numbers[0]}", headers=bearer).json()
        assert "xml" not in plain_pdf["links"]  # it has no e-invoice to offer

        # The pages: no PDF link to a file that is not there, the e-invoice linked.
        form = client.get("/login").text
        signed = client.post("/login", data={"key": key, "login_token": re.search(
            r'name="login_token" value="([^"]+)"', form).group(1)}, follow_redirects=False)
        assert signed.status_code == 303
        listed = client.get("/archive").text
        assert re.findall(r'href="[^"]*\.pdf"', listed) == []
        assert listed.count(">PDF i Unicontas layout, ikke gemt her<") == 2
        assert f'href="/archive/{ean_number}.xml"' in listed
        page = client.get(f"/archive/{ean_number}").text
        assert "ikke gemt her" in page and "send PDF&#39;en fra Uniconta" in page
        assert f'href="/archive/{ean_number}.xml"' in page and "/send" not in page
        missing = client.get(f"/archive/{ean_number}.pdf")
        assert missing.status_code == 404 and "Unicontas eget layout" in missing.text


def test_through_the_gateway_a_booking_in_unicontas_layout_keeps_unicontas_pdf(
        uniconta: Uniconta, faktura: Faktura) -> None:
    text = faktura.settings.read_text(encoding="utf-8")
    faktura.settings.write_text(text.replace("UseTimeViewInvoice = 1", "UseTimeViewInvoice = 0")
                                .replace('transport = "rest"', 'transport = "gateway"'),
                                encoding="utf-8")
    (order,) = _draft(faktura, SAMPLES / "01-one-line.json")
    number = uniconta.book(order)["InvoiceNumber"]
    issued = faktura.run("follow", "--once")
    assert issued.exit_code == 0, issued.output
    archive = faktura.archive()
    try:
        entry = archive.get("revisorhuset", str(number))
        assert (entry.layout, entry.pdf_kept, entry.fik_line) == ("uniconta", True, None)
        text = _pdf_text(archive.pdf("revisorhuset", str(number)))  # Uniconta's, as served
        assert "UNICONTA LAYOUT" in text and f"Faktura nr. {number}" in text
        assert archive.verify().ok
    finally:
        archive.close()


def test_a_crash_between_the_archive_and_the_records_is_repaired_by_the_next_try(
        uniconta: Uniconta, faktura: Faktura) -> None:
    """Killed after the archive write, before the draft's posting record took the number
    Uniconta gave the booking: the next try finds the archived invoice, issues nothing again,
    and writes the records it missed (`faktura sync status` then shows the number)."""
    (order,) = _draft(faktura, SAMPLES / "01-one-line.json")
    number = uniconta.book(order)["InvoiceNumber"]
    assert faktura.run("follow", "--once").exit_code == 0
    archive = faktura.archive()
    try:
        source_id = archive.get("revisorhuset", str(number)).source_id
    finally:
        archive.close()
    state = faktura.folder / "state" / "ledger.sqlite"
    with sqlite3.connect(state) as db:  # the records as the crash left them
        db.execute("UPDATE postings SET invoice_number = NULL, voucher = NULL,"
                   " journal_posted_id = NULL WHERE source_id = ?", (source_id,))
        db.execute("DELETE FROM bookings WHERE invoice_number = ?", (str(number),))
    db.close()

    again = faktura.run("follow", "--retry", str(number))
    assert again.exit_code == 0 and "already issued" in again.stdout, again.output
    ledger = Ledger(state)
    try:
        record = ledger.get("revisorhuset", source_id)
    finally:
        ledger.close()
    assert record is not None and record.state == State.ARCHIVED
    assert record.invoice_number == str(number) and record.voucher is not None
    assert _issued(faktura) == [str(number)]
    archive = faktura.archive()
    try:
        assert [e.invoice_number for e in archive.list("revisorhuset")] == [str(number)]
    finally:
        archive.close()
