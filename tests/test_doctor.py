"""The setup doctor against a live emulator: each rule broken in Uniconta (or the settings) is
✗ with the guide's fix; the samples' setup is ✓ (drafts without a webhook or poll: !);
the doctor never writes; a wrong password stops a batch with one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from cli.main import app
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.batch import read_inputs
from issuing.doctor import RULES, Report, diagnose, open_reader
from sync.emulator import fixtures
from sync.emulator.settings import EmulatorSettings, EmulatorUser
from sync.emulator.testing import EmulatorHandle

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SOURCE = [i.invoice for i in read_inputs([SAMPLES]) if i.invoice is not None]


def _settings(emulator: EmulatorHandle, tmp_path: Path, transport: str = "gateway",
              **integration: Any) -> Settings:
    base = load_settings(SAMPLES / "settings.toml")
    uniconta = base.uniconta.model_copy(update={
        "gateway_url": emulator.base_url, "transport": transport,
        "post_as_drafts": transport == "rest"})
    return base.model_copy(update={
        "uniconta": uniconta, "state_dir": tmp_path / "state",
        "integration": base.integration.model_copy(update=integration)})


def _run(settings: Settings, source: Any = None) -> Report:
    with open_reader(settings) as reader:
        return diagnose(settings, reader, source)


def _status(report: Report) -> dict[str, str]:
    return {r.rule.id: r.status for r in report.results}


def _edit(emulator: EmulatorHandle, entity: str, key: str, **changes: Any) -> None:
    """Change a row of the emulator's Uniconta directly (the chart of accounts, number
    series... are read-only over the API)."""
    store = emulator.running.app.state.store
    row = store.by_key(fixtures.COMPANY_ID, entity, key)
    assert row is not None, (entity, key)
    row.update(changes)
    store.update(row["RowId"], key, row)


def _delete(emulator: EmulatorHandle, entity: str, key: str | None = None) -> None:
    store = emulator.running.app.state.store
    for row in store.rows(fixtures.COMPANY_ID, entity):
        if key is None or str(row.get("Account", row.get("Group", ""))) == key:
            store.delete(row["RowId"])


def _company(emulator: EmulatorHandle, **changes: Any) -> None:
    store = emulator.running.app.state.store
    store.put_company({**store.company(fixtures.COMPANY_ID), **changes})


@pytest.mark.parametrize("transport", ["gateway", "rest"])
def test_the_samples_setup_is_fine_and_nothing_is_written(
        emulator: EmulatorHandle, tmp_path: Path, transport: str) -> None:
    emulator.reset_counters()
    report = _run(_settings(emulator, tmp_path, transport), SOURCE)
    statuses = _status(report)
    # Drafts (the REST path) are issued once booked only if Faktura learns of the booking.
    assert statuses.pop("booking-follower") == ("warn" if transport == "rest" else "ok")
    assert set(statuses.values()) == {"ok"}, [r.line("en") for r in report.results]
    assert report.ok
    stats = emulator.stats()
    assert stats["writes"] == 0 and stats["total_requests"] > 10
    assert [r.rule.id for r in report.results] == [r.id for r in RULES]


Breaker = Callable[[EmulatorHandle], None]

# rule id → (what breaks it in Uniconta, or None; settings changes; a word of the found text)
BROKEN: dict[str, tuple[Breaker | None, dict[str, Any], str]] = {
    "collection": (None, {"password": SecretStr("")}, "Password"),
    "company": (None, {"company": "Nope ApS"}, "Demo ApS"),
    "product-number": (lambda e: _edit(e, "InvItem", "1000", Decimals=0), {}, "0 decimals"),
    "product-number-ex-vat": (lambda e: _edit(e, "InvGroup", "YUM", RevenueAccount="1010"), {},
                              "without VAT"),
    "customer-group": (lambda e: _delete(e, "DebtorGroup"), {}, "does not exist"),
    "dimensions": (lambda e: _company(e, NumberOfDimensions=1), {}, "1 dimensions"),
    "dimension-values": (lambda e: _edit(e, "GLDimType1", "Team B", Name="Hold B"), {},
                         "Hold B"),
    "number-series": (lambda e: _edit(e, "NumberSerie", "FAK", Next=10 ** 14, LastValue=0), {},
                      "does not fit"),
    "terms-of-payment": (None, {"terms_of_payment": 9}, "9 days"),
    "vat-percentage": (None, {"vat_percentage": Decimal("20")}, "U25"),
    "currencies": (lambda e: _delete(e, "ExchangeRate"), {}, "EUR"),
    "fi-creditor": (None, {"fi_creditor_number": None}, "missing"),
    "payment-info": (None, {"payment_info": "IBAN DK5012340012345678"}, "IBAN it prints"),
}


@pytest.mark.parametrize("rule_id", sorted(BROKEN))
def test_a_broken_rule_is_a_cross_with_the_fix(emulator: EmulatorHandle, tmp_path: Path,
                                                rule_id: str) -> None:
    breaker, changes, word = BROKEN[rule_id]
    if breaker is not None:
        breaker(emulator)
    emulator.reset_counters()
    report = _run(_settings(emulator, tmp_path, **changes), SOURCE)
    (result,) = [r for r in report.results if r.rule.id == rule_id]
    assert result.status == "fail", result.line("en")
    assert word in result.finding.found("en")
    line = result.line("da")
    assert line.startswith(f"✗ {rule_id}") and f"Ret: {result.rule.fix.da}" in line
    assert not report.ok
    assert emulator.stats()["writes"] == 0


def test_a_blocked_item_and_a_group_without_vat(emulator: EmulatorHandle,
                                                tmp_path: Path) -> None:
    _edit(emulator, "InvItem", "1000", Blocked=True)
    _edit(emulator, "InvGroup", "YMM", SalesVat="")
    found = {r.rule.id: r for r in _run(_settings(emulator, tmp_path)).results}
    text = found["product-number"].finding.found("en")
    assert "item 1000 is blocked" in text and "must have sales VAT" in text
    assert "spærret" in found["product-number"].finding.found("da")


def test_products_items_and_the_central_values(emulator: EmulatorHandle,
                                               tmp_path: Path) -> None:
    settings = _settings(emulator, tmp_path)
    products = settings.products.model_copy(update={
        "hours": settings.products.hours.model_copy(update={"default": "2000"})})
    uniconta = settings.uniconta.model_copy(update={"project_category": "NOPE"})
    seller = settings.seller.model_copy(update={"cvr": "31415927"})
    report = _run(settings.model_copy(update={"products": products, "uniconta": uniconta,
                                              "seller": seller}))
    found = {r.rule.id: r for r in report.results}
    assert found["products"].status == "fail"
    assert "item 2000 has 0 decimals" in found["products"].finding.found("en")
    assert found["timelog-central"].status == "fail"
    assert "project_category = 'NOPE'" in found["timelog-central"].finding.found("en")
    assert found["seller-identifiers"].status == "fail"
    assert "CVR" in found["seller-identifiers"].finding.found("en")


def test_uniconta_layout_needs_uniconta_fik_setup(emulator: EmulatorHandle,
                                                  tmp_path: Path) -> None:
    settings = _settings(emulator, tmp_path, use_time_view_invoice=0)
    assert _status(_run(settings))["uniconta-fik"] == "ok"
    _company(emulator, FIK=None)
    result = {r.rule.id: r for r in _run(settings).results}["uniconta-fik"]
    assert result.status == "fail" and "no FIK setup" in result.finding.found("en")
    assert "+71<004040400000669+12345678<" in result.rule.fix.da


def test_few_numbers_left_is_a_warning_and_unknown_team_a_cross(emulator: EmulatorHandle,
                                                                tmp_path: Path) -> None:
    _edit(emulator, "NumberSerie", "FAK", LastValue=fixtures.FIRST_INVOICE_NUMBER + 9)
    team_c = SOURCE[1].model_copy(update={"team": "Team C"})
    found = {r.rule.id: r for r in _run(_settings(emulator, tmp_path), [team_c]).results}
    assert found["number-series"].status == "warn"
    assert "10 invoices left" in found["number-series"].finding.found("en")
    assert found["dimension-values"].status == "fail"
    assert "'Team C' does not exist in Dim1" in found["dimension-values"].finding.found("en")


def test_no_rights_to_a_table(emulator_factory: Callable[..., EmulatorHandle],
                              tmp_path: Path) -> None:
    user = EmulatorUser(fixtures.LOGIN, fixtures.PASSWORD, (fixtures.COMPANY_ID,),
                        no_rights=("DebtorOrder",))
    emulator = emulator_factory(EmulatorSettings(users=(user,)))
    result = {r.rule.id: r for r in _run(_settings(emulator, tmp_path)).results}["rights"]
    assert result.status == "fail" and "no rights to: DebtorOrder" in result.finding.found("en")


def test_a_wrong_password_is_one_line_and_nothing_else_is_tried(
        emulator: EmulatorHandle, tmp_path: Path) -> None:
    emulator.reset_counters()
    report = _run(_settings(emulator, tmp_path, password=SecretStr("not-it")))
    statuses = _status(report)
    assert statuses["login"] == "fail"
    login = [r for r in report.results if r.rule.id == "login"][0].line("en")
    assert "UserOrPasswordIsWrong" in login and "not-it" not in login
    # The rules that need Uniconta say they were not checked; one refused call in all.
    assert {statuses[r] for r in ("company", "number-series", "currencies")} == {"warn"}
    assert emulator.stats()["total_requests"] == 1


# --------------------------------------------------------------------------- the commands


def _settings_file(emulator: EmulatorHandle, tmp_path: Path, password: str = "demo-secret"
                   ) -> Path:
    text = (SAMPLES / "settings.toml").read_text(encoding="utf-8")
    text = text.replace('Password = "demo-secret"', f'Password = "{password}"')
    text = text.replace('state_dir = "../var"', f'state_dir = "{tmp_path / "state"}"')
    text = text.replace('archive_dir = "../var/archive"',
                        f'archive_dir = "{tmp_path / "archive"}"')
    text = text.replace('logo = "logo.png"', f'logo = "{SAMPLES / "logo.png"}"')
    text = text.replace('# gateway_url = "http://127.0.0.1:8765"',
                        f'gateway_url = "{emulator.base_url}"')
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_command_reports_json_in_both_languages(emulator: EmulatorHandle,
                                                    tmp_path: Path) -> None:
    settings = _settings_file(emulator, tmp_path)
    result = CliRunner().invoke(app, ["doctor", "--settings", str(settings), "--format",
                                      "json", "--source", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["counts"] == {"ok": len(RULES), "fail": 0, "warn": 0}
    login = data["rules"][1]
    assert data["rules"][0]["id"] == "collection" and login["id"] == "login"
    assert login["symbol"] == "✓" and login["title"]["da"] == "Log ind som Server-brugeren"
    _edit(emulator, "InvItem", "1010", Decimals=0)
    table = CliRunner().invoke(app, ["doctor", "--settings", str(settings), "--lang", "en"],
                               env={"COLUMNS": "200"})
    assert table.exit_code == 1
    assert "✗" in table.output and "item 1010 has 0 decimals, not 2" in table.output


def test_a_wrong_password_stops_a_batch_at_once(emulator: EmulatorHandle,
                                                tmp_path: Path) -> None:
    settings = _settings_file(emulator, tmp_path, password="not-it")
    emulator.reset_counters()
    result = CliRunner().invoke(app, ["batch", str(SAMPLES), "--settings", str(settings),
                                      "--workers", "0"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if "login" in line]
    assert len(lines) == 1 and "✗ login" in lines[0] and "UserOrPasswordIsWrong" in lines[0]
    assert "Batch summary" not in result.output and "not-it" not in result.output
    assert emulator.stats()["writes"] == 0
    assert emulator.query("DebtorOrder") == []


def test_serve_warns_at_start_with_the_cheap_rules(emulator: EmulatorHandle,
                                                   tmp_path: Path) -> None:
    from issuing.doctor import startup_warnings

    fine = _settings(emulator, tmp_path)
    wrong = _settings(emulator, tmp_path, password=SecretStr("not-it"))
    warnings = startup_warnings([fine, wrong])
    assert len(warnings) == 1  # the fine tenant says nothing; the other names its login
    assert warnings[0].startswith("revisorhuset: ✗ login") and "not-it" not in warnings[0]


def test_over_rest_a_wrong_password_and_an_unknown_company(emulator: EmulatorHandle,
                                                          tmp_path: Path) -> None:
    wrong = _run(_settings(emulator, tmp_path, "rest", password=SecretStr("not-it")))
    assert "refused the login 'faktura' (UserOrPasswordIsWrong)" in \
        wrong.results[1].finding.found("en")
    unknown = {r.rule.id: r for r in _run(_settings(emulator, tmp_path, "rest",
                                                    company="Nope ApS")).results}
    assert unknown["login"].status == "ok" and unknown["company"].status == "fail"
    assert "no company named 'Nope ApS'" in unknown["company"].finding.found("en")


def test_drafts_are_followed_by_the_poll_or_a_registered_webhook(
        emulator: EmulatorHandle, tmp_path: Path) -> None:
    rest = _settings(emulator, tmp_path, "rest")

    def follower(settings: Settings) -> str:
        (result,) = [r for r in _run(settings).results if r.rule.id == "booking-follower"]
        return result.status

    assert follower(rest) == "warn"
    polled = rest.uniconta.model_copy(update={"follow_in_server": True})
    assert follower(rest.model_copy(update={"uniconta": polled})) == "ok"

    token = "t" * 24
    hooked = rest.uniconta.model_copy(update={"webhook_token": SecretStr(token)})
    assert follower(rest.model_copy(update={"uniconta": hooked})) == "warn"  # not registered
    response = httpx.post(f"{emulator.base_url}/api/Entities/Insert/TableChangeEventClient",
                          auth=(f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}", fixtures.PASSWORD),
                          json={"TableId": 0, "UsePost": False,
                                "Url": f"https://faktura.example/v1/uniconta/events/{token}"},
                          timeout=30)
    assert response.status_code == 200, response.text
    emulator.reset_counters()
    assert follower(rest.model_copy(update={"uniconta": hooked})) == "ok"
    assert emulator.stats()["writes"] == 0
