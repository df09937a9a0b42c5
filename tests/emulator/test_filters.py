"""Filter grammar (§2.4, §6(b) 4): every form, both spellings, AND, errors."""

from __future__ import annotations

import httpx
import pytest

from sync.emulator.server import running_emulator
from sync.emulator.testing import EmulatorHandle


@pytest.fixture(scope="module")
def debtors(tmp_path_factory):
    """One emulator for the read-only tests of this module, holding five debtors."""
    path = tmp_path_factory.mktemp("filters") / "state.sqlite"
    with (
        running_emulator(path) as running,
        httpx.Client(base_url=running.base_url, auth=running.auth) as client,
    ):
        emulator = EmulatorHandle(running, client)
        _seed_debtors(emulator)
        yield emulator


def _seed_debtors(emulator):
    rows = [
        ("1001", "Aarhus", "DKK", "Team A"),
        ("1002", "Odense", "EUR", "Team B"),
        ("1003", "Aalborg", "DKK", "Team A"),
        ("1004", "Esbjerg", "SEK", None),
        ("2001", "Vejle", "DKK", "Team B"),
    ]
    for account, city, currency, dim in rows:
        payload = {"City": city, "Currency": currency}
        if dim:
            payload["_Dim1"] = dim
        emulator.create_debtor(account, **payload)


def _accounts(emulator, query: str) -> list[str]:
    response = emulator.client.get(f"/Companies/12114/Query/Debtor?{query}")
    assert response.status_code == 200, response.text
    return [r["Account"] for r in response.json()]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["1001", "1002", "1003", "1004", "2001"]),
        ("filter.Account=1003", ["1003"]),
        ("filter._Account=1003", ["1003"]),
        ("filter.account=1003", ["1003"]),
        ("filter[Account]=1003", ["1003"]),
        ("filter[_ACCOUNT]=1003", ["1003"]),
        ("filter.Account=1002..1004", ["1002", "1003", "1004"]),
        ("filter.Account=1004..", ["1004", "2001"]),
        ("filter.Account=..1002", ["1001", "1002"]),
        ("filter.Account=1001;2001", ["1001", "2001"]),
        ("filter.Account=1001 OR 1004 OR 2001", ["1001", "1004", "2001"]),
        ("filter.Account=..1001;2001..", ["1001", "2001"]),
        ("filter.City=aarhus", ["1001"]),
        ("filter.Currency=DKK", ["1001", "1003", "2001"]),
        ("filter._Currency=2", ["1002"]),
        ("filter.Dimension1=Team A", ["1001", "1003"]),
        ("filter._Dim1=Team B", ["1002", "2001"]),
        ("filter.Currency=DKK&filter.Dimension1=Team B", ["2001"]),
        ("filter.Blocked=false&filter.Account=100..1002", ["1001", "1002"]),
        ("filter.Account=9999", []),
    ],
)
def test_filter_forms(debtors, query, expected):
    assert _accounts(debtors, query) == expected


def test_rowid_filter(debtors):
    row_id = debtors.query("Debtor", Account="1002")[0]["RowId"]
    assert _accounts(debtors, f"filter.RowId={row_id}") == ["1002"]


def test_numeric_ranges_compare_as_numbers(emulator):
    emulator.create_debtor("1001")
    numbers = [emulator.create_order("1001") for _ in range(3)]
    response = emulator.client.get(
        f"/Companies/12114/Query/DebtorOrder?filter.OrderNumber={numbers[1]}.."
    )
    assert [o["OrderNumber"] for o in response.json()] == numbers[1:]


def test_number_filters_find_exactly_the_rows_they_name(emulator):
    """Alternatives, open ranges and a row id of another entity, on indexed numbers."""
    emulator.create_debtor("1001")
    numbers = [emulator.create_order("1001") for _ in range(4)]

    def orders(name: str, value: object) -> list[int]:
        response = emulator.client.get("/Companies/12114/Query/DebtorOrder",
                                       params={f"filter.{name}": str(value)})
        assert response.status_code == 200, response.text
        return [o["OrderNumber"] for o in response.json()]

    assert orders("OrderNumber", f"{numbers[0]} OR {numbers[2]}") == [numbers[0], numbers[2]]
    assert orders("OrderNumber", f"..{numbers[1]};{numbers[3]}") == [
        numbers[0], numbers[1], numbers[3]]
    assert orders("OrderNumber", f"{numbers[3] + 1}..") == []
    debtor_row = emulator.query("Debtor", Account="1001")[0]["RowId"]
    assert orders("RowId", debtor_row) == []


def test_date_filters_use_danish_format(emulator):
    emulator.create_debtor("1001")
    for day in ("2024-05-01", "2024-05-31", "2024-06-15"):
        emulator.insert("DebtorOrder", {"_DCAccount": "1001", "_InvoiceDate": day, "YourRef": day})

    def refs(value: str) -> list[str]:
        response = emulator.client.get(
            "/Companies/12114/Query/DebtorOrder", params={"filter.InvoiceDate": value}
        )
        assert response.status_code == 200, response.text
        return [o["YourRef"] for o in response.json()]

    assert refs("31/5-2024") == ["2024-05-31"]
    assert refs("1/5-2024..31/5-2024") == ["2024-05-01", "2024-05-31"]
    assert refs("1/6-2024..") == ["2024-06-15"]
    assert refs("..1/5-2024") == ["2024-05-01"]
    assert refs("1/5-2024;15/6-2024") == ["2024-05-01", "2024-06-15"]


def test_created_filter_matches_today(emulator):
    from datetime import date

    emulator.create_debtor("1001")
    today = date.today()
    value = f"{today.day}/{today.month}-{today.year}"
    assert [r["Account"] for r in emulator.query("Debtor", Created=value)] == ["1001"]
    assert emulator.query("Debtor", Created="1/1-2018..1/1-2019") == []


@pytest.mark.parametrize(
    "query",
    [
        "filter.NoSuchField=1",
        "filter._NoSuchField=1",
        "filter.Created=yesterday",
        "filter.Blocked=maybe",
        "filter.Account=..",
    ],
)
def test_invalid_filters_are_400_text(debtors, query):
    response = debtors.client.get(f"/Companies/12114/Query/Debtor?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Invalid filter"


def test_invalid_filter_on_patch_and_delete(debtors):
    for method in ("PATCH", "DELETE"):
        response = debtors.client.request(
            method,
            "/Companies/12114/Crud/Debtor?filter.Nope=1&limit=5",
            json=[{"op": "replace", "path": "/Name", "value": "x"}] if method == "PATCH" else None,
        )
        assert (response.status_code, response.text) == (400, "Invalid filter")
