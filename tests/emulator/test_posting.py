"""Invoice posting (§6(b) 13): simulate, real posting, numbering, GL, failures, PDFs."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest

from sync.emulator import fixtures
from sync.emulator.settings import EmulatorSettings

INVOICE = "/Companies/12114/Invoice/DebtorOrders"


def _gl_sum(trans) -> float:
    return round(sum(t["Amount"] for t in trans), 2)


@pytest.fixture
def order(emulator):
    """Debtor 1001 and an order: 7.5 h of item 1000 at 950 (with VAT)."""
    emulator.create_debtor("1001", _Name="Acme ApS", _Payment="Netto8")
    return emulator.create_order(
        "1001",
        lines=[{"_Item": "1000", "_Text": "Consulting May", "_Qty": 7.5, "_Price": 950}],
        _YourRef="CT-2024-0042",
        _OurRef="AH",
        _Remark="Maj",
    )


def test_simulate_example_totals_and_balanced_gl(emulator, order):
    response = emulator.post_invoice(order, simulate="true", documentType="Invoice")
    assert response.status_code == 200
    body = response.json()
    assert body["Err"] == "Succes"
    assert body["pdf"] is None
    header = body["Header"]
    assert (header["_InvoiceNumber"], header["InvoiceNumber"]) == (0, 0)
    assert (header["_DCAccount"], header["Account"]) == ("1001", "1001")
    assert (header["NetAmount"], header["VatAmount"], header["TotalAmount"]) == (
        7125.0,
        1781.25,
        8906.25,
    )
    ledger = body["ledgerRes"]
    assert ledger["Err"] == "Succes"
    assert ledger["JournalPostedlId"] == 0
    assert [(t["_Account"], t["_Amount"]) for t in ledger["SimulatedTrans"]] == [
        ("5600", 8906.25),
        ("1010", -7125.0),
        ("14261", -1781.25),
    ]
    assert _gl_sum(ledger["SimulatedTrans"]) == 0
    assert [(line["_Item"], line["_Qty"], line["_Price"]) for line in body["Lines"]] == [
        ("1000", 7.5, 950.0)
    ]


def test_simulate_persists_nothing(emulator, order):
    before_next = emulator.query("NumberSerie", Serie="FAK")[0]["Next"]
    assert emulator.post_invoice(order, simulate="true").status_code == 200
    for type_name in ("DebtorInvoice", "DebtorTrans", "GLTrans", "InvTrans"):
        assert emulator.query(type_name) == [], type_name
    assert emulator.query("NumberSerie", Serie="FAK")[0]["Next"] == before_next
    assert [o["OrderNumber"] for o in emulator.query("DebtorOrder")] == [order]
    assert len(emulator.query("DebtorOrderLine")) == 1


def test_vat_only_on_lines_whose_item_group_has_sales_vat(emulator, order):
    emulator.insert(
        "DebtorOrderLine",
        [
            {"_OrderNumber": order, "_Item": "1010", "_Qty": 2},  # 2 x 500, no VAT
            {"_OrderNumber": order, "_Item": "2000", "_Qty": 1, "_DiscountPct": 10},  # 1080
        ],
    )
    body = emulator.post_invoice(order, simulate="true").json()
    header = body["Header"]
    assert header["NetAmount"] == 7125.0 + 1000.0 + 1080.0
    assert header["VatAmount"] == 0.25 * (7125.0 + 1080.0)
    trans = body["ledgerRes"]["SimulatedTrans"]
    by_account = {t["Account"]: t["Amount"] for t in trans}
    assert by_account == {
        "5600": 9205.0 + 2051.25,
        "1010": -8205.0,
        "1015": -1000.0,
        "14261": -2051.25,
    }
    assert _gl_sum(trans) == 0
    debit = sum(t["Amount"] for t in trans if t["Amount"] > 0)
    assert debit == -sum(t["Amount"] for t in trans if t["Amount"] < 0)


def test_amounts_round_half_up_to_ore(emulator):
    emulator.create_debtor("1001")
    number = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1, "_Price": 0.125}], EndDiscountPct=0
    )
    header = emulator.post_invoice(number, simulate="true").json()["Header"]
    # net 0.125 -> 0.13; VAT 0.13 * 25 % = 0.0325 -> 0.03
    assert (header["NetAmount"], header["VatAmount"], header["TotalAmount"]) == (0.13, 0.03, 0.16)


def test_end_discount_from_debtor_reduces_net(emulator):
    emulator.create_debtor("1001", EndDiscountPct=10)
    number = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 2}])
    header = emulator.post_invoice(number, simulate="true").json()["Header"]
    assert (header["NetAmount"], header["VatAmount"]) == (1710.0, 427.5)


def test_vat_free_zone_gets_no_vat(emulator):
    emulator.create_debtor("1001", VatZone="EU")
    number = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    header = emulator.post_invoice(number, simulate="true").json()["Header"]
    assert (header["NetAmount"], header["VatAmount"]) == (950.0, 0.0)


def test_real_posting_creates_documents_and_deletes_order(emulator, order):
    response = emulator.post_invoice(
        order, simulate="false", documentType="Invoice", date="2024-05-31"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    header = body["Header"]
    number = fixtures.FIRST_INVOICE_NUMBER
    assert (header["_InvoiceNumber"], header["InvoiceNumber"]) == (number, number)
    assert header["_OrderNumber"] == order
    assert header["_Voucher"] == fixtures.FIRST_VOUCHER
    assert header["_JournalPostedId"] == fixtures.FIRST_JOURNAL_POSTED_ID
    assert (header["Date"], header["DueDate"]) == ("2024-05-31T00:00:00", "2024-06-08T00:00:00")
    assert (header["YourRef"], header["OurRef"], header["Remark"]) == ("CT-2024-0042", "AH", "Maj")
    assert body["ledgerRes"]["SimulatedTrans"] is None
    assert body["ledgerRes"]["JournalPostedlId"] == fixtures.FIRST_JOURNAL_POSTED_ID
    assert body["Err"] == "Succes"

    [invoice] = emulator.query("DebtorInvoice", OrderNumber=str(order))
    assert invoice["InvoiceNumber"] == number
    assert (invoice["NetAmount"], invoice["VatAmount"], invoice["TotalAmount"]) == (
        7125.0,
        1781.25,
        8906.25,
    )
    assert invoice["Currency"] == "DKK" and invoice["_Currency"] == 9
    [debtor_trans] = emulator.query("DebtorTrans", Account="1001")
    assert (debtor_trans["Amount"], debtor_trans["Invoice"], debtor_trans["Voucher"]) == (
        8906.25,
        number,
        fixtures.FIRST_VOUCHER,
    )
    gl = emulator.query("GLTrans", Voucher=str(fixtures.FIRST_VOUCHER))
    assert [(t["Account"], t["Amount"]) for t in gl] == [
        ("5600", 8906.25),
        ("1010", -7125.0),
        ("14261", -1781.25),
    ]
    assert all(t["Invoice"] == number and t["Date"] == "2024-05-31T00:00:00" for t in gl)
    [line] = emulator.query("InvTrans", InvoiceNumber=str(number))
    assert (line["Item"], line["Text"], line["Qty"], line["NetAmount"]) == (
        "1000",
        "Consulting May",
        7.5,
        7125.0,
    )
    assert emulator.query("DebtorOrder") == []
    assert emulator.query("DebtorOrderLine") == []
    assert emulator.query("NumberSerie", Serie="FAK")[0]["Next"] == number + 1


def test_invoice_numbers_are_consecutive_from_the_series(emulator):
    emulator.create_debtor("1001")
    numbers = []
    for qty in (1, 2, 3):
        order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": qty}])
        response = emulator.post_invoice(order)
        assert response.status_code == 200, response.text
        numbers.append(response.json()["Header"]["InvoiceNumber"])
    first = fixtures.FIRST_INVOICE_NUMBER
    assert numbers == [first, first + 1, first + 2]
    vouchers = [i["Voucher"] for i in emulator.query("DebtorInvoice")]
    assert vouchers == [fixtures.FIRST_VOUCHER + n for n in range(3)]


def test_keep_order_when_delete_order_is_false(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}], _DeleteOrder=False)
    number = emulator.post_invoice(order).json()["Header"]["InvoiceNumber"]
    [kept] = emulator.query("DebtorOrder", OrderNumber=str(order))
    assert kept["InvoiceNumber"] == number
    assert len(emulator.query("DebtorOrderLine", OrderNumber=str(order))) == 1


def test_credit_note_with_negative_quantity_flips_signs(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": -2}])
    body = emulator.post_invoice(order, documentType="Creditnote").json()
    header = body["Header"]
    assert (header["NetAmount"], header["VatAmount"], header["TotalAmount"]) == (
        -1900.0,
        -475.0,
        -2375.0,
    )
    assert header["DocumentType"] == "Creditnote"
    gl = emulator.query("GLTrans")
    assert [(t["Account"], t["Amount"], t["Debit"], t["Credit"]) for t in gl] == [
        ("5600", -2375.0, 0.0, 2375.0),
        ("1010", 1900.0, 1900.0, 0.0),
        ("14261", 475.0, 475.0, 0.0),
    ]
    assert emulator.query("DebtorTrans")[0]["Amount"] == -2375.0


def test_invoice_date_defaults_to_order_invoice_date_then_today(emulator):
    emulator.create_debtor("1001", _Payment="Netto30")
    dated = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1}], _InvoiceDate="2024-02-10"
    )
    header = emulator.post_invoice(dated).json()["Header"]
    assert (header["Date"], header["DueDate"]) == ("2024-02-10T00:00:00", "2024-03-11T00:00:00")
    undated = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    header = emulator.post_invoice(undated).json()["Header"]
    assert header["Date"] == f"{date.today().isoformat()}T00:00:00"


def test_invalid_date_and_document_type_are_400_text(emulator, order):
    bad_type = emulator.post_invoice(order, documentType="Faktura")
    assert bad_type.status_code == 400
    assert bad_type.headers["content-type"].startswith("text/plain")
    assert "documentType" in bad_type.text
    bad_date = emulator.post_invoice(order, date="31-05-2024")
    assert bad_date.status_code == 400
    assert emulator.query("DebtorInvoice") == []


def test_non_invoice_document_types_post_nothing(emulator, order):
    response = emulator.post_invoice(order, documentType="Packnote")
    assert response.status_code == 200
    assert response.json()["Header"]["InvoiceNumber"] == 0
    assert emulator.query("DebtorInvoice") == []


def test_legacy_orders_alias(emulator, order):
    response = emulator.client.post(f"/Companies/12114/Invoice/Orders/{order}?simulate=false")
    assert response.status_code == 200
    assert response.json()["Header"]["InvoiceNumber"] == fixtures.FIRST_INVOICE_NUMBER


def test_emails_are_recorded(emulator, order):
    response = emulator.client.post(
        f"{INVOICE}/{order}?email=a@acme.dk&email=b@acme.dk", headers={"Accept": "application/json"}
    )
    number = response.json()["Header"]["InvoiceNumber"]
    invoice = emulator.query("DebtorInvoice")[0]
    assert invoice["Emails"] == "a@acme.dk;b@acme.dk"
    assert invoice["SendTime"] != "0001-01-01T00:00:00"
    assert emulator.stats()["emails"] == [
        {"InvoiceNumber": number, "To": ["a@acme.dk", "b@acme.dk"]}
    ]


# -- failures ----------------------------------------------------------------------------------


def _fails(emulator, order: int, code: str, **params) -> None:
    serie_before = emulator.query("NumberSerie", Serie="FAK")[0]["Next"]
    response = emulator.post_invoice(order, **params)
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == code
    assert emulator.query("DebtorInvoice") == []
    assert emulator.query("GLTrans") == []
    assert emulator.query("NumberSerie", Serie="FAK")[0]["Next"] == serie_before


def test_missing_order_is_couldnotfind(emulator):
    _fails(emulator, 4242, "CouldNotFind")
    _fails(emulator, 4242, "CouldNotFind", simulate="true")


def test_order_without_lines_is_nolinestoupdate(emulator):
    emulator.create_debtor("1001")
    _fails(emulator, emulator.create_order("1001"), "NoLinesToUpdate")
    text_only = emulator.create_order("1001", lines=[{"_Text": "Kun tekst"}])
    _fails(emulator, text_only, "NoLinesToUpdate")


def test_blocked_debtor_is_debtorisstopped(emulator, order):
    emulator.client.patch(
        "/Companies/12114/Crud/Debtor?filter.Account=1001&limit=1",
        json=[{"op": "replace", "path": "/Blocked", "value": True}],
    ).raise_for_status()
    _fails(emulator, order, "DebtorIsStopped")
    _fails(emulator, order, "DebtorIsStopped", simulate="true")


def test_project_without_category_and_blocked_project(emulator):
    emulator.create_debtor("1001")
    emulator.insert("Project", {"_Number": "P100", "_DCAccount": "1001"})
    no_category = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1}], _Project="P100"
    )
    _fails(emulator, no_category, "PrCategoryCannotBeBlank")
    line_project = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1, "_Project": "P100"}]
    )
    _fails(emulator, line_project, "PrCategoryCannotBeBlank")
    with_category = emulator.create_order(
        "1001", lines=[{"_Item": "1000", "_Qty": 1}], _Project="P100", _PrCategory="SALG"
    )
    emulator.client.patch(
        "/Companies/12114/Crud/Project?filter.Number=P100&limit=1",
        json=[{"op": "replace", "path": "/Blocked", "value": True}],
    ).raise_for_status()
    _fails(emulator, with_category, "ProjectIsBlocked")


def test_item_blocked_after_line_insert_is_itemisonhold(emulator, order):
    emulator.client.patch(
        "/Companies/12114/Crud/InvItem?filter.Item=1000&limit=1",
        json=[{"op": "replace", "path": "/Blocked", "value": True}],
    ).raise_for_status()
    _fails(emulator, order, "ItemIsOnHold")


def test_item_group_without_revenue_account_is_accountismissing(emulator):
    emulator.insert("InvGroup", {"_Group": "BAD", "_Name": "Uden konto"})
    emulator.insert("InvItem", {"_Item": "5000", "_Name": "X", "_Group": "BAD", "_Decimals": 2})
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "5000", "_Qty": 1, "_Price": 10}])
    _fails(emulator, order, "AccountIsMissing")


def test_debtor_group_without_invoice_series_is_numberseriedoesnotexist(emulator):
    emulator.insert(
        "DebtorGroup",
        {"_Group": "9", "_Name": "Uden serie", "SummeryAccount": "5600", "RevenueAccount": "1010"},
    )
    emulator.create_debtor("1001", _Group="9")
    order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    _fails(emulator, order, "NumberSerieDoesNotExist")


def test_purchase_vat_on_line_is_vatisnotsalesvat(emulator):
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1, "_Vat": "I25"}])
    _fails(emulator, order, "VatIsNotSalesVat")


# -- PDF ---------------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_accept_pdf_returns_pdf_and_still_posts(emulator, order):
    response = emulator.client.post(
        f"{INVOICE}/{order}?simulate=false", headers={"Accept": "application/pdf"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    [invoice] = emulator.query("DebtorInvoice", OrderNumber=str(order))
    text = _pdf_text(response.content)
    assert "UNICONTA" in text
    assert str(invoice["InvoiceNumber"]) in text
    assert "Acme ApS" in text and "Consulting May" in text
    assert "8.906,25" in text
    number = invoice["InvoiceNumber"]
    stored = emulator.client.get(f"/Companies/12114/Invoice/DebtorInvoices/{number}/Pdf")
    assert stored.status_code == 200
    assert stored.content == response.content


def test_pdf_extension_route(emulator, order):
    number = emulator.post_invoice(order).json()["Header"]["InvoiceNumber"]
    response = emulator.client.get(
        f"/Companies/12114/Invoice/DebtorInvoices/{number}/Pdf?documentType=Invoice"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"Faktura nr. {number}" in _pdf_text(response.content)
    missing = emulator.client.get(f"/Companies/12114/Invoice/DebtorInvoices/{number + 1}/Pdf")
    assert (missing.status_code, missing.content) == (404, b"")


def test_simulated_pdf_is_marked_as_draft(emulator, order):
    response = emulator.client.post(
        f"{INVOICE}/{order}?simulate=true", headers={"Accept": "application/pdf"}
    )
    assert response.content.startswith(b"%PDF-")
    assert "KLADDE" in _pdf_text(response.content)
    assert emulator.query("DebtorInvoice") == []


def test_pinned_today_is_used_without_date(emulator_factory):
    emulator = emulator_factory(EmulatorSettings(today=date(2026, 3, 2)))
    emulator.create_debtor("1001")
    order = emulator.create_order("1001", lines=[{"_Item": "1000", "_Qty": 1}])
    header = emulator.post_invoice(order).json()["Header"]
    assert (header["Date"], header["DueDate"]) == ("2026-03-02T00:00:00", "2026-03-10T00:00:00")


def test_a_foreign_currency_invoice_books_dkk_in_amount_and_eur_in_amount_cur(emulator):
    # 06-eur-invoice: 2,439.50 EUR net, 609.88 EUR VAT at 7.4604 DKK per EUR.
    emulator.create_debtor("1004", _Currency="EUR")
    number = emulator.create_order(
        "1004", lines=[{"_Item": "1000", "_Qty": 12.5, "_Price": 145},
                       {"_Item": "1000", "_Qty": 4, "_Price": 165, "_DiscountPct": 5}],
        _Currency="EUR", _ExchangeRate=7.4604)
    response = emulator.post_invoice(number, simulate="false")
    assert response.status_code == 200, response.text
    header = response.json()["Header"]
    assert (header["NetAmount"], header["VatAmount"], header["Currency"]) == (
        2439.5, 609.88, "EUR")  # the invoice states its own currency
    gl = emulator.query("GLTrans")
    by_account = {row["Account"]: row for row in gl}
    vat = by_account[fixtures.SALES_VAT_ACCOUNT]
    assert (vat["Amount"], vat["AmountCur"]) == (-4549.95, -609.88)
    revenue = by_account[fixtures.REVENUE_ACCOUNT_VAT]
    assert (revenue["Amount"], revenue["AmountCur"]) == (-18199.65, -2439.5)
    receivable = by_account[fixtures.RECEIVABLES_ACCOUNT]
    assert (receivable["Amount"], receivable["AmountCur"]) == (22749.6, 3049.38)
    assert _gl_sum(gl) == 0  # the voucher balances in DKK
    (trans,) = emulator.query("DebtorTrans")
    assert (trans["Amount"], trans["AmountCur"], trans["Currency"]) == (22749.6, 3049.38, "EUR")


def test_a_foreign_currency_order_without_exchange_rate_is_refused(emulator):
    emulator.create_debtor("1004", _Currency="EUR")
    number = emulator.create_order("1004", lines=[{"_Item": "1000", "_Qty": 1}],
                                   _Currency="EUR")
    _fails(emulator, number, "FieldCannotBeBlank")
