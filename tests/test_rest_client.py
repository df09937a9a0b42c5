"""`sync.uniconta.rest.RestClient` against the emulator's official-REST contract over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faktura.model import Customer, parse_invoice
from faktura.settings import Settings
from infra.settings_files import load_settings
from issuing.bootstrap import open_engine, open_gateway
from sync.emulator import fixtures
from sync.emulator.entities import ENTITIES
from sync.emulator.testing import EmulatorHandle
from sync.posting.ledger import Ledger
from sync.posting.masterdata import MasterData
from sync.uniconta.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    UnicontaError,
    UnsupportedFeatureError,
)
from sync.uniconta.gateway import CallEvent, GatewayClient, RetryPolicy
from sync.uniconta.rest import REST_CANNOT_POST, RestClient, property_name
from sync.uniconta.wire import between, field, one_of

FAST = RetryPolicy(max_attempts=3, base_delay=0.0, multiplier=1.0, max_delay=0.0, jitter=0.0)
SAMPLE_SETTINGS = Path(__file__).resolve().parents[1] / "samples" / "settings.toml"


@pytest.fixture
def events() -> list[CallEvent]:
    return []


@pytest.fixture
def rest(emulator: EmulatorHandle, events: list[CallEvent]) -> Iterator[RestClient]:
    with RestClient(
        emulator.base_url,
        emulator.login,
        emulator.password,
        emulator.company_id,
        retry=FAST,
        on_call=events.append,
    ) as client:
        yield client


@pytest.fixture
def gateway(emulator: EmulatorHandle) -> Iterator[GatewayClient]:
    with GatewayClient(
        emulator.base_url, emulator.login, emulator.password, emulator.company_id, retry=FAST
    ) as client:
        yield client


def _settings(emulator: EmulatorHandle, tmp: Path, **uniconta: Any) -> Settings:
    base = load_settings(SAMPLE_SETTINGS)
    return base.model_copy(
        update={
            "state_dir": tmp / "state",
            "archive_dir": tmp / "archive",
            "uniconta": base.uniconta.model_copy(
                update={"gateway_url": emulator.base_url, **uniconta}
            ),
        }
    )


def _customer(number: str = "1001", **fields: Any) -> dict[str, Any]:
    return {
        "source_id": f"C-{number}",
        "customer_number": number,
        "name": f"Kunde {number} ApS",
        "address": {
            "line1": "Havnegade 4",
            "post_code": "8000",
            "city": "Aarhus C",
            "country_code": "DK",
        },
        "email": f"bogholderi@kunde{number}.dk",
        **fields,
    }


# --------------------------------------------------------------------------- names


def test_field_names_map_to_the_emulators_properties_for_every_entity() -> None:
    """The client's small table agrees with the emulator's entity specs (without importing them
    in the client)."""
    for entity in ENTITIES:
        for spec in entity.fields:
            if spec.field:
                assert property_name(entity.name, spec.field) == spec.prop, (entity.name, spec)
            assert property_name(entity.name, spec.prop) == spec.prop


# --------------------------------------------------------------------------- auth & company


def test_resolves_the_company_by_id_and_by_name(
    emulator: EmulatorHandle, rest: RestClient, events: list[CallEvent]
) -> None:
    info = rest.resolve_company()
    assert (info.company_id, info.name, info.currency) == (12114, "Demo ApS", "DKK")
    assert info.dimension_names == ("Hold", "Afdeling", "Division")
    assert rest.company_id == 12114 and len(events) == 1  # cached
    assert rest.has_extensions() is False and len(events) == 1
    with RestClient(emulator.base_url, emulator.login, emulator.password, "demo aps") as named:
        assert named.company_id == fixtures.COMPANY_ID
        assert [r["Item"] for r in named.query("InvItem", Item="1000")] == ["1000"]
    with (
        RestClient(emulator.base_url, emulator.login, emulator.password, "Nope ApS") as nope,
        pytest.raises(NotFoundError, match="no company named 'Nope ApS'"),
    ):
        nope.resolve_company()


def test_wrong_password_and_unknown_company_are_authentication_errors(
    emulator: EmulatorHandle,
) -> None:
    secret = "not-the-password-4711"
    with RestClient(emulator.base_url, emulator.login, secret, emulator.company_id) as client:
        with pytest.raises(AuthenticationError) as refused:
            client.query("Debtor")
        assert refused.value.code == "UserOrPasswordIsWrong"
        assert refused.value.status_code == 403
        assert secret not in str(refused.value) and secret not in repr(client)
    with RestClient(emulator.base_url, emulator.login, emulator.password, 99999) as client:
        with pytest.raises(AuthenticationError) as unknown:
            client.resolve_company()
        assert unknown.value.code == "NoRights" and "99999" in str(unknown.value)
    other = fixtures.OTHER_COMPANY_ID
    with (
        RestClient(emulator.base_url, emulator.login, emulator.password, other) as client,
        pytest.raises(AuthenticationError),
    ):
        client.query("Debtor")


def test_secrets_stay_out_of_reprs_and_pickles(emulator: EmulatorHandle) -> None:
    client = RestClient(emulator.base_url, "faktura", "hemmelig-kode", 12114)
    assert "hemmelig" not in repr(client) and "hemmelig" not in str(client)
    with pytest.raises(TypeError):
        client.__getstate__()
    with pytest.raises(ConfigurationError):
        RestClient("http://user:pw@example.com", "faktura", "x", 1)
    client.close()


# --------------------------------------------------------------------------- CRUD


def test_crud_round_trip_is_visible_through_the_gateway_contract(
    rest: RestClient, gateway: GatewayClient
) -> None:
    [created] = rest.insert(
        "Debtor",
        {
            "_Account": "1001",
            "_Name": "Kunde ApS",
            "_LegalIdent": "12345678",
            "_Currency": 2,
            "_Dim1": "Team A",
            "_Country": "Denmark",
        },
    )
    assert not [k for k in created if k.startswith("_")] and None not in created.values()
    assert (created["CompanyRegNo"], created["Currency"], created["Dimension1"]) == (
        "12345678",
        "EUR",
        "Team A",
    )
    [seen] = gateway.query("Debtor", Account="1001")
    assert (seen["_LegalIdent"], seen["_Currency"], seen["_Dim1"]) == ("12345678", 2, "Team A")

    [patched] = rest.patch("Debtor", {"Account": "1001"}, {"_Name": "Nyt Navn", "_City": "Vejle"})
    assert patched["Name"] == "Nyt Navn" and patched["CompanyRegNo"] == "12345678"
    assert field(gateway.query("Debtor", Account="1001")[0], "City") == "Vejle"
    rest.patch("Debtor", {"Account": "1001"}, [{"op": "remove", "path": "/_City"}])
    assert field(gateway.query("Debtor", Account="1001")[0], "City") is None

    rest.delete("Debtor", {"Account": "1001"})
    assert gateway.query("Debtor", Account="1001") == []
    rest.delete("Debtor", {"Account": "1001"})  # nothing matches: nothing to do


def test_gateway_writes_are_visible_through_the_rest_client(
    rest: RestClient, gateway: GatewayClient
) -> None:
    gateway.insert("Debtor", {"_Account": "1001", "_Name": "Kunde"})
    [order] = gateway.insert("DebtorOrder", {"_DCAccount": "1001", "_DeleteOrder": True})
    number = int(order["OrderNumber"])
    gateway.insert("DebtorOrderLine", [{"_OrderNumber": number, "_Item": "1000", "_Qty": 2}])
    [seen] = rest.query("DebtorOrder", _DCAccount="1001")
    assert seen["OrderNumber"] == number and seen["DeleteOrder"] is True
    lines = rest.query("DebtorOrderLineClient", OrderNumber=number)
    assert [(r["Item"], r["Qty"]) for r in lines] == [("1000", 2.0)]
    rest.delete("DebtorOrderLine", {"OrderNumber": number}, limit=10)
    rest.delete("DebtorOrder", {"OrderNumber": number})
    assert gateway.query("DebtorOrder", Account="1001") == []


def test_drafts_shaped_writes_go_through(rest: RestClient, gateway: GatewayClient) -> None:
    """What the engine writes for a draft: contact, order (currency byte, date), lines."""
    rest.insert("Debtor", {"_Account": "1001", "_Name": "Kunde"})
    [contact] = rest.insert(
        "Contact", {"_DCType": 1, "_DCAccount": "1001", "_Name": "Ida", "_Mobil": "12345678"}
    )
    [order] = rest.insert(
        "DebtorOrder",
        {
            "_DCAccount": "1001",
            "_ContactRef": contact["RowId"],
            "_Currency": 9,
            "_InvoiceDate": dt.date(2026, 11, 2),
            "_DeleteOrder": True,
            "_Dim2": "Revision",
        },
    )
    number = order["OrderNumber"]
    rest.insert(
        "DebtorOrderLine",
        [
            {"_OrderNumber": number, "_Text": "Overskrift"},
            {"_OrderNumber": number, "_Item": "1000", "_Qty": Decimal("1.25"), "_Unit": "Hours",
             "_Price": Decimal("950.00"), "Employee": "AH"},
        ],
    )
    [seen] = gateway.query("DebtorOrder", OrderNumber=number)
    assert (seen["_Currency"], seen["_InvoiceDate"], seen["_Dim2"]) == (
        9,
        "2026-11-02T00:00:00",
        "Revision",
    )
    assert seen["_ContactRef"] == contact["RowId"]
    lines = gateway.query("DebtorOrderLine", OrderNumber=number)
    assert [(r["Text"], r["Qty"], r["Employee"]) for r in lines] == [
        ("Overskrift", 0.0, None),
        ("Konsulentydelse", 1.25, "AH"),
    ]


def test_filters(rest: RestClient) -> None:
    def items(**filters: Any) -> list[str]:
        return sorted(r["Item"] for r in rest.query("InvItem", **filters))

    assert items(Item="1000") == ["1000"]
    assert items(Item=between("1000", "1999")) == ["1000", "1010"]
    assert items(Item=one_of("2000", "9000")) == ["2000", "9000"]
    assert items(_Group="YMM", Blocked=True) == ["9000"]
    assert items() == ["1000", "1010", "2000", "9000"]
    many = [str(n) for n in range(1, 60)] + ["1000"]  # > 40 values: split, merged by RowId
    assert items(Item=many) == ["1000"]
    with pytest.raises(BadRequestError, match="Invalid filter"):
        rest.query("InvItem", Colour="red")


# --------------------------------------------------------------------------- errors


def test_uniconta_refusals_are_typed_errors(rest: RestClient) -> None:
    rest.insert("Debtor", {"_Account": "1001", "_Name": "Kunde"})
    with pytest.raises(UnicontaError) as dup:
        rest.insert("Debtor", {"_Account": "1001", "_Name": "Igen"})
    assert dup.value.code == "KeyExists" and dup.value.operation == "POST Insert/DebtorClient"
    with pytest.raises(UnicontaError) as bad:
        rest.patch("Debtor", {"Account": "1001"}, {"_Group": "nope"})
    assert bad.value.code == "FieldHasinvalidValue"
    with pytest.raises(UnicontaError) as key:
        rest.insert("Employee", [{"_Name": "Uden nummer"}])
    assert key.value.code == "KeyIsEmpty"
    with pytest.raises(NotFoundError):
        rest.query("NoSuchType")
    with pytest.raises(ConfigurationError):
        rest.patch("Debtor", {"Account": "1001"}, [{"op": "move", "from": "/a", "path": "/b"}])


def test_patch_and_delete_refuse_more_matches_than_the_limit(
    rest: RestClient, gateway: GatewayClient
) -> None:
    rest.insert("Employee", [{"_Number": "X1", "_Group": "G"}, {"_Number": "X2", "_Group": "G"}])
    with pytest.raises(ConflictError) as conflict:
        rest.patch("Employee", {"Group": "G"}, {"_Name": "Samme"})
    assert (conflict.value.matched, conflict.value.limit) == (2, 1)
    with pytest.raises(ConflictError):
        rest.delete("Employee", {"Group": "G"})
    assert [field(r, "Name") for r in gateway.query("Employee", Group="G")] == [None, None]
    assert len(rest.patch("Employee", {"Group": "G"}, {"_Name": "Samme"}, limit=2)) == 2
    rest.delete("Employee", {"Group": "G"}, limit=2)
    assert gateway.query("Employee", Group="G") == []


def test_throttling_is_retried_then_typed(
    emulator: EmulatorHandle, rest: RestClient, events: list[CallEvent]
) -> None:
    rest.resolve_company()
    emulator.set_faults(logged_in_elsewhere=True)
    assert rest.insert("Employee", {"_Number": "X1"})[0]["Number"] == "X1"  # POST retried too
    assert [(e.kind, e.status, e.will_retry) for e in events[1:]] == [
        ("insert", 503, True),
        ("insert", 200, False),
    ]
    before = rest.stats.snapshot()
    emulator.set_faults(call_limit=0)
    with pytest.raises(ThrottledError) as throttled:
        rest.query("Employee")
    assert throttled.value.code == "SlowDown"
    assert rest.stats.since(before) == {"total": 3, "query": 3}


# --------------------------------------------------------------------------- posting


def test_posting_and_pdf_are_unsupported_and_send_nothing(
    emulator: EmulatorHandle, rest: RestClient
) -> None:
    emulator.create_debtor("1001")
    number = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    rest.resolve_company()
    before, client_before = emulator.stats(), rest.stats.snapshot()
    calls = [
        lambda: rest.post_invoice(number),
        lambda: rest.post_invoice(number, simulate=True, date=dt.date(2026, 11, 2)),
        lambda: rest.post_invoice_with_pdf(number),
        lambda: rest.invoice_pdf(20260001),
    ]
    for call in calls:
        with pytest.raises(UnsupportedFeatureError) as refused:
            call()
        assert REST_CANNOT_POST in str(refused.value)
        assert "uniconta.post_as_drafts = true" in str(refused.value)
    after = emulator.stats()
    assert (after["calls"], after["total_requests"]) == (before["calls"], before["total_requests"])
    assert after["postings"] == {} and rest.stats.since(client_before) == {}
    assert emulator.query("DebtorOrder", OrderNumber=str(number))  # order untouched


# --------------------------------------------------------------------------- sync core


def test_master_data_sync_upserts_the_debtor(
    emulator: EmulatorHandle, rest: RestClient, gateway: GatewayClient, tmp_path: Path
) -> None:
    settings = _settings(emulator, tmp_path, transport="rest")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        master = MasterData(rest, ledger, settings)  # type: ignore[arg-type]
        customer = Customer.model_validate(_customer(vat_number="DK12345674"))
        assert master.debtor(customer) == "1001"
        [debtor] = gateway.query("Debtor", Account="1001")
        assert (debtor["_Name"], debtor["_LegalIdent"], debtor["_City"]) == (
            "Kunde 1001 ApS",
            "12345674",
            "Aarhus C",
        )
        assert master.debtor(customer) == "1001"  # unchanged: no call at all
        before = rest.stats.snapshot()
        moved = customer.model_copy(update={"name": "Kunde 1001 A/S"})
        assert master.debtor(moved) == "1001"
        # one query to compare, then the patch: a query and one PUT of the whole row
        assert rest.stats.since(before) == {"total": 3, "query": 2, "update": 1}
        assert gateway.query("Debtor", Account="1001")[0]["_Name"] == "Kunde 1001 A/S"
        assert len(gateway.query("Debtor")) == 1
    finally:
        ledger.close()


def test_factory_picks_the_rest_transport_and_drafts_work_end_to_end(
    emulator: EmulatorHandle, gateway: GatewayClient, tmp_path: Path
) -> None:
    settings = _settings(emulator, tmp_path, transport="rest", post_as_drafts=True)
    with open_gateway(settings) as client:
        assert isinstance(client, RestClient) and client.company_id == fixtures.COMPANY_ID
    with open_gateway(_settings(emulator, tmp_path)) as client:
        assert isinstance(client, GatewayClient)
    invoice = parse_invoice(
        {
            "source_id": "F-1",
            "issue_date": "2026-11-02",
            "customer": _customer(),
            "lines": [
                {"item_number": "1000", "text": "Rådgivning", "quantity": "1.5",
                 "unit": "timer", "unit_price": "950.00"},
            ],
        }
    )
    with open_engine(settings) as engine:
        assert isinstance(engine.client, RestClient)
        number = engine.transfer_draft(invoice)
        assert engine.transfer_draft(invoice) == number  # exactly once
    [order] = gateway.query("DebtorOrder", OrderNumber=number)
    assert order["_DCAccount"] == "1001" and order["_Remark"].endswith("Ref: F-1")
    lines = gateway.query("DebtorOrderLine", OrderNumber=number)
    assert [(r["_Item"], r["_Qty"], r["_Unit"]) for r in lines] == [("1000", 1.5, "Hours")]
    assert emulator.stats()["postings"] == {}
