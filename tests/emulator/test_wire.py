"""JSON shape in and out (§2.5, §6(b) 5) and the example exchanges of §6(b)."""

from __future__ import annotations


def _debtor(emulator, account="1001"):
    return emulator.insert(
        "Debtor",
        {
            "_Account": account,
            "_Name": "Acme ApS",
            "_Group": "1",
            "_Country": "Denmark",
            "_LegalIdent": "12345678",
            "_Payment": "Netto8",
            "_VatZone": "Domestic",
            "_Dim1": "Team A",
        },
    )[0]


def test_query_debtor_example_shape(emulator):
    created = _debtor(emulator)
    response = emulator.client.get("/Companies/12114/Query/Debtor?filter.Account=1001")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    [row] = response.json()
    assert row == created
    assert isinstance(row["RowId"], int) and row["RowId"] > 0
    expected = {
        "CompanyId": 12114,
        "KeyStr": "1001",
        "KeyName": "Acme ApS",
        "_Account": "1001",
        "Account": "1001",
        "_Name": "Acme ApS",
        "Name": "Acme ApS",
        "_Group": "1",
        "Group": "1",
        "_Currency": 9,
        "Currency": "DKK",
        "_Country": "Denmark",
        "Country": "Denmark",
        "_LegalIdent": "12345678",
        "CompanyRegNo": "12345678",
        "_Payment": "Netto8",
        "Payment": "Netto8",
        "_VatZone": "Domestic",
        "VatZone": "Domestic",
        "_Dim1": "Team A",
        "Dimension1": "Team A",
        "Blocked": False,
    }
    assert {k: row[k] for k in expected} == expected
    assert len(row["_Created"]) == 19 and row["_Created"][10] == "T"
    assert row["Created"] == row["_Created"]


def test_input_names_are_case_insensitive_field_or_property(emulator):
    row = emulator.insert(
        "Debtor", {"ACCOUNT": "1002", "name": "Beta", "_city": "Aarhus", "CompanyRegNo": "87654321"}
    )[0]
    assert (row["Account"], row["Name"], row["City"], row["_LegalIdent"]) == (
        "1002",
        "Beta",
        "Aarhus",
        "87654321",
    )


def test_unset_dates_and_enum_defaults(emulator):
    emulator.create_debtor("1001")
    order = emulator.insert("DebtorOrder", {"_DCAccount": "1001"})[0]
    assert order["_InvoiceDate"] == "0001-01-01T00:00:00"
    assert order["InvoiceDate"] == "0001-01-01T00:00:00"
    assert order["_DeliveryCountry"] == "Unknown"
    dated = emulator.insert("DebtorOrder", {"_DCAccount": "1001", "InvoiceDate": "2024-05-31"})[0]
    assert dated["_InvoiceDate"] == "2024-05-31T00:00:00"


def test_currency_accepts_byte_or_code_and_emits_both(emulator):
    by_byte = emulator.create_debtor("1001", _Currency=2)
    by_code = emulator.create_debtor("1002", Currency="SEK")
    assert (by_byte["_Currency"], by_byte["Currency"]) == (2, "EUR")
    assert (by_code["_Currency"], by_code["Currency"]) == (10, "SEK")


def test_enum_accepts_number_and_name(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001")
    lines = emulator.insert(
        "DebtorOrderLine",
        [
            {"_OrderNumber": order, "_Text": "a", "_Unit": 4},
            {"_OrderNumber": order, "_Text": "b", "_Unit": "pcs"},
        ],
    )
    assert [line["_Unit"] for line in lines] == ["Hours", "Pcs"]


def test_malformed_values_are_400_text(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001")
    cases = [
        ("DebtorOrderLine", {"_OrderNumber": order, "_Item": "1000", "_Qty": "abc"}, "_Qty"),
        ("DebtorOrderLine", {"_OrderNumber": order, "_Unit": "Parsecs"}, "_Unit"),
        ("DebtorOrder", {"_DCAccount": "1001", "_InvoiceDate": "31-05-2024"}, "_InvoiceDate"),
        ("Debtor", {"_Account": "1009", "_Currency": "XYZ"}, "_Currency"),
    ]
    for type_name, payload, path in cases:
        response = emulator.client.post(f"/Companies/12114/Crud/{type_name}", json=payload)
        assert response.status_code == 400, payload
        assert response.headers["content-type"].startswith("text/plain")
        assert f"Path '{path}'" in response.text
    assert emulator.query("DebtorOrderLine") == []


def test_post_requires_object_or_array(emulator):
    for body in (b"42", b'"x"', b"[1, 2]", b""):
        response = emulator.client.post(
            "/Companies/12114/Crud/Debtor",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert (response.status_code, response.text) == (400, "Object or array is expected")


def test_post_object_or_array_always_returns_array(emulator):
    single = emulator.client.post(
        "/Companies/12114/Crud/Employee", json={"_Number": "JD", "_Name": "Jane Doe"}
    )
    assert single.status_code == 200
    assert [e["Number"] for e in single.json()] == ["JD"]
    many = emulator.insert(
        "Employee", [{"_Number": "E1", "_Name": "One"}, {"_Number": "E2", "_Name": "Two"}]
    )
    assert [(e["_Number"], e["KeyStr"], e["KeyName"]) for e in many] == [
        ("E1", "E1", "One"),
        ("E2", "E2", "Two"),
    ]


def test_array_insert_is_all_or_nothing(emulator):
    response = emulator.client.post(
        "/Companies/12114/Crud/Employee",
        json=[{"_Number": "E1", "_Name": "One"}, {"_Number": "AH", "_Name": "Duplicate"}],
    )
    assert (response.status_code, response.json()) == (500, "KeyExists")
    assert emulator.query("Employee", Number="E1") == []
