"""CRUD rules: limit/409/204, JSON Patch, keys, validation, FK checks, order and line defaults."""

from __future__ import annotations

import pytest

from sync.emulator.settings import EmulatorSettings, Faults

CRUD = "/Companies/12114/Crud"


def _patch(emulator, type_name, query, ops, content_type="application/json-patch+json"):
    import json

    return emulator.client.patch(
        f"{CRUD}/{type_name}?{query}",
        content=json.dumps(ops),
        headers={"Content-Type": content_type},
    )


# -- PATCH / DELETE, limit ---------------------------------------------------------------------


def test_patch_example_replaces_field_and_returns_array(emulator):
    emulator.create_debtor("1001", _Name="Acme ApS")
    response = _patch(
        emulator,
        "Debtor",
        "filter.Account=1001&limit=1",
        [{"op": "replace", "path": "/_ContactEmail", "value": "ap@acme.dk"}],
    )
    assert response.status_code == 200
    [row] = response.json()
    assert (row["_ContactEmail"], row["ContactEmail"], row["Name"]) == (
        "ap@acme.dk",
        "ap@acme.dk",
        "Acme ApS",
    )
    assert emulator.query("Debtor", Account="1001")[0]["ContactEmail"] == "ap@acme.dk"


def test_patch_add_and_remove_on_property_paths(emulator):
    emulator.create_debtor("1001", City="Aarhus", Phone="12345678")
    response = _patch(
        emulator,
        "Debtor",
        "filter.Account=1001&limit=1",
        [
            {"op": "add", "path": "/Address1", "value": "Vestergade 1"},
            {"op": "remove", "path": "/Phone"},
            {"op": "replace", "path": "/city", "value": "Aalborg"},
        ],
    )
    assert response.status_code == 200, response.text
    row = emulator.query("Debtor", Account="1001")[0]
    assert (row["Address1"], row["Phone"], row["City"]) == ("Vestergade 1", None, "Aalborg")


