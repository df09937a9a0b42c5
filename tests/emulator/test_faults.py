"""Call budget, fault switches, extensions switch, admin routes and persistence across restarts."""

from __future__ import annotations

import time
from datetime import date

import httpx
import pytest

from sync.emulator import fixtures
from sync.emulator.server import running_emulator
from sync.emulator.settings import EmulatorSettings, Faults


def _ready_order(emulator) -> int:
    if not emulator.query("Debtor", Account="1001"):
        emulator.create_debtor("1001")
    return emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])


def test_slowdown_after_call_limit_until_reset(emulator):
    emulator.set_faults(call_limit=3)
    emulator.reset_counters()
    codes = [emulator.client.get("/Companies/12114/Query/InvItem").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    for _ in range(2):
        refused = emulator.client.get("/Companies/12114/Query/InvItem")
        assert (refused.status_code, refused.json()) == (500, "SlowDown")
    assert emulator.client.get("/Companies").json() == "SlowDown"
    assert emulator.stats()["calls"] == 6
    emulator.reset_counters()
    assert emulator.client.get("/Companies/12114/Query/InvItem").status_code == 200


def test_call_limit_from_start_settings(emulator_factory):
    emulator = emulator_factory(EmulatorSettings(faults=Faults(call_limit=1)))
    assert emulator.client.get("/Companies").status_code == 200
    assert emulator.client.get("/Companies").json() == "SlowDown"


def test_logged_in_elsewhere_fails_once(emulator):
    emulator.set_faults(logged_in_elsewhere=True)
    first = emulator.client.get("/Companies/12114/Query/Debtor")
    assert (first.status_code, first.json()) == (500, "UserNotLoggedIn")
    assert emulator.client.get("/Companies/12114/Query/Debtor").status_code == 200
    assert emulator.faults()["logged_in_elsewhere"] is False


def test_drop_after_commit_client_gets_error_but_invoice_is_committed(emulator):
    order = _ready_order(emulator)
    emulator.set_faults(drop_after_commit=1)
    with pytest.raises(httpx.TransportError):
        emulator.post_invoice(order)
    [invoice] = emulator.query("DebtorInvoice", OrderNumber=str(order))
    assert invoice["InvoiceNumber"] == fixtures.FIRST_INVOICE_NUMBER
    assert emulator.query("DebtorOrder", OrderNumber=str(order)) == []
    assert len(emulator.query("GLTrans")) == 3
    pdf = emulator.client.get(
        f"/Companies/12114/Invoice/DebtorInvoices/{invoice['InvoiceNumber']}/Pdf"
    )
    assert pdf.status_code == 200
    # the fault is consumed: the next posting answers normally
    second = emulator.post_invoice(_ready_order(emulator))
    assert second.json()["Header"]["InvoiceNumber"] == fixtures.FIRST_INVOICE_NUMBER + 1
    assert emulator.stats()["postings"] == {"committed": 2, "dropped_after_commit": 1}


def test_drop_after_commit_applies_to_next_n_postings_only(emulator):
    emulator.set_faults(drop_after_commit=2)
    simulated = emulator.post_invoice(_ready_order(emulator), simulate="true")
    assert simulated.status_code == 200  # simulations commit nothing and are not dropped
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            emulator.post_invoice(_ready_order(emulator))
    assert emulator.post_invoice(_ready_order(emulator)).status_code == 200
    assert len(emulator.query("DebtorInvoice")) == 3


def test_fail_before_commit_is_503_and_commits_nothing(emulator):
    order = _ready_order(emulator)
    emulator.set_faults(fail_before_commit=1)
    response = emulator.post_invoice(order)
    assert response.status_code == 503
    assert emulator.query("DebtorInvoice") == []
    assert emulator.query("NumberSerie", Serie="FAK")[0]["Next"] == fixtures.FIRST_INVOICE_NUMBER
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == [order]
    retried = emulator.post_invoice(order)
    assert retried.status_code == 200
    assert retried.json()["Header"]["InvoiceNumber"] == fixtures.FIRST_INVOICE_NUMBER
    assert emulator.stats()["postings"] == {"failed_before_commit": 1, "committed": 1}


def test_latency_is_added_to_gateway_calls_only(emulator):
    emulator.set_faults(latency_ms=300)
    started = time.monotonic()
    assert emulator.client.get("/Companies").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    emulator.stats()
    assert time.monotonic() - started < 0.3
    emulator.set_faults(latency_ms=0)
    started = time.monotonic()
    emulator.client.get("/Companies")
    assert time.monotonic() - started < 0.3


def test_extensions_switch_off_at_start(emulator_factory):
    emulator = emulator_factory(
        EmulatorSettings(faults=Faults(extensions=False), today=date(2026, 4, 1))
    )
    companies = emulator.client.get("/Companies")
    assert (companies.status_code, companies.content) == (404, b"")
    emulator.create_debtor("1001")
    order = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1}], _InvoiceDate="2024-02-10"
    )
    body = emulator.post_invoice(order, date="2024-05-31").json()
    # upstream posts with "now": neither date= nor the order's InvoiceDate are honoured
    assert body["Header"]["Date"] == "2026-04-01T00:00:00"
    number = body["Header"]["InvoiceNumber"]
    pdf = emulator.client.get(f"/Companies/12114/Invoice/DebtorInvoices/{number}/Pdf")
    assert (pdf.status_code, pdf.content) == (404, b"")
    # the upstream way to obtain the PDF still works
    order2 = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    upstream = emulator.client.post(
        f"/Companies/12114/Invoice/DebtorOrders/{order2}", headers={"Accept": "application/pdf"}
    )
    assert upstream.content.startswith(b"%PDF-")


