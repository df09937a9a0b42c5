"""Integration tests of the gateway client over REAL HTTP against the local emulator.

The emulator (``sync.emulator``) listens on 127.0.0.1 (fixture ``emulator`` in conftest.py);
nothing here reaches the internet.  Seed data: company 12114 "Demo ApS" (3 dimensions),
items "1000" (25 % VAT, 950.00) and "1010" (no VAT, 500.00), invoice series starting at
20260001.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("sync.emulator.server")

from sync.emulator import fixtures  # noqa: E402
from sync.emulator.testing import EmulatorHandle  # noqa: E402
from sync.uniconta.errors import (  # noqa: E402
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    PostingOutcomeUnknown,
    ThrottledError,
    UnicontaError,
    UnsupportedFeatureError,
)
from sync.uniconta.gateway import CallEvent, GatewayClient, RetryPolicy, between, field, one_of  # noqa: E402

FAST = RetryPolicy(max_attempts=3, base_delay=0.0, jitter=0.0)
POSTING_ROUTE = "POST /Companies/{company_id}/Invoice/DebtorOrders/{order_number}"

MakeClient = Callable[..., GatewayClient]


@pytest.fixture
def make_client(emulator: EmulatorHandle) -> Iterator[MakeClient]:
    clients: list[GatewayClient] = []

    def make(**kwargs: Any) -> GatewayClient:
        options: dict[str, Any] = {"retry": FAST, "timeout": 10.0}
        options.update(kwargs)
        company = options.pop("company", fixtures.COMPANY_NAME)
        password = options.pop("password", emulator.password)
        client = GatewayClient(emulator.base_url, emulator.login, password, company, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def gw(make_client: MakeClient) -> GatewayClient:
    return make_client()


def make_order(gw: GatewayClient, account: str = "1001", **order: Any) -> int:
    """Create (if needed) a debtor and an order with a VAT line and a VAT-free line."""
    if not gw.query("Debtor", Account=account):
        gw.insert("Debtor", {"_Account": account, "_Name": f"Kunde {account}", "_Group": "1"})
    rows = gw.insert("DebtorOrder", {"_DCAccount": account, "_DeleteOrder": True, **order})
    number = int(field(rows[0], "OrderNumber"))
    gw.insert(
        "DebtorOrderLine",
        [
            {"_OrderNumber": number, "_Item": fixtures.ITEM_WITH_VAT, "_Qty": 2.5},
            {"_OrderNumber": number, "_Item": fixtures.ITEM_WITHOUT_VAT, "_Qty": 1},
        ],
    )
    return number


# --------------------------------------------------------------------------- company


def test_resolve_company_by_name(gw: GatewayClient) -> None:
    info = gw.resolve_company()
    assert info.company_id == fixtures.COMPANY_ID
    assert info.name == fixtures.COMPANY_NAME
    assert info.number_of_dimensions == len(fixtures.DIMENSIONS)
    assert info.dimension_names == tuple(name for name, _ in fixtures.DIMENSIONS.values())
    assert gw.has_extensions() is True
    assert gw.stats.by_kind == {"companies": 1}


def test_server_info_and_company_list(gw: GatewayClient) -> None:
    info = gw.server_info()
    assert "DebtorOrder" in info["Types"]
    names = [c.name for c in gw.list_companies()]
    assert names == [fixtures.COMPANY_NAME]  # only the companies granted to this login


def test_company_not_granted(make_client: MakeClient) -> None:
    with pytest.raises(NotFoundError):
        make_client(company=fixtures.OTHER_COMPANY_ID).resolve_company()
    client = make_client(company=fixtures.OTHER_COMPANY_ID, extensions=False)
    with pytest.raises(NotFoundError) as info:
        client.query("Debtor")
    assert str(info.value).startswith("GET Query/Debtor: HTTP 404")


def test_wrong_password(make_client: MakeClient) -> None:
    client = make_client(password="not-the-password")
    with pytest.raises(AuthenticationError) as info:
        client.resolve_company()
    assert info.value.code == "UserOrPasswordIsWrong"
    assert "not-the-password" not in str(info.value)
    assert "not-the-password" not in repr(client)


def test_without_extensions(emulator: EmulatorHandle, make_client: MakeClient) -> None:
    emulator.set_faults(extensions=False)
    by_id = make_client(company=fixtures.COMPANY_ID)
    assert by_id.has_extensions() is False
    assert by_id.company_id == fixtures.COMPANY_ID
    assert field(by_id.query("InvItem", Item="1000")[0], "Name") == "Konsulentydelse"
    with pytest.raises(UnsupportedFeatureError, match="numeric company id"):
        make_client().resolve_company()


# --------------------------------------------------------------------------- CRUD


def test_crud_round_trip_both_spellings(gw: GatewayClient) -> None:
    inserted = gw.insert(
        "Debtor",
        {
            "_Account": "1001",
            "_Name": "Acme ApS",
            "_Group": "1",
            "_Currency": "EUR",
            "_LegalIdent": "12345678",
            "_Dim1": "Team A",
        },
    )
    assert len(inserted) == 1 and inserted[0]["RowId"]
    for rows in (gw.query("Debtor", Account="1001"), gw.query("Debtor", _Account="1001")):
        assert len(rows) == 1
        row = rows[0]
        assert row["_Account"] == row["Account"] == "1001"
        assert row["_Name"] == row["Name"] == "Acme ApS"
        assert row["_Currency"] == 2 and row["Currency"] == "EUR"
        assert field(row, "CompanyRegNo") == field(row, "_LegalIdent") == "12345678"
        assert field(row, "Dimension1") == "Team A"
    with pytest.raises(UnicontaError) as dup:
        gw.insert("Debtor", {"_Account": "1001", "_Name": "Again", "_Group": "1"})
    assert dup.value.code == "KeyExists"
    assert str(dup.value) == "POST Crud/Debtor: Uniconta answered KeyExists"


def test_insert_list_and_filters(gw: GatewayClient) -> None:
    rows = gw.insert(
        "Debtor",
        [{"_Account": str(a), "_Name": f"K{a}", "_Group": "1"} for a in range(2001, 2006)],
    )
    assert [field(r, "Account") for r in rows] == [str(a) for a in range(2001, 2006)]
    assert gw.stats.by_kind["insert"] == 1
    accounts = [field(r, "Account") for r in gw.query("Debtor", Account=between("2002", "2004"))]
    assert sorted(accounts) == ["2002", "2003", "2004"]
    accounts = [field(r, "Account") for r in gw.query("Debtor", Account=one_of("2001", "2005"))]
    assert sorted(accounts) == ["2001", "2005"]
    items = gw.query("InvItem", Item=["1000", "1010"])
    assert {field(r, "Item"): field(r, "Decimals") for r in items} == {"1000": 2, "1010": 2}
    with pytest.raises(BadRequestError, match="Invalid filter"):
        gw.query("Debtor", NoSuchField="x")
    with pytest.raises(ConfigurationError):
        gw.query("DebtorClient")


def test_patch(gw: GatewayClient) -> None:
    gw.insert("Debtor", [{"_Account": a, "_Name": a, "_Group": "1"} for a in ("3001", "3002")])
    updated = gw.patch("Debtor", {"Account": "3001"}, {"_ContactEmail": "ap@acme.dk"})
    assert [field(r, "ContactEmail") for r in updated] == ["ap@acme.dk"]
    row = gw.query("Debtor", Account="3001")[0]
    assert row["ContactEmail"] == row["_ContactEmail"] == "ap@acme.dk"
    ops = [{"op": "replace", "path": "/Name", "value": "Renamed"}]
    with pytest.raises(ConflictError) as info:
        gw.patch("Debtor", {"Account": between("3001", "3002")}, ops)
    assert (info.value.matched, info.value.limit) == (2, 1)
    assert {field(r, "Name") for r in gw.query("Debtor", Account=between("3001", "3002"))} == {
        "3001",
        "3002",
    }
    assert len(gw.patch("Debtor", {"Account": between("3001", "3002")}, ops, limit=2)) == 2


def test_delete_with_limit(gw: GatewayClient) -> None:
    number = make_order(gw)
    with pytest.raises(ConflictError) as info:
        gw.delete("DebtorOrderLine", {"OrderNumber": number})
    assert info.value.matched == 2
    assert len(gw.query("DebtorOrderLine", OrderNumber=number)) == 2
    gw.delete("DebtorOrderLine", {"OrderNumber": number}, limit=2)
    gw.delete("DebtorOrder", {"OrderNumber": number})
    assert gw.query("DebtorOrderLine", OrderNumber=number) == []
    assert gw.query("DebtorOrder", OrderNumber=number) == []


# --------------------------------------------------------------------------- posting


def test_post_simulate_then_real(emulator: EmulatorHandle, gw: GatewayClient) -> None:
    number = make_order(gw, _YourRef="CT-1")
    sim = gw.post_invoice(number, simulate=True)
    assert sim.simulated and sim.invoice_number == 0
    # 2.5 h x 950 = 2375.00 + 25 % VAT 593.75; 1 h x 500 = 500.00 without VAT
    assert (sim.net, sim.vat, sim.total) == (Decimal("2875"), Decimal("593.75"), Decimal("3468.75"))
    assert sum(to_dec(field(t, "Amount")) for t in sim.simulated_trans) == 0
    assert gw.query("DebtorInvoice", OrderNumber=number) == []

    real = gw.post_invoice(number, date=dt.date(2026, 3, 31))
    assert real.invoice_number == fixtures.FIRST_INVOICE_NUMBER
    assert not real.simulated and real.voucher and real.journal_posted_id
    assert real.invoice_date == dt.date(2026, 3, 31)
    assert real.total == Decimal("3468.75")
    stored = gw.query("DebtorInvoice", OrderNumber=number)
    assert [field(r, "InvoiceNumber") for r in stored] == [real.invoice_number]
    assert field(stored[0], "Date").startswith("2026-03-31")

    second = gw.post_invoice(make_order(gw, "1002"))
    assert second.invoice_number == fixtures.FIRST_INVOICE_NUMBER + 1
    by_date = gw.query("DebtorInvoice", Date=between(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert [field(r, "InvoiceNumber") for r in by_date] == [real.invoice_number]
    assert emulator.stats()["routes"][POSTING_ROUTE] == 3


def test_posting_refusals(gw: GatewayClient) -> None:
    with pytest.raises(UnicontaError) as missing:
        gw.post_invoice(999999)
    assert missing.value.code == "CouldNotFind"
    gw.insert("Debtor", {"_Account": "1001", "_Name": "Kunde", "_Group": "1"})
    empty = int(field(gw.insert("DebtorOrder", {"_DCAccount": "1001"})[0], "OrderNumber"))
    with pytest.raises(UnicontaError) as no_lines:
        gw.post_invoice(empty)
    assert no_lines.value.code == "NoLinesToUpdate"


def test_pdf_via_extension(gw: GatewayClient) -> None:
    result, pdf = gw.post_invoice_with_pdf(make_order(gw))
    assert pdf.startswith(b"%PDF-")
    assert result.invoice_number == fixtures.FIRST_INVOICE_NUMBER
    assert gw.invoice_pdf(result.invoice_number) == pdf
    assert gw.stats.by_kind["post_invoice"] == 1 and gw.stats.by_kind["invoice_pdf"] == 2
    with pytest.raises(NotFoundError):
        gw.invoice_pdf(12345)


def test_pdf_via_fallback_without_extensions(
    emulator: EmulatorHandle, make_client: MakeClient
) -> None:
    emulator.set_faults(extensions=False)
    client = make_client(company=fixtures.COMPANY_ID)
    number = make_order(client)
    before = client.stats.snapshot()
    result, pdf = client.post_invoice_with_pdf(number)
    assert pdf.startswith(b"%PDF-")
    assert result.invoice_number == fixtures.FIRST_INVOICE_NUMBER
    assert result.total == Decimal("3468.75") and result.voucher
    assert client.stats.since(before) == {"total": 2, "post_invoice": 1, "query": 1}
    assert emulator.stats()["routes"][POSTING_ROUTE] == 1


def test_simulated_pdf_preview(gw: GatewayClient) -> None:
    number = make_order(gw)
    result, pdf = gw.post_invoice_with_pdf(number, simulate=True)
    assert pdf.startswith(b"%PDF-") and result.simulated
    assert gw.query("DebtorInvoice", OrderNumber=number) == []


# --------------------------------------------------------------------------- faults


def test_dropped_posting_is_outcome_unknown_and_not_retried(
    emulator: EmulatorHandle, gw: GatewayClient
) -> None:
    number = make_order(gw)
    emulator.set_faults(drop_after_commit=1)
    with pytest.raises(PostingOutcomeUnknown) as info:
        gw.post_invoice(number)
    assert info.value.order_number == number
    assert emulator.stats()["routes"][POSTING_ROUTE] == 1
    # The recovery the error message asks for: the invoice did commit.
    found = gw.query("DebtorInvoice", OrderNumber=number)
    assert [field(r, "InvoiceNumber") for r in found] == [fixtures.FIRST_INVOICE_NUMBER]


def test_503_on_posting_is_outcome_unknown_and_not_retried(
    emulator: EmulatorHandle, gw: GatewayClient
) -> None:
    number = make_order(gw)
    emulator.set_faults(fail_before_commit=1)
    with pytest.raises(PostingOutcomeUnknown) as info:
        gw.post_invoice(number)
    assert info.value.status_code == 503
    assert emulator.stats()["routes"][POSTING_ROUTE] == 1
    assert gw.query("DebtorInvoice", OrderNumber=number) == []
    assert gw.post_invoice(number).invoice_number == fixtures.FIRST_INVOICE_NUMBER


def test_slowdown_retried_until_counter_reset(
    emulator: EmulatorHandle, make_client: MakeClient
) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        emulator.reset_counters()  # "midnight": Uniconta's daily counter starts over

    events: list[CallEvent] = []
    client = make_client(sleep=sleep, on_call=events.append)
    client.resolve_company()
    emulator.reset_counters()
    emulator.set_faults(call_limit=2)  # two calls "today", then SlowDown until the reset
    for _ in range(2):
        client.query("InvItem", Item="1010")
    rows = client.query("InvItem", Item="1000")
    assert field(rows[0], "Item") == "1000"
    assert [(e.status, e.error) for e in events if e.kind == "query"] == [
        (200, None),
        (200, None),
        (500, "SlowDown"),
        (200, None),
    ]
    assert len(slept) == 1


def test_persistent_slowdown_raises_throttled(
    emulator: EmulatorHandle, make_client: MakeClient
) -> None:
    slept: list[float] = []
    client = make_client(sleep=slept.append)
    client.resolve_company()
    number = make_order(client)
    emulator.set_faults(call_limit=0)
    with pytest.raises(ThrottledError) as info:
        client.post_invoice(number)
    assert info.value.code == "SlowDown"
    assert emulator.stats()["routes"][POSTING_ROUTE] == FAST.max_attempts
    assert len(slept) == FAST.max_attempts - 1
    emulator.set_faults(call_limit=None)
    assert client.query("DebtorInvoice", OrderNumber=number) == []  # nothing was posted


def test_user_not_logged_in_is_retried(emulator: EmulatorHandle, gw: GatewayClient) -> None:
    gw.resolve_company()
    emulator.set_faults(logged_in_elsewhere=True)
    rows = gw.insert("Debtor", {"_Account": "4001", "_Name": "X", "_Group": "1"})
    assert field(rows[0], "Account") == "4001"
    assert gw.stats.by_kind["insert"] == 2
    assert len(gw.query("Debtor", Account="4001")) == 1


def test_call_counter_matches_emulator(emulator: EmulatorHandle, gw: GatewayClient) -> None:
    emulator.reset_counters()
    number = make_order(gw)
    gw.post_invoice(number, simulate=True)
    gw.post_invoice(number)
    assert gw.stats.total == emulator.stats()["total_requests"]
    assert gw.stats.by_kind == {
        "companies": 1,
        "query": 1,
        "insert": 3,
        "post_invoice": 2,
    }


def to_dec(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
