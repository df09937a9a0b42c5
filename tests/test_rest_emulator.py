"""The emulator's official-REST contract (`/api/Entities/...`) over real HTTP, raw httpx.

Same state as the gateway contract: what one writes the other reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sync.emulator import fixtures
from sync.emulator.testing import EmulatorHandle

API = "/api/Entities"


@pytest.fixture
def rest(emulator: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=emulator.base_url + API,
        auth=(f"00{emulator.company_id}/{emulator.login}", emulator.password),
        timeout=10,
    ) as client:
        yield client


def _get(emulator: EmulatorHandle, username: str, password: str, path: str = "/InvItemClient"):
    return httpx.get(emulator.base_url + API + path, auth=(username, password), timeout=10)


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    "username",
    [
        f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}",  # documented form (= 7-digit padded)
        f"{fixtures.COMPANY_ID:09d}/{fixtures.LOGIN}",  # any all-digit company part
        fixtures.LOGIN,  # no company: the user's first
    ],
)
def test_auth_forms_open_the_company(emulator: EmulatorHandle, username: str) -> None:
    response = _get(emulator, username, emulator.password)
    assert response.status_code == 200, response.text
    assert {row["CompanyId"] for row in response.json()} == {fixtures.COMPANY_ID}


def test_auth_refusals_have_the_documented_shape(emulator: EmulatorHandle) -> None:
    user = f"00{fixtures.COMPANY_ID}/{fixtures.LOGIN}"
    wrong = _get(emulator, user, "wrong")
    assert (wrong.status_code, wrong.json()) == (403, {"error": "UserOrPasswordIsWrong"})
    unknown = _get(emulator, f"0099999/{fixtures.LOGIN}", emulator.password)
    assert unknown.status_code == 403 and unknown.json()["error"] == "NoRights"
    other = _get(emulator, f"00{fixtures.OTHER_COMPANY_ID}/{fixtures.LOGIN}", emulator.password)
    assert other.status_code == 403 and other.json()["error"] == "NoRights"
    anonymous = httpx.get(emulator.base_url + API + "/DebtorClient", timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "Unauthorized"})
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    bad_company = _get(emulator, f"Demo/{fixtures.LOGIN}", emulator.password)
    assert bad_company.status_code == 401


# --------------------------------------------------------------------------- names & shape


def test_rows_carry_property_names_only_and_no_nulls(rest: httpx.Client) -> None:
    rows = rest.get("/DebtorGroupClient").json()
    assert rows
    for row in rows + rest.get("/InvItemClient").json():
        assert not [k for k in row if k.startswith("_")], row
        assert None not in row.values()
    group = next(r for r in rows if r["Group"] == fixtures.DEFAULT_DEBTOR_GROUP)
    assert group["SalesVat"] == "U25" and "_Vat" not in group


def test_entity_names_need_the_client_suffix(rest: httpx.Client) -> None:
    bare = rest.get("/Debtor")
    assert bare.status_code == 404
    assert bare.json()["error"] == "UnknownEntity" and "DebtorClient" in bare.json()["message"]
    assert rest.get("/NoSuchThingClient").status_code == 404
    assert rest.get("/debtorclient").status_code == 200  # entity names: any case
    assert rest.post("/Insert/Debtor", json={"Account": "1"}).status_code == 404


def test_company_client_lists_the_users_companies(rest: httpx.Client) -> None:
    [company] = rest.get("/CompanyClient").json()
    assert company["PrimaryKeyId"] == fixtures.COMPANY_ID
    assert company["CompanyName"] == fixtures.COMPANY_NAME
    assert company["NumberOfDimensions"] == 3 and "Dim4" not in company
    refused = rest.post("/Insert/CompanyClient", json={"CompanyName": "X"})
    assert refused.status_code == 400 and refused.json() == {"error": "NoRights"}


def test_filters_by_name_and_value(rest: httpx.Client) -> None:
    one = rest.get("/InvItemClient", params={"Name": "Item", "Value": "1000"}).json()
    assert [r["Item"] for r in one] == ["1000"]
    assert rest.get("/Read/InvItemClient", params={"Name": "Item", "Value": "1000"}).json() == one
    ranged = rest.get("/InvItemClient", params={"Name": "Item", "Value": "1000..1999"}).json()
    assert sorted(r["Item"] for r in ranged) == ["1000", "1010"]
    listed = rest.get("/InvItemClient", params={"Name": "Item", "Value": "2000;9000"}).json()
    assert sorted(r["Item"] for r in listed) == ["2000", "9000"]
    both = rest.get(
        "/InvItemClient",
        params=[("Name", "Group"), ("Value", "YMM"), ("Name", "Blocked"), ("Value", "true")],
    ).json()
    assert [r["Item"] for r in both] == [fixtures.ITEM_BLOCKED]
    field = rest.get("/InvItemClient", params={"Name": "_Item", "Value": "1000"})
    assert field.status_code == 400 and field.json()["error"] == "BadRequest"
    unknown = rest.get("/InvItemClient", params={"Name": "Colour", "Value": "red"})
    assert unknown.status_code == 400 and unknown.json()["message"] == "Invalid filter"
    unpaired = rest.get("/InvItemClient", params={"Name": "Item"})
    assert unpaired.status_code == 400


# --------------------------------------------------------------------------- CRUD


def test_insert_update_delete_round_trip_shares_state_with_the_gateway(
    emulator: EmulatorHandle, rest: httpx.Client
) -> None:
    created = rest.post(
        "/Insert/DebtorClient",
        json={"Account": "1001", "Name": "Kunde", "CompanyRegNo": "12345678", "Currency": "EUR"},
    )
    assert created.status_code == 200, created.text
    row = created.json()
    assert row["RowId"] > 0 and row["Group"] == fixtures.DEFAULT_DEBTOR_GROUP  # rules ran
    [via_gateway] = emulator.query("Debtor", Account="1001")
    assert via_gateway["_LegalIdent"] == "12345678" and via_gateway["_Currency"] == 2

    row["Name"] = "Kunde ApS"
    updated = rest.put("/Update/DebtorClient", json=row)
    assert updated.status_code == 200 and updated.json()["Name"] == "Kunde ApS"
    assert updated.json()["Created"] == row["Created"]  # server-maintained, kept
    assert emulator.query("Debtor", Account="1001")[0]["_Name"] == "Kunde ApS"

    deleted = rest.request("DELETE", "/Delete/DebtorClient", json=updated.json())
    assert deleted.status_code == 200
    assert emulator.query("Debtor", Account="1001") == []
    again = rest.request("DELETE", "/Delete/DebtorClient", json=updated.json())
    assert (again.status_code, again.json()) == (400, {"error": "CouldNotFind"})


def test_gateway_writes_are_visible_through_rest(
    emulator: EmulatorHandle, rest: httpx.Client
) -> None:
    emulator.create_debtor("1001")
    number = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 2}])
    [order] = rest.get("/DebtorOrderClient", params={"Name": "OrderNumber", "Value": number}).json()
    assert order["Account"] == "1001" and "_DCAccount" not in order
    lines = rest.get("/DebtorOrderLineClient", params={"Name": "OrderNumber", "Value": number})
    assert [(r["Item"], r["Qty"], r["Text"]) for r in lines.json()] == [
        ("1000", 2.0, "Konsulentydelse")
    ]


def test_insert_list_is_all_or_nothing(rest: httpx.Client) -> None:
    ok = rest.post(
        "/InsertList/EmployeeClient",
        json=[{"Number": "X1", "Name": "Et"}, {"Number": "X2", "Name": "To"}],
    )
    assert ok.status_code == 200 and [r["Number"] for r in ok.json()] == ["X1", "X2"]
    clash = rest.post(
        "/InsertList/EmployeeClient", json=[{"Number": "X3"}, {"Number": "X1"}]
    )
    assert (clash.status_code, clash.json()) == (400, {"error": "KeyExists"})
    assert rest.get("/EmployeeClient", params={"Name": "Number", "Value": "X3"}).json() == []


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("/Insert/DebtorClient", {"Account": "1001", "Name": "Dup"}, "KeyExists"),
        ("/Insert/DebtorClient", {"Account": "", "Name": "No key"}, "KeyIsEmpty"),
        ("/Insert/DebtorClient", {"Account": "12A", "Name": "Letters"}, "FieldHasinvalidValue"),
        ("/Insert/DebtorClient", {"Account": "7", "Group": "nope"}, "FieldHasinvalidValue"),
        ("/Insert/DebtorInvoiceClient", {"InvoiceNumber": 1}, "NoRightsToInsert"),
        ("/Insert/DebtorOrderLineClient", {"OrderNumber": 999, "Item": "1000"}, "CouldNotFind"),
    ],
)
def test_uniconta_refusals_name_the_error_code(
    emulator: EmulatorHandle, rest: httpx.Client, path: str, body: dict[str, Any], expected: str
) -> None:
    emulator.create_debtor("1001")
    response = rest.post(path, json=body)
    assert (response.status_code, response.json()) == (400, {"error": expected})


def test_malformed_input_is_a_bad_request(rest: httpx.Client) -> None:
    field = rest.post("/Insert/DebtorClient", json={"_Account": "1001", "Name": "x"})
    assert field.status_code == 400
    assert "property 'Account'" in field.json()["message"]
    array = rest.post("/Insert/DebtorClient", json=[{"Account": "1001"}])
    assert array.status_code == 400 and "InsertList" in array.json()["message"]
    value = rest.post("/Insert/InvItemClient", json={"Item": "5", "Decimals": "many"})
    assert value.status_code == 400 and value.json()["error"] == "BadRequest"
    no_row = rest.put("/Update/DebtorClient", json={"Account": "1001"})
    assert no_row.status_code == 400 and "RowId" in no_row.json()["message"]


def test_update_replaces_the_whole_object(rest: httpx.Client) -> None:
    row = rest.post(
        "/Insert/DebtorClient", json={"Account": "1001", "Name": "N", "City": "Aarhus"}
    ).json()
    updated = rest.put(
        "/Update/DebtorClient", json={"RowId": row["RowId"], "Account": "1001", "Name": "M"}
    ).json()
    assert updated["Name"] == "M" and "City" not in updated  # omitted member: reset


def test_there_is_no_posting_on_this_contract(emulator: EmulatorHandle, rest: httpx.Client) -> None:
    emulator.create_debtor("1001")
    number = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    assert rest.post(f"/Invoice/DebtorOrders/{number}").status_code in (404, 405)
    assert rest.post(f"/Post/DebtorOrderClient/{number}").status_code in (404, 405)
    assert emulator.stats()["postings"] == {}


def test_throttling_answers_503_with_the_code(emulator: EmulatorHandle, rest: httpx.Client) -> None:
    emulator.set_faults(logged_in_elsewhere=True)
    first = rest.get("/InvItemClient")
    assert (first.status_code, first.json()) == (503, {"error": "UserNotLoggedIn"})
    assert rest.get("/InvItemClient").status_code == 200