def test_extensions_switch_at_runtime(emulator):
    assert emulator.client.get("/Companies").status_code == 200
    emulator.set_faults(extensions=False)
    assert emulator.client.get("/Companies").status_code == 404
    emulator.set_faults(extensions=True)
    assert emulator.client.get("/Companies").status_code == 200


def test_stats_count_requests_per_route(emulator):
    emulator.reset_counters()
    emulator.client.get("/Companies/12114/Query/Debtor")
    emulator.client.get("/Companies/12114/Query/InvItem")
    emulator.client.post("/Companies/12114/Crud/Employee", json={"_Number": "X1"})
    httpx.get(f"{emulator.base_url}/Companies/12114/Query/Debtor")  # 401, still a request
    stats = emulator.stats()
    assert stats["routes"] == {
        "GET /Companies/{company_id}/Query/{type_name}": 3,
        "POST /Companies/{company_id}/Crud/{type_name}": 1,
    }
    assert stats["calls"] == 3  # authenticated calls spend the budget
    assert stats["total_requests"] == 4


def test_admin_rejects_unknown_or_bad_switches(emulator):
    for body in ({"nope": 1}, {"drop_after_commit": -1}, {"extensions": "yes"}, [1]):
        response = httpx.post(f"{emulator.base_url}/_emulator/faults", json=body)
        assert response.status_code == 400
    assert emulator.faults()["drop_after_commit"] == 0


def test_reset_state_restores_seed_and_start_faults(emulator):
    emulator.create_debtor("1001")
    emulator.set_faults(latency_ms=5, call_limit=100)
    emulator.reset_state()
    assert emulator.query("Debtor") == []
    assert emulator.faults()["latency_ms"] == 0
    assert emulator.faults()["call_limit"] is None
    assert len(emulator.query("InvItem")) == 4


def test_state_survives_restart_on_same_file(tmp_path):
    path = tmp_path / "state.sqlite"
    with (
        running_emulator(path) as first,
        httpx.Client(base_url=first.base_url, auth=first.auth) as client,
    ):
        client.post(
            "/Companies/12114/Crud/Debtor", json={"_Account": "1001", "_Name": "Acme"}
        ).raise_for_status()
        order = client.post("/Companies/12114/Crud/DebtorOrder", json={"_DCAccount": "1001"})
        number = order.json()[0]["OrderNumber"]
        client.post(
            "/Companies/12114/Crud/DebtorOrderLine",
            json={"_OrderNumber": number, "_Item": "1000", "_Qty": 2},
        ).raise_for_status()
        invoice = client.post(f"/Companies/12114/Invoice/DebtorOrders/{number}").json()
        invoice_number = invoice["Header"]["InvoiceNumber"]
        client.post(
            "/Companies/12114/Crud/DebtorOrder", json={"_DCAccount": "1001"}
        ).raise_for_status()

    with (
        running_emulator(path) as second,
        httpx.Client(base_url=second.base_url, auth=second.auth) as client,
    ):
        debtors = client.get("/Companies/12114/Query/Debtor").json()
        assert [(d["Account"], d["Name"]) for d in debtors] == [("1001", "Acme")]
        invoices = client.get("/Companies/12114/Query/DebtorInvoice").json()
        assert [i["InvoiceNumber"] for i in invoices] == [invoice_number]
        serie = client.get("/Companies/12114/Query/NumberSerie?filter.Serie=FAK").json()[0]
        assert serie["Next"] == invoice_number + 1
        pdf = client.get(f"/Companies/12114/Invoice/DebtorInvoices/{invoice_number}/Pdf")
        assert pdf.content.startswith(b"%PDF-")
        # counters continue: the kept order was number+1, the next one number+2
        created = client.post("/Companies/12114/Crud/DebtorOrder", json={"_DCAccount": "1001"})
        assert created.json()[0]["OrderNumber"] == number + 2
        # not re-seeded: still exactly the seeded items
        assert len(client.get("/Companies/12114/Query/InvItem").json()) == 4