def test_patch_accepts_plain_json_content_type(emulator):
    emulator.create_debtor("1001")
    response = _patch(
        emulator,
        "Debtor",
        "filter.Account=1001&limit=1",
        [{"op": "replace", "path": "/Name", "value": "Ny"}],
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()[0]["Name"] == "Ny"


def test_patch_rejects_unknown_path_and_operation(emulator):
    emulator.create_debtor("1001")
    bad_path = _patch(
        emulator, "Debtor", "filter.Account=1001&limit=1", [{"op": "replace", "path": "/Nope"}]
    )
    assert bad_path.status_code == 400
    assert "Nope" in bad_path.text
    bad_op = _patch(
        emulator, "Debtor", "filter.Account=1001&limit=1", [{"op": "move", "path": "/Name"}]
    )
    assert bad_op.status_code == 400


def test_patch_validates_like_insert(emulator):
    emulator.create_debtor("1001")
    emulator.create_debtor("1002")
    duplicate = _patch(
        emulator,
        "Debtor",
        "filter.Account=1002&limit=1",
        [{"op": "replace", "path": "/Account", "value": "1001"}],
    )
    assert (duplicate.status_code, duplicate.json()) == (500, "KeyExists")
    bad_group = _patch(
        emulator,
        "Debtor",
        "filter.Account=1002&limit=1",
        [{"op": "replace", "path": "/_Group", "value": "NOPE"}],
    )
    assert (bad_group.status_code, bad_group.json()) == (500, "FieldHasinvalidValue")
    bad_dim = _patch(
        emulator,
        "Debtor",
        "filter.Account=1002&limit=1",
        [{"op": "replace", "path": "/Dimension2", "value": "Marketing"}],
    )
    assert (bad_dim.status_code, bad_dim.json()) == (500, "DimensionDoesNotExist")
    assert emulator.query("Debtor", Account="1002")[0]["Group"] == "1"


def test_limit_defaults_to_zero_and_409_text(emulator):
    emulator.create_debtor("1001")
    emulator.create_debtor("1002")
    ops = [{"op": "replace", "path": "/Name", "value": "x"}]
    no_limit = _patch(emulator, "Debtor", "filter.Account=1001", ops)
    assert no_limit.status_code == 409
    assert no_limit.headers["content-type"].startswith("text/plain")
    assert no_limit.text == (
        "There are more values (1) matching filter then allowed by the limit (0)"
    )
    too_many = emulator.client.delete(f"{CRUD}/Debtor?filter.Account=1001..1002&limit=1")
    assert too_many.status_code == 409
    assert too_many.text == (
        "There are more values (2) matching filter then allowed by the limit (1)"
    )
    assert len(emulator.query("Debtor")) == 2
    assert emulator.query("Debtor", Account="1001")[0]["Name"] == "Kunde 1001"


def test_patch_without_matches_returns_empty_array(emulator):
    response = _patch(
        emulator,
        "Debtor",
        "filter.Account=4242&limit=1",
        [{"op": "replace", "path": "/Name", "value": "x"}],
    )
    assert (response.status_code, response.json()) == (200, [])


def test_delete_returns_204_and_removes(emulator):
    emulator.create_debtor("1001")
    emulator.create_debtor("1002")
    response = emulator.client.delete(f"{CRUD}/Debtor?filter.Account=1001&limit=1")
    assert (response.status_code, response.content) == (204, b"")
    assert [d["Account"] for d in emulator.query("Debtor")] == ["1002"]


def test_delete_order_cascades_to_lines(emulator):
    emulator.create_debtor("1001")
    keep = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    gone = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 2}])
    response = emulator.client.delete(f"{CRUD}/DebtorOrder?filter.OrderNumber={gone}&limit=1")
    assert response.status_code == 204
    assert [line["OrderNumber"] for line in emulator.query("DebtorOrderLine")] == [keep]


def test_debtor_with_orders_cannot_be_deleted(emulator):
    emulator.create_debtor("1001")
    emulator.create_order("1001")
    response = emulator.client.delete(f"{CRUD}/Debtor?filter.Account=1001&limit=1")
    assert (response.status_code, response.json()) == (500, "CouldNotDeleteRecordThatIsReferred")


def test_posted_documents_are_read_only(emulator):
    response = emulator.client.post(f"{CRUD}/DebtorInvoice", json={"_InvoiceNumber": 1})
    assert (response.status_code, response.json()) == (500, "NoRightsToInsert")


# -- keys and validation -----------------------------------------------------------------------


