"""Invoice balancing: the pure comparison, and the whole thing over REAL HTTP
against the emulator with real invoices issued through the Issuer and planted differences."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from archive import LocalArchive, NewArchiveItem
from cli.balance import balance_command
from faktura.model import Invoice, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.balance import (
    BalanceInvoice,
    Difference,
    balance,
    balance_for_period,
    to_csv,
    to_json,
)
from issuing.pipeline import Issuer
from renderer.document import InvoiceView
from renderer.render import EmbeddedFile, PdfVariant, Renderer
from sync.emulator import fixtures
from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncEngine
from sync.posting.ledger import Ledger
from sync.posting.log import SyncLog
from sync.uniconta.gateway import GatewayClient, RetryPolicy

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SETTINGS = REPO / "samples" / "settings.toml"
FAST = RetryPolicy(max_attempts=2, base_delay=0.0, jitter=0.0)
STUB_PDF = b"%PDF-1.4\n% stub\n%%EOF\n"
D = Decimal
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def inv(number: str | None, total: str | None = "125.00", **fields: Any) -> BalanceInvoice:
    values: dict[str, Any] = {"customer": "1001", "date": dt.date(2026, 3, 2),
                              "currency": "DKK", "net": D("100.00"), "vat": D("25.00"),
                              "total": None if total is None else D(total)}
    values.update(fields)
    return BalanceInvoice(number, **values)


# --------------------------------------------------------------------------- pure


def test_balance_pairs_by_number_and_names_each_difference() -> None:
    ours = [inv("1"), inv("2", total="130.00"), inv("3", currency="EUR"), inv("4"),
            inv("6", net=None, vat=None, total=None, date=None, note="posted, not archived",
                archived=False),
            inv(None, order_number=5007, note="draft")]
    theirs = [inv("1", total="125.001"), inv("2"), inv("3"), inv("5"), inv("6"),
              inv("7", order_number=5007)]
    report = balance(ours, theirs)
    assert report.matched == ["1"]  # amounts to the øre
    assert [i.number for i in report.booked_not_archived] == ["6"]  # never "matched"
    assert report.differing == [Difference("2", "total", D("130.00"), D("125.00")),
                                Difference("3", "currency", "EUR", "DKK")]
    assert [i.number for i in report.missing_in_uniconta] == ["4"]
    assert [i.number for i in report.missing_here] == ["5"]
    assert [i.number for i in report.booked_drafts] == ["7"]
    assert not report.balanced
    data = json.loads(to_json(report))
    assert data["differing"][0] == {"number": "2", "field": "total", "ours": "130.00",
                                    "theirs": "125.00"}
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert {r["status"] for r in rows} == {"matched", "differs", "missing in Uniconta",
                                           "missing here", "booked from our draft",
                                           "booked, not archived"}
    assert balance([inv("1")], [inv("1")]).balanced
    assert balance([], []).balanced


# --------------------------------------------------------------------------- end to end


class StubRenderer(Renderer):
    def pdf(self, view: InvoiceView, *, pdf_variant: PdfVariant = None,
            attachments: Sequence[EmbeddedFile] = ()) -> bytes:
        return STUB_PDF


@dataclass
class Stack:
    settings: Settings
    client: GatewayClient
    archive: LocalArchive
    issuer: Issuer


@pytest.fixture
def stack(emulator: EmulatorHandle, tmp_path: Path) -> Iterator[Stack]:
    base = load_settings(SAMPLE_SETTINGS)
    settings = base.model_copy(update={
        "state_dir": tmp_path / "state", "archive_dir": tmp_path / "archive",
        "uniconta": base.uniconta.model_copy(update={"gateway_url": emulator.base_url}),
    })
    with GatewayClient(emulator.base_url, emulator.login, emulator.password,
                       fixtures.COMPANY_NAME, retry=FAST) as client:
        ledger = Ledger(settings.state_dir / "ledger.sqlite")
        archive = LocalArchive(settings.archive_dir)
        engine = SyncEngine(client, ledger, settings,
                            SyncLog(settings.state_dir / "log.jsonl", settings.tenant))
        issuer = Issuer(settings, poster=engine, archive=archive, renderer=StubRenderer())
        try:
            yield Stack(settings, client, archive, issuer)
        finally:
            archive.close()
            ledger.close()


def invoice(source_id: str, customer: str, day: int, **fields: Any) -> Invoice:
    return parse_invoice({
        "source_id": source_id, "issue_date": f"2026-03-{day:02d}",
        "customer": {"customer_number": customer, "name": f"Kunde {customer} ApS"},
        "lines": [{"item_number": "1000", "text": "Rådgivning", "quantity": "1.5",
                   "unit": "timer", "unit_price": "950"},
                  {"item_number": "1010", "text": "Gebyr", "quantity": "1",
                   "unit_price": "100", "vat": False}],
        **fields,
    })


def plant(index: Path, number: str, **columns: str) -> None:
    """Edit our side behind the archive's back (its index, not the hash-checked files)."""
    with sqlite3.connect(index) as conn:
        for name, value in columns.items():
            conn.execute(f"UPDATE archive_entries SET {name} = ? WHERE invoice_number = ?",
                         (value, number))


