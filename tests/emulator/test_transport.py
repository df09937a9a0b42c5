"""Transport: auth, company resolution, type-name resolution, index and company list (§2.1–2.3)."""

from __future__ import annotations

import httpx

from sync.emulator import fixtures


def test_missing_auth_header_is_401_with_empty_body(emulator):
    response = httpx.get(f"{emulator.base_url}/Companies/12114/Query/Debtor")
    assert response.status_code == 401
    assert response.content == b""


def test_malformed_basic_header_is_401(emulator):
    response = httpx.get(
        f"{emulator.base_url}/Companies/12114/Query/Debtor",
        headers={"Authorization": "Basic not-base64!!"},
    )
    assert response.status_code == 401


def test_wrong_password_is_403_with_json_error_name(emulator):
    response = httpx.get(
        f"{emulator.base_url}/Companies/12114/Query/Debtor", auth=(emulator.login, "wrong")
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == "UserOrPasswordIsWrong"


def test_unknown_login_is_403(emulator):
    response = httpx.get(f"{emulator.base_url}/Companies", auth=("nobody", "x"))
    assert response.status_code == 403
    assert response.json() == "UserOrPasswordIsWrong"


def test_unknown_and_not_granted_company_are_404_empty(emulator):
    unknown = emulator.client.get("/Companies/99999/Query/Debtor")
    assert (unknown.status_code, unknown.content) == (404, b"")
    # 12115 exists but is granted only to the other user
    not_granted = emulator.client.get(f"/Companies/{fixtures.OTHER_COMPANY_ID}/Query/Debtor")
    assert (not_granted.status_code, not_granted.content) == (404, b"")
    other = httpx.get(
        f"{emulator.base_url}/Companies/{fixtures.OTHER_COMPANY_ID}/Query/Debtor",
        auth=(fixtures.OTHER_LOGIN, fixtures.OTHER_PASSWORD),
    )
    assert (other.status_code, other.json()) == (200, [])


def test_non_numeric_company_is_404(emulator):
    assert emulator.client.get("/Companies/demo/Query/Debtor").status_code == 404


def test_companies_extension_lists_granted_companies_with_dimensions(emulator):
    response = emulator.client.get("/Companies")
    assert response.status_code == 200
    assert response.json() == [
        {
            "CompanyId": 12114,
            "Name": "Demo ApS",
            "Currency": "DKK",
            "NumberOfDimensions": 3,
            "Dim1": "Hold",
            "Dim2": "Afdeling",
            "Dim3": "Division",
            "Dim4": None,
            "Dim5": None,
            # Company information: CVR, the FIK setup and the bank (read by the setup doctor)
            **fixtures.PAYMENT_SETUP,
        }
    ]


def test_index_lists_endpoints_enums_and_types(emulator):
    body = httpx.get(emulator.base_url + "/").json()
    assert "{companyId}" in body["QueryEndpoint"]
    assert "/Crud/" in body["CrudEndpoint"]
    assert "/Invoice/DebtorOrders/" in body["InvoiceOrderEndpoint"]
    assert body["Enums"]["ItemUnit"][:5] == ["None", "Pcs", "Qty", "Cartons", "Hours"]
    assert body["Enums"]["CompanyLayoutType"][0] == "Invoice"
    assert {"Debtor", "DebtorOrder", "DebtorOrderLine", "InvItem", "GLDimType1"} <= set(
        body["Types"]
    )


def test_type_names_resolve_case_insensitively(emulator):
    for name in ("InvItem", "invitem", "INVITEM"):
        response = emulator.client.get(f"/Companies/12114/Query/{name}")
        assert response.status_code == 200
        assert {r["Item"] for r in response.json()} == {"1000", "1010", "2000", "9000"}


def test_client_suffixed_and_unknown_type_names_are_400_text(emulator):
    for name in ("DebtorClient", "NoSuchType"):
        response = emulator.client.get(f"/Companies/12114/Query/{name}")
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == "The type  was not found"
    posted = emulator.client.post("/Companies/12114/Crud/DebtorClient", json={"_Account": "1"})
    assert (posted.status_code, posted.text) == (400, "The type  was not found")


def test_route_literals_are_case_insensitive(emulator):
    response = emulator.client.get("/companies/12114/query/PaymentTerm")
    assert response.status_code == 200
    assert [r["Payment"] for r in response.json()] == ["Netto8", "Netto14", "Netto20", "Netto30"]


def test_unknown_route_is_empty_404(emulator):
    response = emulator.client.get("/Companies/12114/Nope")
    assert (response.status_code, response.content) == (404, b"")


def test_seeded_master_data_and_dimension_values(emulator):
    dims = {n: [r["KeyStr"] for r in emulator.query(f"GLDimType{n}")] for n in (1, 2, 3)}
    assert dims == {1: ["Team A", "Team B"], 2: ["Revision", "Rådgivning"], 3: ["Øst", "Vest"]}
    assert emulator.query("GLDimType4") == []
    groups = {g["Group"]: g for g in emulator.query("DebtorGroup")}
    assert groups["1"]["IsDefault"] is True
    assert (groups["1"]["SalesVat"], groups["1"]["_Vat"], groups["1"]["InvoiceSerie"]) == (
        "U25",
        "U25",
        "FAK",
    )
    inv_groups = {g["Group"]: g["SalesVat"] for g in emulator.query("InvGroup")}
    assert inv_groups == {"YMM": "U25", "YUM": None}
    categories = {c["Number"]: (c["CatType"], c["IsDefault"]) for c in emulator.query("PrCategory")}
    assert categories["ACONTO"] == ("OnAccountInvoicing", True)
    assert categories["SALG"] == ("Revenue", False)
    [vat] = emulator.query("GLVat", Vat="U25")
    assert (vat["Rate"], vat["VatType"]) == (25.0, "Sales")
    items = {
        i["Item"]: (i["Group"], i["Decimals"], i["Unit"], i["Blocked"])
        for i in emulator.query("InvItem")
    }
    assert items == {
        "1000": ("YMM", 2, "Hours", False),
        "1010": ("YUM", 2, "Hours", False),
        "2000": ("YMM", 0, "Pcs", False),
        "9000": ("YMM", 2, "Hours", True),
    }
    assert [s["Next"] for s in emulator.query("NumberSerie", Serie="FAK")] == [20260001]
    assert [e["Number"] for e in emulator.query("Employee")] == ["AH", "PL"]