def test_duplicate_debtor_example_is_keyexists(emulator):
    emulator.create_debtor("1001")
    response = emulator.client.post(
        f"{CRUD}/Debtor", json={"_Account": "1001", "_Name": "Acme ApS", "_Group": "1"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == "KeyExists"


@pytest.mark.parametrize(
    ("type_name", "payload"),
    [
        ("InvItem", {"_Item": "1000", "_Name": "dup"}),
        ("Employee", {"_Number": "ah", "_Name": "case-insensitive dup"}),
        ("PrCategory", {"_Number": "SALG"}),
        ("DebtorGroup", {"_Group": "1"}),
        ("PaymentTerm", {"_Payment": "Netto8"}),
    ],
)
def test_duplicates_of_seeded_keys(emulator, type_name, payload):
    response = emulator.client.post(f"{CRUD}/{type_name}", json=payload)
    assert (response.status_code, response.json()) == (500, "KeyExists")


def test_empty_key_is_keyisempty(emulator):
    for type_name, payload in [
        ("Debtor", {"_Name": "No account"}),
        ("InvItem", {"_Name": "No item"}),
        ("Employee", {"_Name": "No number"}),
        ("Project", {"_Name": "No number"}),
    ]:
        response = emulator.client.post(f"{CRUD}/{type_name}", json=payload)
        assert (response.status_code, response.json()) == (500, "KeyIsEmpty"), type_name


def test_debtor_group_with_autonumber_assigns_account(emulator):
    first = emulator.insert("Debtor", {"_Name": "Auto", "_Group": "2"})[0]
    second = emulator.insert("Debtor", {"_Name": "Auto 2", "_Group": "2"})[0]
    assert (first["Account"], second["Account"]) == ("10001", "10002")
    serie = emulator.query("NumberSerie", Serie="DEB")[0]
    assert serie["Next"] == 10003


@pytest.mark.parametrize("account", ["A1001", "1001 ", "123456789012345678901", "10-01"])
def test_debtor_account_policy(emulator, account):
    response = emulator.client.post(f"{CRUD}/Debtor", json={"_Account": account, "_Name": "x"})
    assert (response.status_code, response.json()) == (500, "FieldHasinvalidValue")


def test_letters_allowed_when_digits_switch_is_off(emulator_factory):
    emulator = emulator_factory(EmulatorSettings(faults=Faults(digits_only_accounts=False)))
    assert emulator.create_debtor("ACME-1")["Account"] == "ACME-1"
    too_long = emulator.client.post(f"{CRUD}/Debtor", json={"_Account": "X" * 21})
    assert too_long.json() == "FieldHasinvalidValue"


def test_digits_switch_can_change_at_runtime(emulator):
    assert emulator.set_faults(digits_only_accounts=False)["digits_only_accounts"] is False
    assert emulator.create_debtor("ABC")["Account"] == "ABC"


def test_cvr_with_blanks_is_invalid(emulator):
    response = emulator.client.post(
        f"{CRUD}/Debtor", json={"_Account": "1001", "_LegalIdent": "12 34 56 78"}
    )
    assert response.json() == "FieldHasinvalidValue"


@pytest.mark.parametrize(
    "payload",
    [
        {"_Group": "99"},
        {"_Payment": "Netto99"},
        {"_Vat": "U99"},
        {"_LayoutGroup": "Fancy"},
        {"_Employee": "ZZ"},
    ],
)
def test_debtor_foreign_keys(emulator, payload):
    response = emulator.client.post(f"{CRUD}/Debtor", json={"_Account": "1001", **payload})
    assert (response.status_code, response.json()) == (500, "FieldHasinvalidValue")
    assert emulator.query("Debtor") == []


@pytest.mark.parametrize(
    "payload",
    [{"_Dim1": "Team C"}, {"_Dim2": "Team A"}, {"Dimension3": "Nord"}, {"_Dim4": "x"}],
)
def test_dimension_values_must_exist_and_be_active(emulator, payload):
    response = emulator.client.post(f"{CRUD}/Debtor", json={"_Account": "1001", **payload})
    assert (response.status_code, response.json()) == (500, "DimensionDoesNotExist")


def test_valid_dimensions_and_references_are_accepted(emulator):
    row = emulator.create_debtor(
        "1001",
        _Dim1="Team B",
        _Dim2="Rådgivning",
        _Dim3="Øst",
        _Payment="Netto30",
        _Vat="U25",
        _LayoutGroup="Standard",
        _Employee="AH",
    )
    assert (row["Dimension2"], row["Dimension3"], row["Employee"]) == ("Rådgivning", "Øst", "AH")


def test_contact_and_project_need_existing_debtor(emulator):
    contact = emulator.client.post(
        f"{CRUD}/Contact", json={"_DCType": 1, "_DCAccount": "4242", "_Name": "X"}
    )
    assert contact.json() == "FieldHasinvalidValue"
    project = emulator.client.post(
        f"{CRUD}/Project", json={"_Number": "P100", "_DCAccount": "4242"}
    )
    assert project.json() == "FieldHasinvalidValue"
    emulator.create_debtor("1001")
    made = emulator.insert("Contact", {"_DCAccount": "1001", "_Name": "Ann", "Mobile": "2020"})[0]
    assert (made["DCType"], made["Mobil"], made["KeyStr"]) == (1, "2020", str(made["RowId"]))
    project_row = emulator.insert("Project", {"_Number": "P100", "_DCAccount": "1001"})[0]
    assert (project_row["Account"], project_row["_DCAccount"], project_row["Group"]) == (
        "1001",
        "1001",
        "STD",
    )


def test_item_requires_known_group_and_defaults_to_default_group(emulator):
    item = emulator.insert("InvItem", {"_Item": "3000", "_Name": "Ny"})[0]
    assert item["Group"] == "YMM"
    bad = emulator.client.post(f"{CRUD}/InvItem", json={"_Item": "3001", "_Group": "NOPE"})
    assert bad.json() == "FieldHasinvalidValue"


# -- DebtorOrder / DebtorOrderLine -------------------------------------------------------------


def test_order_with_unknown_debtor_is_400_text(emulator):
    response = emulator.client.post(f"{CRUD}/DebtorOrder", json={"_DCAccount": "4242"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Unable to find debtor with account number 4242"


def test_order_example_assigns_number_and_inherits_from_debtor(emulator):
    emulator.create_debtor(
        "1001",
        Currency="EUR",
        EndDiscountPct=5,
        PriceList="Engros",
        _Employee="AH",
        _Dim1="Team A",
        _Dim2="Revision",
        _LayoutGroup="Standard",
    )
    emulator.insert("Project", {"_Number": "P100", "_DCAccount": "1001"})
    [order] = emulator.insert(
        "DebtorOrder",
        {
            "_DCAccount": "1001",
            "_YourRef": "CT-2024-0042",
            "_Project": "P100",
            "_PrCategory": "SALG",
            "_InvoiceDate": "2024-05-31T00:00:00",
            "_DeleteOrder": True,
            "_Dim2": "Rådgivning",
        },
    )
    assert order["_OrderNumber"] == order["OrderNumber"] == 5001
    assert (order["_DCAccount"], order["Account"]) == ("1001", "1001")
    assert (order["_Currency"], order["Currency"]) == (2, "EUR")
    assert (order["_YourRef"], order["YourRef"]) == ("CT-2024-0042", "CT-2024-0042")
    assert order["EndDiscountPct"] == 5.0
    assert order["PriceList"] == "Engros"
    assert order["LayoutGroup"] == "Standard"
    assert order["Employee"] == "AH"
    assert order["Dimension1"] == "Team A"  # inherited
    assert order["Dimension2"] == "Rådgivning"  # given wins
    assert order["DeleteOrder"] is True
    second = emulator.insert("DebtorOrder", {"_DCAccount": "1001", "_Currency": "DKK"})[0]
    assert (second["OrderNumber"], second["Currency"]) == (5002, "DKK")


def test_explicit_order_number_must_be_unique(emulator):
    emulator.create_debtor("1001")
    assert emulator.insert("DebtorOrder", {"_DCAccount": "1001", "_OrderNumber": 7000})
    dup = emulator.client.post(
        f"{CRUD}/DebtorOrder", json={"_DCAccount": "1001", "_OrderNumber": 7000}
    )
    assert dup.json() == "KeyExists"
    assert emulator.insert("DebtorOrder", {"_DCAccount": "1001"})[0]["OrderNumber"] == 7001


def test_order_line_needs_existing_order(emulator):
    response = emulator.client.post(
        f"{CRUD}/DebtorOrderLine", json={"_OrderNumber": 4242, "_Item": "1000", "_Qty": 1}
    )
    assert (response.status_code, response.json()) == (500, "CouldNotFind")


def test_order_line_item_rules(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001")
    blocked = emulator.client.post(
        f"{CRUD}/DebtorOrderLine", json={"_OrderNumber": order, "_Item": "9000", "_Qty": 1}
    )
    assert blocked.json() == "ItemIsOnHold"
    unknown = emulator.client.post(
        f"{CRUD}/DebtorOrderLine", json={"_OrderNumber": order, "_Item": "4242", "_Qty": 1}
    )
    assert unknown.json() == "FieldHasinvalidValue"
    lines = emulator.insert(
        "DebtorOrderLine",
        [
            {"_OrderNumber": order, "_Item": "1000", "_Qty": 1.256},
            {"_OrderNumber": order, "_Item": "2000", "_Qty": 2.6, "_Price": 1000},
            {"_OrderNumber": order, "_Item": "2000", "_Qty": 2.5, "_Text": "Egen tekst"},
            {"_OrderNumber": order, "_Text": "Tekstlinje uden vare"},
            {"_OrderNumber": order, "_Item": "1000", "_Qty": 7.5, "_Unit": "Days"},
        ],
    )
    summary = [(x["Qty"], x["Price"], x["Text"], x["Unit"], x["LineNumber"]) for x in lines]
    assert summary == [
        (1.26, 950.0, "Konsulentydelse", "Hours", 1.0),
        (3.0, 1000.0, "Licens", "Pcs", 2.0),
        (2.0, 1200.0, "Egen tekst", "Pcs", 3.0),  # .NET Math.Round: midpoint to even
        (0.0, 0.0, "Tekstlinje uden vare", "None", 4.0),
        (7.5, 950.0, "Konsulentydelse", "Days", 5.0),
    ]


def test_order_line_foreign_keys(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001")
    for payload, code in [
        ({"_Project": "P404"}, "FieldHasinvalidValue"),
        ({"_PrCategory": "NOPE"}, "FieldHasinvalidValue"),
        ({"Employee": "ZZ"}, "FieldHasinvalidValue"),
        ({"_Vat": "X1"}, "FieldHasinvalidValue"),
        ({"_Dim3": "Syd"}, "DimensionDoesNotExist"),
    ]:
        response = emulator.client.post(
            f"{CRUD}/DebtorOrderLine",
            json={"_OrderNumber": order, "_Item": "1000", "_Qty": 1, **payload},
        )
        assert (response.status_code, response.json()) == (500, code), payload


def test_patching_line_qty_rounds_again(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "2000", "_Qty": 1}])
    response = _patch(
        emulator,
        "DebtorOrderLine",
        f"filter.OrderNumber={order}&limit=1",
        [{"op": "replace", "path": "/_Qty", "value": 4.4}],
    )
    assert response.json()[0]["Qty"] == 4.0


def test_project_trans_and_vouchers_can_be_queried_with_filters(emulator):
    emulator.create_debtor("1001")
    emulator.insert("Project", {"_Number": "P100", "_DCAccount": "1001"})
    emulator.insert(
        "ProjectTrans",
        [
            {
                "_Project": "P100",
                "_Date": "2026-01-10",
                "_Qty": 1,
                "_CostAmount": 100,
                "_PrCategory": "UDLAEG",
                "_Text": "Taxa",
            },
            {
                "_Project": "P100",
                "_Date": "2026-02-10",
                "_Qty": 2,
                "_CostAmount": 250,
                "_PrCategory": "UDLAEG",
                "_Text": "Hotel",
            },
        ],
    )
    emulator.insert(
        "Vouchers",
        {
            "_DocumentDate": "2026-01-15",
            "_Amount": 125,
            "_Vat": "I25",
            "_Text": "Bog",
            "_Project": "P100",
        },
    )
    january = emulator.query("ProjectTrans", Date="1/1-2026..31/1-2026")
    assert [t["Text"] for t in january] == ["Taxa"]
    vouchers = emulator.query("Vouchers", DocumentDate="15/1-2026")
    assert [(v["Amount"], v["Vat"]) for v in vouchers] == [(125.0, "I25")]