def cli(emulator: EmulatorHandle, tmp: Path, *args: str) -> Any:
    app = typer.Typer()
    app.command()(balance_command)
    env = {"FAKTURA_UNICONTA__GATEWAY_URL": emulator.base_url,
           "FAKTURA_STATE_DIR": str(tmp / "state"), "FAKTURA_ARCHIVE_DIR": str(tmp / "archive")}
    return CliRunner().invoke(app, ["--from", "2026-03-01", "--to", "2026-03-31", *args,
                                    "--settings", str(SAMPLE_SETTINGS)], env=env)


def test_balancing_finds_planted_differences(
        emulator: EmulatorHandle, stack: Stack, tmp_path: Path) -> None:
    issue = stack.issuer.issue
    a = issue(invoice("A", "1001", 2)).invoice_number
    b = issue(invoice("B", "1002", 3)).invoice_number
    c = issue(invoice("C", "1003", 4, currency_code="EUR", exchange_rate="7.46")).invoice_number
    d = issue(invoice("D", "1001", 5, type_code=381,
                      preceding_invoice_reference=a)).invoice_number
    issue(invoice("E", "1001", 1).model_copy(update={"issue_date": dt.date(2026, 4, 1)}))

    clean = balance_for_period(stack.settings, *MARCH)
    assert clean.balanced and clean.matched == [a, b, c, d]  # April's invoice is outside
    ok = cli(emulator, tmp_path)
    assert ok.exit_code == 0, ok.output

    index = stack.settings.archive_dir / "index.sqlite"
    plant(index, a, total_amount="2118.75")  # issued 1881.25 incl. VAT
    plant(index, b, currency_code="EUR")
    extra = emulator.create_order("1002", lines=[{"_Item": "1000", "_Qty": 1, "_Price": 950}])
    made = emulator.post_invoice(extra, date="2026-03-20")  # booked in Uniconta by hand
    assert made.status_code == 200, made.text
    extra_number = str(made.json()["Header"]["InvoiceNumber"])
    stack.archive.put(NewArchiveItem(  # issued here, never booked in Uniconta
        tenant=stack.settings.tenant, invoice_number="99999999", document_type="invoice",
        issue_date=dt.date(2026, 3, 9), customer_number="1001", customer_name="Kunde 1001 ApS",
        currency_code="DKK", total_amount=D("100.00"), layout="clienttime", pdf=STUB_PDF,
        invoice_json=invoice("X", "1001", 9).model_dump_json()))

    report = balance_for_period(stack.settings, *MARCH)
    assert report.matched == [c, d]
    assert report.differing == [
        Difference(a, "total", D("2118.75"), D("1881.25")),
        Difference(b, "currency", "EUR", "DKK"),
    ]
    assert [i.number for i in report.missing_in_uniconta] == ["99999999"]
    assert [(i.number, i.customer, i.total) for i in report.missing_here] == [
        (extra_number, "1002", D("1187.5"))]

    table = cli(emulator, tmp_path)
    assert table.exit_code == 1
    assert "missing here" in table.output and "currency" in table.output
    as_json = cli(emulator, tmp_path, "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["balanced"] is False and data["matched"] == [c, d]
    out = tmp_path / "balance.csv"
    as_csv = cli(emulator, tmp_path, "--format", "csv", "--out", str(out))
    assert as_csv.exit_code == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {"status": "differs", "number": a, "field": "total", "ours": "2118.75",
            "theirs": "1881.25"} in rows


def test_balance_bad_period_is_refused(emulator: EmulatorHandle, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(balance_command)
    for args, message in ((["--from", "2026-03-31", "--to", "2026-03-01"], "empty period"),
                          (["--from", "yesterday", "--to", "2026-03-01"], "not a date")):
        result = CliRunner().invoke(app, [*args, "--settings", str(SAMPLE_SETTINGS)],
                                    env={"FAKTURA_UNICONTA__GATEWAY_URL": emulator.base_url,
                                         "FAKTURA_STATE_DIR": str(tmp_path / "s")})
        assert result.exit_code == 2 and message in result.output
