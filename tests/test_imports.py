"""TimeLog-direction imports over REAL HTTP against the emulator: items (catalogue + product-number
principle), expenses, customers with contacts; and the CLI's bad-input handling."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.balance import balance_command
from faktura import timelog
from faktura.model import Customer, parse_invoice
from faktura.settings import KindProducts, ProductSettings, Settings
from infra.settings_files import load_settings
from sync.emulator import fixtures
from sync.emulator.testing import EmulatorHandle
from sync.posting.catalogue import (
    Catalogue,
    check_configured_items,
    check_invoice_items,
    import_items,
    item_for,
    item_of_line,
    line_kind,
)
from sync.posting.engine import SyncEngine, SyncFailed
from sync.posting.ledger import Ledger
from sync.posting.log import SyncLog
from sync.posting.mapping import MappingError
from cli.timelog import import_app
from sync.timelog.imports import (
    ImportFailed,
    customers_from_uniconta,
    expense_from_voucher,
    expenses_from_uniconta,
)
from sync.uniconta.gateway import GatewayClient, RetryPolicy

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SETTINGS = REPO / "samples" / "settings.toml"
FAST = RetryPolicy(max_attempts=2, base_delay=0.0, jitter=0.0)
runner = CliRunner()


def make_settings(emulator: EmulatorHandle, tmp: Path, **products: KindProducts) -> Settings:
    base = load_settings(SAMPLE_SETTINGS)
    return base.model_copy(update={
        "state_dir": tmp / "state", "archive_dir": tmp / "archive",
        "uniconta": base.uniconta.model_copy(update={"gateway_url": emulator.base_url}),
        "products": ProductSettings(**products),
    })


def cli_env(emulator: EmulatorHandle, tmp: Path) -> dict[str, str]:
    """The sample settings file, pointed at the emulator and tmp by the environment."""
    return {"FAKTURA_UNICONTA__GATEWAY_URL": emulator.base_url,
            "FAKTURA_STATE_DIR": str(tmp / "state"), "FAKTURA_ARCHIVE_DIR": str(tmp / "archive")}


@pytest.fixture
def gw(emulator: EmulatorHandle) -> Any:
    with GatewayClient(emulator.base_url, emulator.login, emulator.password,
                       fixtures.COMPANY_NAME, retry=FAST) as client:
        client.resolve_company()  # the name → id call, so tests count only their own calls
        yield client


def invoice(item: str | None = "1000", quantity: str = "2", **line: Any) -> Any:
    return parse_invoice({
        "source_id": "INV-1", "issue_date": "2026-03-02",
        "customer": {"customer_number": "1001", "name": "Kunde 1001 ApS"},
        "lines": [{"item_number": item, "text": "Rådgivning", "quantity": quantity,
                   "unit": "timer", "unit_price": "950", **line}],
    })


# --------------------------------------------------------------------------- items


def test_items_import_in_the_guides_shape(gw: GatewayClient, tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    before = gw.stats.snapshot()
    result = import_items(gw, catalogue, "t1")
    assert gw.stats.since(before) == {"total": 2, "query": 2}  # items and their groups' VAT
    by_item = {i.item: i for i in catalogue.all("t1")}
    assert set(by_item) == {"1000", "1010", "2000", "9000"}
    assert by_item["1000"].as_dict() == {
        "Item": "1000", "Name": "Konsulentydelse", "Group": "YMM", "Unit": "Hours",
        "Decimals": 2, "Blocked": False, "SalesPrice1": "950.0"}
    assert by_item["2000"].decimals == 0 and by_item["2000"].unit == "Pcs"
    assert by_item["9000"].blocked is True
    assert (by_item["1000"].with_vat, by_item["1010"].with_vat) == (True, False)
    assert by_item["1000"].timelog() == {"ProductNo": "1000", "Name": "Konsulentydelse",
                                         "Description": None}
    assert result.added == sorted(by_item) and not result.removed
    assert catalogue.imported_at("t1") is not None and catalogue.all("other") == []

    # Re-import after Uniconta changed: a new item, a vanished one, a changed one.
    gw.insert("InvItem", {"_Item": "3000", "_Name": "Kørsel", "_Group": "YMM", "_Decimals": 1})
    gw.delete("InvItem", {"Item": "2000"})
    gw.patch("InvItem", {"Item": "1010"}, {"_SalesPrice1": 550.0})
    again = import_items(gw, catalogue, "t1")
    assert (again.added, again.removed, again.changed) == (["3000"], ["2000"], ["1010"])
    assert catalogue.get("t1", "2000") is None
    assert catalogue.get("t1", "1010").sales_price1 == Decimal("550.0")  # type: ignore[union-attr]


def test_product_number_principle() -> None:
    base = load_settings(SAMPLE_SETTINGS)  # ProductNumber 1000, ProductNumberExVat 1010
    settings = base.model_copy(update={"products": ProductSettings(
        hours=KindProducts(principle="line", default="1100", default_ex_vat="1110"),
        expenses=KindProducts(principle="default", default="2100"),
    )})
    assert item_for("hours", True, settings) == "1100"
    assert item_for("hours", False, settings) == "1110"
    assert item_for("hours", True, settings, line_item="7") == "7"  # the line's own wins
    assert item_for("expenses", True, settings, line_item="7") == "2100"  # always the default
    assert item_for("expenses", False, settings) == "1010"  # fallback by VAT
    assert item_for("travel", True, settings) == "1000"
    with pytest.raises(MappingError, match="kind: is not a kind of invoice line"):
        item_for("mileage", True, settings)
    # The kind is inferred from the unit while the model has no kind field.
    line = invoice(item=None).lines[0]
    assert line_kind(line) == "hours" and item_of_line(line, settings) == "1100"
    stk = invoice(item=None, unit="stk.").lines[0]
    assert line_kind(stk) == "other" and item_of_line(stk, settings) == "1000"
    with pytest.raises(ValueError, match="needs a default"):
        KindProducts(principle="default")


def test_blocked_or_unknown_item_refused_before_anything_is_sent(
        emulator: EmulatorHandle, gw: GatewayClient, tmp_path: Path) -> None:
    settings = make_settings(emulator, tmp_path)
    catalogue = Catalogue.for_settings(settings)
    import_items(gw, catalogue, settings.tenant)
    check_invoice_items(invoice("1000"), catalogue, settings)  # fine
    with pytest.raises(MappingError, match=r"lines\[0\]\.item_number: names an item that is"
                       " blocked in Uniconta"):
        check_invoice_items(invoice("9000"), catalogue, settings)
    with pytest.raises(MappingError, match=r"lines\[0\]\.item_number: names an item Uniconta"
                       r" does not have \(item catalogue of .* UTC\)") as caught:
        check_invoice_items(invoice("4242"), catalogue, settings)
    assert "4242" not in str(caught.value)
    with pytest.raises(MappingError, match="2 decimals|0 decimals"):
        check_invoice_items(invoice("2000", quantity="1.5"), catalogue, settings)
    # Created in Uniconta after the import: the catalogue says so (re-import to use it).
    gw.insert("InvItem", {"_Item": "4242", "_Name": "Ny", "_Group": "YMM", "_Decimals": 2})

    ledger = Ledger(settings.state_dir / "ledger.sqlite")
    engine = SyncEngine(gw, ledger, settings, SyncLog(tmp_path / "log.jsonl", "t"))
    try:
        for item in ("9000", "4242"):
            before = gw.stats.snapshot()
            with pytest.raises(SyncFailed, match=r"lines\[0\]\.item_number: names an item"):
                engine.post(invoice(item))
            assert gw.stats.since(before) == {}  # not one call: refused locally
    finally:
        ledger.close()
    assert emulator.query("DebtorOrder") == [] and emulator.query("Debtor") == []


def test_import_items_cli_reports_configured_items_uniconta_lacks(
        emulator: EmulatorHandle, gw: GatewayClient, tmp_path: Path) -> None:
    out = tmp_path / "items.json"
    result = runner.invoke(import_app, ["items", "--out", str(out), "--settings",
                                        str(SAMPLE_SETTINGS)], env=cli_env(emulator, tmp_path))
    assert result.exit_code == 0, result.output
    assert {"ProductNo": "9000", "Name": "Udgået ydelse", "Description": None} in json.loads(
        out.read_text())
    gw.patch("InvItem", {"Item": "1010"}, {"Blocked": True})  # ProductNumberExVat
    result = runner.invoke(import_app, ["items", "--settings", str(SAMPLE_SETTINGS)],
                           env=cli_env(emulator, tmp_path))
    assert result.exit_code == 1
    assert "ProductNumberExVat names item 1010, which is blocked" in result.output
    settings = make_settings(emulator, tmp_path)
    assert check_configured_items(Catalogue.for_settings(settings), settings) == [
        "ProductNumberExVat names item 1010, which is blocked in Uniconta"]


# --------------------------------------------------------------------------- expenses


def seed_expenses(gw: GatewayClient) -> None:
    gw.insert("Vouchers", [
        {"_DocumentDate": dt.date(2026, 2, 27), "_Amount": 80.0, "_VatAmount": 20.0,
         "_Text": "Før perioden"},
        {"_DocumentDate": dt.date(2026, 3, 1), "_PostingDate": dt.date(2026, 3, 4),
         "_Amount": 400.0, "_VatAmount": 100.0, "_Qty": 2.0, "_Text": "Taxa"},
        {"_DocumentDate": dt.date(2026, 3, 31), "_Amount": 1000.0, "_VatAmount": 0.0,
         "_Currency": "EUR", "_Text": "Hotel Berlin"},
        {"_DocumentDate": dt.date(2026, 4, 1), "_Amount": 10.0, "_Text": "Efter perioden"},
    ])
    gw.insert("Project", {"_Number": "P1", "_Name": "Projekt", "_DCAccount": None})
    gw.insert("ProjectTrans", [
        {"_Project": "P1", "_Date": dt.date(2026, 3, 10), "_Qty": 1.0, "_CostAmount": 250.0,
         "_PrCategory": "UDLAEG", "_Text": "Materialer"},
        {"_Project": "P1", "_Date": dt.date(2026, 3, 11), "_Qty": 7.5, "_CostAmount": 3000.0,
         "_PrCategory": "SALG", "_Employee": "AH", "_Text": "Timer"},
    ])


def test_expenses_import_for_a_date_range(gw: GatewayClient) -> None:
    seed_expenses(gw)
    expenses = expenses_from_uniconta(gw, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [e["Comment"] for e in expenses] == ["Taxa", "Hotel Berlin"]
    taxi = expenses[0]
    assert {k: v for k, v in taxi.items() if k != "ExternalKey"} == {
        "Created": "2026-03-04", "CurrencyID": "DKK", "Quantity": Decimal("2.0"),
        "ExchangeRate": Decimal(1), "PaymentMethod": None, "PurchaseDate": "2026-03-01",
        "ProjectID": 0, "PurchasedAmount": Decimal("500.0"),
        "PurchasedAmountVat": Decimal("100.0"), "Comment": "Taxa"}
    assert taxi["ExternalKey"].startswith("Vouchers/")
    hotel = expenses[1]
    assert (hotel["CurrencyID"], hotel["ExchangeRate"], hotel["Quantity"]) == ("EUR", None, 1)
    assert hotel["Created"] == "2026-03-31"  # no posting date: the document date
    project = expenses_from_uniconta(gw, dt.date(2026, 3, 1), dt.date(2026, 3, 31),
                                     source="project-trans")
    assert [(e["Comment"], e["PurchasedAmount"], e["PurchasedAmountVat"]) for e in project] == [
        ("Materialer", Decimal("250.0"), Decimal(0))]  # hours (category SALG) left out
    assert expense_from_voucher({"DocumentDate": "2026-03-01T00:00:00", "Amount": 1},
                                "DKK")["PurchasedAmount"] == 1
    with pytest.raises(ImportFailed, match="empty period"):
        expenses_from_uniconta(gw, dt.date(2026, 4, 1), dt.date(2026, 3, 1))


def test_expenses_cli_writes_the_file_atomically_and_refuses_bad_dates(
        emulator: EmulatorHandle, gw: GatewayClient, tmp_path: Path) -> None:
    seed_expenses(gw)
    env, out = cli_env(emulator, tmp_path), tmp_path / "expenses.json"
    ok = runner.invoke(import_app, ["expenses", "--from", "2026-03-01", "--to", "2026-03-31",
                                    "--out", str(out), "--settings", str(SAMPLE_SETTINGS)],
                       env=env)
    assert ok.exit_code == 0, ok.output
    written = json.loads(out.read_text())
    assert [e["PurchasedAmount"] for e in written] == [500.0, 1000.0]
    out.unlink()
    for args, message in ((["--from", "2026-13-01", "--to", "2026-03-31"], "is not a date"),
                          (["--from", "1/3-2026", "--to", "2026-03-31"], "YYYY-MM-DD"),
                          (["--from", "2026-04-01", "--to", "2026-03-31"], "empty period")):
        bad = runner.invoke(import_app, ["expenses", *args, "--out", str(out),
                                         "--settings", str(SAMPLE_SETTINGS)], env=env)
        assert bad.exit_code == 2 and message in bad.output
        assert not out.exists()
    assert list(tmp_path.glob(".expenses.json.*")) == []  # no half-written leftovers


# --------------------------------------------------------------------------- customers


def test_customers_and_contacts_import_in_timelog_shape(gw: GatewayClient) -> None:
    gw.insert("Debtor", [
        {"_Account": "1001", "_Name": "Kunde 1001 ApS", "_Phone": "86 12 34 56",
         "_ContactEmail": "bogholderi@kunde.dk", "_Address1": "Havnegade 4",
         "_Address2": "2. sal", "_ZipCode": "8000", "_City": "Aarhus C",
         "_Country": "Denmark", "_LegalIdent": "12345674", "_Currency": "DKK",
         "_EAN": "5790000123452"},
        {"_Account": "1002", "_Name": "Firma GmbH", "_Country": "Germany", "_Currency": "EUR"},
    ])
    gw.insert("Contact", [
        {"_DCType": 1, "_DCAccount": "1001", "_Name": "Anne Marie Hansen",
         "_Email": "amh@kunde.dk", "_Mobil": "20 30 40 50"},
        {"_DCType": 1, "_DCAccount": "1001", "_Name": "Bo", "_Email": "bo@kunde.dk"},
    ])
    result = customers_from_uniconta(gw)
    assert [c["CustomerNo"] for c in result.customers] == ["1001", "1002"]
    acme = result.customers[0]
    assert acme == {
        "Name": "Kunde 1001 ApS", "CustomerNo": "1001", "Phone": "86 12 34 56",
        "ContactEmail": "bogholderi@kunde.dk",
        "Address": {"Address": "Havnegade 4", "Address2": "2. sal", "Address3": None,
                    "ZipCode": "8000", "City": "Aarhus C", "Country": "DK"},
        "VatNo": "12345674", "Currency": "DKK", "EAN": "5790000123452",
        "Contacts": [
            {"FirstName": "Anne Marie", "LastName": "Hansen", "Phone": "20 30 40 50",
             "Email": "amh@kunde.dk", "ExternalID": "1001"},
            {"FirstName": "Bo", "LastName": "", "Phone": None, "Email": "bo@kunde.dk",
             "ExternalID": "1001"},
        ]}
    assert result.customers[1]["Address"]["Country"] == "DE"
    assert result.customers[1]["Currency"] == "EUR" and result.customers[1]["Contacts"] == []
    # Round trip: our own TimeLog reader takes the file back.
    customer = Customer.model_validate(timelog.customer_data(acme))
    assert (customer.customer_number, customer.address.country_code) == ("1001", "DK")
    only = customers_from_uniconta(gw, ["1002"])
    assert [c["CustomerNo"] for c in only.customers] == ["1002"]
    with pytest.raises(ImportFailed, match="debtor 4711 does not exist"):
        customers_from_uniconta(gw, ["1001", "4711"])


def test_customers_cli_vanished_debtor_writes_nothing(
        emulator: EmulatorHandle, tmp_path: Path) -> None:
    emulator.create_debtor("1001")
    env, out = cli_env(emulator, tmp_path), tmp_path / "customers.json"
    ok = runner.invoke(import_app, ["customers", "--out", str(out), "--settings",
                                    str(SAMPLE_SETTINGS)], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(out.read_text())[0]["CustomerNo"] == "1001"
    gone = runner.invoke(import_app, ["customers", "--account", "4711", "--out",
                                      str(tmp_path / "x.json"),
                                      "--settings", str(SAMPLE_SETTINGS)], env=env)
    assert gone.exit_code == 2 and "debtor 4711 does not exist" in gone.output
    assert not (tmp_path / "x.json").exists()


def test_bad_settings_file_is_a_clear_error(tmp_path: Path) -> None:
    import typer

    app = typer.Typer()
    app.command()(balance_command)
    result = runner.invoke(app, ["--from", "2026-01-01", "--to", "2026-01-31",
                                 "--settings", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2 and "settings file not found" in result.output
