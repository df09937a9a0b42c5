"""`faktura sync …` end to end: the real CLI (CliRunner), the real factory wiring, a live emulator
whose user has a distinctive password — which must never show up in output or in the sync log.
UseTimeViewInvoice = 0 (Uniconta's PDF), so no time goes to rendering."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sync_support import SAMPLE_SETTINGS, SAMPLES, customer, line
from typer.testing import CliRunner, Result

from cli.main import app
from sync.emulator import fixtures
from sync.emulator.server import running_emulator
from sync.emulator.settings import EmulatorSettings, EmulatorUser
from sync.emulator.testing import EmulatorHandle
from sync.uniconta.gateway import GatewayClient

SECRET = "Zebra-7f3c-Kvist-9931"


@dataclass
class Cli:
    emulator: EmulatorHandle
    settings: Path
    state_dir: Path
    outputs: list[str]

    def run(self, *args: object) -> Result:
        result = CliRunner().invoke(app, ["sync", *map(str, args), "--settings",
                                          str(self.settings)], env={"COLUMNS": "400"})
        self.outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            self.outputs.append(str(result.exception))
        return result

    def row(self, result: Result, name: str) -> str:
        (found,) = [x for x in result.output.splitlines() if f" {name} " in x]
        return found


@pytest.fixture(scope="module")
def cli_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    user = EmulatorUser(fixtures.LOGIN, SECRET, (fixtures.COMPANY_ID,))
    path = tmp_path_factory.mktemp("cli-emulator") / "state.sqlite"
    with ExitStack() as stack:
        running = stack.enter_context(running_emulator(path, EmulatorSettings(users=(user,))))
        running.password = SECRET
        client = stack.enter_context(
            httpx.Client(base_url=running.base_url, auth=(user.login, SECRET), timeout=30))
        yield EmulatorHandle(running, client)


@pytest.fixture
def cli(cli_emulator: EmulatorHandle, tmp_path: Path) -> Iterator[Cli]:
    cli_emulator.reset_state()
    text = SAMPLE_SETTINGS.read_text(encoding="utf-8")
    text = text.replace('Password = "demo-secret"', f'Password = "{SECRET}"')
    text = text.replace("UseTimeViewInvoice = 1", "UseTimeViewInvoice = 0")
    text = text.replace('state_dir = "../var"', f'state_dir = "{tmp_path / "state"}"')
    text = text.replace('archive_dir = "../var/archive"',
                        f'archive_dir = "{tmp_path / "archive"}"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                        f'gateway_url = "{cli_emulator.base_url}"')
    assert SECRET in text and cli_emulator.base_url in text
    settings = tmp_path / "settings.toml"
    settings.write_text(text, encoding="utf-8")
    session = Cli(cli_emulator, settings, tmp_path / "state", [])
    yield session
    # Whatever a test did: the password is in no output and nowhere in the sync log.
    assert not any(SECRET in output for output in session.outputs)
    log = session.state_dir / "sync-log.jsonl"
    if log.exists():
        assert SECRET not in log.read_text(encoding="utf-8")
    for written in session.state_dir.rglob("*"):  # the ledger too
        assert not written.is_file() or SECRET.encode() not in written.read_bytes(), written


def _write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _invoice(source_id: str, number: str = "1001", **fields: Any) -> dict[str, Any]:
    return {"source_id": source_id, "issue_date": "2026-11-02",
            "customer": customer(number), "lines": [line()], **fields}


def test_sync_reports_posted_already_posted_and_failed_with_reasons(
        cli: Cli, tmp_path: Path) -> None:
    cli.emulator.create_debtor("1009", _Name="Spærret Kunde ApS", Blocked=True)
    files = [
        _write(tmp_path, "a.json", _invoice("S-1")),
        _write(tmp_path, "b.json", _invoice("S-2", "1002")),
        _write(tmp_path, "bad-item.json", _invoice("S-3", lines=[line(item_number="4242")])),
        _write(tmp_path, "blocked.json", _invoice("S-4", "1009")),
    ]
    first = cli.run(*files)
    assert first.exit_code == 1
    assert re.search(r"a\.json\s+│ posted\s+│ 20260001\s+│ \d+", cli.row(first, "a.json"))
    # New customer: debtor query + insert; then order, lines, posting, Uniconta's PDF.
    assert re.search(r"b\.json\s+│ posted\s+│ 20260002\s+│ 6 ", cli.row(first, "b.json"))
    assert "failed" in cli.row(first, "bad-item.json")
    assert "lines[0].item_number: names an item Uniconta does not have" in cli.row(
        first, "bad-item.json")
    assert "4242" not in cli.row(first, "bad-item.json")
    assert "DebtorIsStopped" in cli.row(first, "blocked.json")
    assert "2 posted, 2 failed;" in first.output and "per invoice)" in first.output
    assert cli.emulator.query("DebtorOrder") == []

    second = cli.run(*files)
    assert second.exit_code == 1
    assert re.search(r"│ already posted\s+│ 20260001\s+│ 0 ", cli.row(second, "a.json"))
    assert re.search(r"│ already posted\s+│ 20260002\s+│ 0 ", cli.row(second, "b.json"))
    assert "2 already posted, 2 failed;" in second.output
    assert len(cli.emulator.query("DebtorInvoice")) == 2


def test_sync_status_shows_the_ledger(cli: Cli, tmp_path: Path) -> None:
    cli.emulator.create_debtor("1009", _Name="Spærret Kunde ApS", Blocked=True)
    cli.run(_write(tmp_path, "a.json", _invoice("S-1")),
            _write(tmp_path, "blocked.json", _invoice("S-4", "1009")))
    status = cli.run("status")
    assert status.exit_code == 0
    assert re.search(r"S-1\s+│ archived\s+│ 5001\s+│ 20260001\s+│ \d+", cli.row(status, "S-1"))
    assert re.search(r"S-4\s+│ validated .*DebtorIsStopped", cli.row(status, "S-4"))
    one = cli.run("status", "S-4")
    assert "S-4" in one.output and "S-1" not in one.output
    missing = cli.run("status", "S-999")
    assert missing.exit_code != 0 and "S-999 is not in the posting ledger" in str(
        missing.exception)


def test_dry_run_writes_nothing_to_uniconta(cli: Cli, tmp_path: Path) -> None:
    cli.run(_write(tmp_path, "a.json", _invoice("S-1")))
    before = {t: cli.emulator.query(t) for t in ("Debtor", "DebtorOrder", "DebtorInvoice",
                                                 "Contact", "Project", "Employee")}
    cli.emulator.reset_counters()
    new = _write(tmp_path, "c.json", _invoice(
        "S-5", "1003", contact={"first_name": "Ida", "email": "ida@kunde1003.dk"},
        project={"number": "P9", "name": "Nyt projekt"},
        internal_reference={"number": "XY", "name": "Xenia Yde"}))
    bad = _write(tmp_path, "bad.json", _invoice("S-6", lines=[line(item_number="2000",
                                                                   quantity="0.5")]))
    result = cli.run(new, bad, "--dry-run")
    assert result.exit_code == 1
    assert "would post" in cli.row(result, "c.json")
    assert "lines[0].quantity: has more decimals than item 2000 allows" in cli.row(
        result, "bad.json")
    assert "Dry run" in result.output
    routes = cli.emulator.stats()["routes"]
    assert routes and all(route.startswith("GET ") for route in routes), routes
    assert {t: cli.emulator.query(t) for t in before} == before


def test_sync_customers_creates_then_only_updates_what_changed(cli: Cli,
                                                               tmp_path: Path) -> None:
    timelog_customer = {"CustomerID": "C-2001", "CustomerNo": "2001", "Name": "Fjord Fisk A/S",
                        "ContactEmail": "info@fjordfisk.dk",
                        "Address": {"Address": "Kajen 1", "ZipCode": "9900",
                                    "City": "Frederikshavn", "Country": "DK"}}
    people = [customer("1001"), customer("1002"), timelog_customer]
    path = tmp_path / "customers.json"
    path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    first = cli.run("customers", path)
    assert first.exit_code == 0
    assert all("synced" in cli.row(first, n) for n in ("1001", "1002", "2001"))
    assert {r["Account"]: r["Name"] for r in cli.emulator.query("Debtor")} == {
        "1001": "Kunde 1001 ApS", "1002": "Kunde 1002 ApS", "2001": "Fjord Fisk A/S"}

    assert all("unchanged" in cli.row(cli.run("customers", path), n)
               for n in ("1001", "1002", "2001"))
    people[1] = customer("1002", email="ny@kunde1002.dk")
    path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    third = cli.run("customers", path)
    assert "synced" in cli.row(third, "1002") and "unchanged" in cli.row(third, "1001")
    (debtor,) = cli.emulator.query("Debtor", Account="1002")
    assert debtor["ContactEmail"] == "ny@kunde1002.dk"
    assert len(cli.emulator.query("Debtor")) == 3


def test_sync_customers_unchanged_when_uniconta_already_has_them(cli: Cli,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "customers.json"
    path.write_text(json.dumps([customer("1001")]), encoding="utf-8")
    cli.run("customers", path)
    (tmp_path / "state" / "ledger.sqlite").unlink()  # a fresh machine, same Uniconta
    again = cli.run("customers", path)
    assert "unchanged" in cli.row(again, "1001")


def test_errors_that_reach_the_user_do_not_carry_the_password(cli: Cli,
                                                              tmp_path: Path) -> None:
    text = cli.settings.read_text(encoding="utf-8").replace(
        "[uniconta]", "[uniconta]\ncompany_id = 12115")  # a company this user may not open
    cli.settings.write_text(text, encoding="utf-8")
    result = cli.run(_write(tmp_path, "a.json", _invoice("S-1")))
    # The setup doctor's line stops the sync before the first invoice (it would refuse each).
    assert result.exit_code == 2
    assert "✗ company" in result.output
    assert "company 12115 is not among this user's companies" in result.output
    assert cli.emulator.query("DebtorOrder") == []


def test_dry_run_knows_what_is_already_posted(cli: Cli, tmp_path: Path) -> None:
    posted = _write(tmp_path, "a.json", _invoice("S-1"))
    cli.run(posted)
    new = _write(tmp_path, "b.json", _invoice("S-2"))
    result = cli.run(posted, new, "--dry-run")
    assert result.exit_code == 0
    assert re.search(r"│ already posted\s+│ as 20260001", cli.row(result, "a.json"))
    assert "would post" in cli.row(result, "b.json")
    assert len(cli.emulator.query("DebtorInvoice")) == 1


def test_a_refused_login_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(cli.settings.read_text(encoding="utf-8").replace(SECRET, "not-it"),
                     encoding="utf-8")
    path = _write(tmp_path, "a.json", _invoice("S-1"))
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(app, ["sync", str(path), *extra, "--settings", str(wrong)],
                                    env={"COLUMNS": "400"})
        cli.outputs.append(result.output)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert "Uniconta refused the login" in result.output
        assert "integration.password" in result.output


def test_status_names_an_invoice_booked_but_not_archived(cli: Cli, tmp_path: Path) -> None:
    cli.emulator.set_faults(misbook_vat=1)
    synced = cli.run(_write(tmp_path, "a.json", _invoice("S-1")))
    assert synced.exit_code == 1
    assert "booked 357.25" in cli.row(synced, "a.json")
    status = cli.run("status")
    assert re.search(r"S-1\s+│ posted, NOT ARCHIVED\s+│ \d+\s+│ 20260001", status.output)
    assert "357.25" in status.output  # the flag names both figures
    assert "1 invoice(s) booked in Uniconta but not archived: S-1 (20260001)" in status.output


def test_dry_run_refuses_what_the_real_run_refuses_before_any_call(
        cli: Cli, tmp_path: Path) -> None:
    nothing = _write(tmp_path, "nothing.json", _invoice(
        "S-7", "1004", lines=[line(quantity="0"), line("Kørsel", quantity="0")]))
    expected = "lines: no line has a quantity, so there is nothing to book"
    for extra in (["--dry-run"], []):
        result = cli.run(nothing, *extra)
        assert result.exit_code == 1
        assert expected in cli.row(result, "nothing.json")
        assert re.search(r"│ failed\s+│ .* │ 0\s+│", cli.row(result, "nothing.json"))
    assert cli.emulator.query("Debtor", Account="1004") == []
    assert cli.emulator.query("DebtorOrder") == []


def test_dry_run_names_the_setting_when_the_next_number_does_not_fit_the_fi_line(
        cli: Cli, tmp_path: Path) -> None:
    with GatewayClient(cli.emulator.base_url, cli.emulator.login, SECRET,
                       cli.emulator.company_id) as client:
        client.patch("NumberSerie", {"Serie": "FAK"}, {"_Next": 10 ** 14})
    path = _write(tmp_path, "a.json", _invoice("S-8"))
    for extra in (["--dry-run"], []):
        result = cli.run(path, *extra)
        assert result.exit_code == 1
        assert "layout.fi_card_type: Uniconta's next invoice number has 15 digits" in cli.row(
            result, "a.json")
    assert cli.emulator.query("DebtorInvoice") == [] and cli.emulator.query("DebtorOrder") == []
